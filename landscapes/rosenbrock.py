"""Rosenbrock's banana valley."""

from __future__ import annotations

from core.i18n import N_
from core.param import Param
from landscapes.base import Landscape


def rosenbrock(x, p):
    """(a - x)^2 + b (y - x^2)^2."""
    a, b = p["a"], p["b"]
    return (a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2


LANDSCAPE = Landscape(
    key="rosenbrock",
    name=N_("Rosenbrock valley"),
    description=(
        N_(
            "A long, curved, nearly flat valley with steep walls. Finding the valley is easy; "
            "travelling along its bent floor to the minimum at (a, a²) is slow, because the "
            "steep walls force a small step while the floor barely slopes. It is the classic "
            "test of whether an optimizer can follow a curved ravine without bouncing between its sides."
        )
    ),
    latex=r"f(x, y) = (a - x)^2 + b\,(y - x^2)^2",
    domain=((-2.0, 2.0), (-1.0, 3.0)),
    starts=((-1.5, 2.0), (-1.0, -0.5), (1.5, 2.8)),
    loss_fn=rosenbrock,
    params=(
        Param("a", "a", 1.0, 0.5, 1.5, help=N_("minimum at (a, a²)")),
        Param("b", "b", 100.0, 1.0, 200.0, log=True, help=N_("steepness of the valley walls")),
    ),
    minima=lambda p: ((p["a"], p["a"] ** 2),),
    tags=("classic", "ill-conditioned"),
    order=20,
)
