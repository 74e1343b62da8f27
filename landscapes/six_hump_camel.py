"""The six-hump camel function: two global minima among six valleys."""

from __future__ import annotations

from core.i18n import N_
from landscapes.base import Landscape


def six_hump_camel(x, p):
    """(4 - 2.1x² + x⁴/3) x² + xy + (-4 + 4y²) y²."""
    a, b = x[0], x[1]
    return (4.0 - 2.1 * a**2 + a**4 / 3.0) * a**2 + a * b + (-4.0 + 4.0 * b**2) * b**2


MINIMA = (
    (0.08984201310031806, -0.7126564030207396),
    (-0.08984201310031806, 0.7126564030207396),
    (1.703606714969981, -0.7960835686726252),
    (-1.703606714969981, 0.7960835686726252),
    (1.6071047529201976, 0.5686514548841314),
    (-1.6071047529201976, -0.5686514548841314),
)
"""Global pair first (f ≈ -1.0316285), then the local pairs (f ≈ -0.2155, 2.1043); Newton-refined in float64."""
SADDLES = (
    (0.0, 0.0),
    (1.1092053368047865, -0.7682680925095398),
    (-1.1092053368047865, 0.7682680925095398),
    (1.6380679841897787, 0.22867406904439408),
    (-1.6380679841897787, -0.22867406904439408),
    (1.296070267167109, 0.6050843880386585),
    (-1.296070267167109, -0.6050843880386585),
)


LANDSCAPE = Landscape(
    key="six_hump_camel",
    name=N_("Six-hump camel"),
    description=(
        N_(
            "Six valleys sit in a small rectangle: two mirror-image global minima near the centre (value about "
            "-1.0316) and four shallower ones further out along x, all joined by saddle passes, with the origin "
            "itself a saddle. The surface is point-symmetric, so which of the two best valleys a run reaches "
            "depends only on which side of the central saddle it falls. Starting on the outer slopes shows how "
            "easily a local optimizer settles for a side valley that is good but not the best."
        )
    ),
    latex=r"f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + \left(-4 + 4y^2\right)y^2",
    domain=((-2.2, 2.2), (-1.2, 1.2)),
    starts=((-1.9, -1.0), (0.02, 0.01), (2.0, 1.0)),
    loss_fn=six_hump_camel,
    minima=lambda p: MINIMA,
    saddles=lambda p: SADDLES,
    tags=("classic", "multimodal"),
    order=140,
)
