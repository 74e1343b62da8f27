"""Beale's function: a flat plateau with a sharp curved valley and steep corners."""

from __future__ import annotations

from core.i18n import N_
from landscapes.base import Landscape


def beale(x, p):
    """(1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²."""
    a, b = x[0], x[1]
    return (1.5 - a + a * b) ** 2 + (2.25 - a + a * b**2) ** 2 + (2.625 - a + a * b**3) ** 2


LANDSCAPE = Landscape(
    key="beale",
    name=N_("Beale"),
    description=(
        N_(
            "A broad, almost level plateau bordered by walls that rise like y⁶ towards the corners, with the "
            "minimum (3, 0.5) at the end of a narrow curved valley. Gradients differ by many orders of magnitude "
            "across the map: tiny on the plateau, where plain gradient descent barely moves, and huge near the "
            "corners, where the same learning rate overshoots wildly. It shows why methods that rescale steps by "
            "the gradient's recent size, such as RMSprop and Adam, cope with badly scaled problems."
        )
    ),
    latex=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    starts=((1.0, 1.5), (-2.0, -1.0), (-3.0, 1.5)),
    loss_fn=beale,
    minima=lambda p: ((3.0, 0.5),),
    saddles=lambda p: ((0.0, 1.0), (0.10053793732415828, -2.644513585023126)),
    tags=("classic", "badly-scaled"),
    order=100,
)
