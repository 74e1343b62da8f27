"""Himmelblau's function: four equally deep minima."""

from __future__ import annotations

from core.i18n import N_
from landscapes.base import Landscape


def himmelblau(x, p):
    """(x² + y - 11)² + (x + y² - 7)²."""
    return (x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2


MINIMA = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.2831859912861696),
    (3.5844283403304917, -1.8481265269644036),
)
"""All four have f = 0; (3, 2) is exact, the others are Newton-refined in float64."""
SADDLES = (
    (3.3851541836070207, 0.07385187983774928),
    (0.08667750455539634, 2.884254701174776),
    (-3.0730257507643897, -0.08135304428796751),
    (-0.12796134673068008, -1.9537149802445766),
)
"""The four saddles between neighbouring minima (the fifth critical point, near (-0.27, -0.92), is a maximum)."""
MAXIMUM = (-0.27084459066734756, -0.9230385564799816)


LANDSCAPE = Landscape(
    key="himmelblau",
    name=N_("Himmelblau"),
    description=(
        N_(
            "Four valleys of exactly the same depth (zero) surround a central hump, separated by four saddle "
            "passes. Since every minimum is equally good, the only question is which one a run ends in, and the "
            "answer depends on the start point, the learning rate and the optimizer's momentum. Starting near the "
            "hump and nudging the start or the step size is an easy way to see that the basin an optimizer lands "
            "in is decided early and can flip on small changes."
        )
    ),
    latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    starts=((-0.5, -1.5), (0.0, 4.5), (-4.5, 0.5)),
    loss_fn=himmelblau,
    minima=lambda p: MINIMA,
    saddles=lambda p: SADDLES,
    tags=("classic", "multimodal"),
    order=90,
)
