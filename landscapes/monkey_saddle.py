"""The monkey saddle: a degenerate saddle point, where even the curvature vanishes."""

from __future__ import annotations

import math

from core.i18n import N_
from core.param import Param
from landscapes.base import Landscape


def monkey_saddle(x, p):
    """x³ - 3xy² + c (x² + y²)²; in polar form r³ cos 3φ + c r⁴."""
    r2 = x[0] ** 2 + x[1] ** 2
    return x[0] ** 3 - 3.0 * x[0] * x[1] ** 2 + p["c"] * r2**2


def _minima(p) -> tuple[tuple[float, float], ...]:
    """The three valleys: cos 3φ = -1 and r = 3/(4c) (from 3r² = 4c r³), where f = -27/(256 c³)."""
    r = 3.0 / (4.0 * p["c"])
    h = r * math.sqrt(3.0) / 2.0
    return ((-r, 0.0), (r / 2.0, h), (r / 2.0, -h))  # at angles 180°, 60° and -60°


LANDSCAPE = Landscape(
    key="monkey_saddle",
    name=N_("Monkey saddle"),
    description=(
        N_(
            "At the origin the gradient and the whole Hessian are zero, so no quadratic picture can tell which "
            "way is down: three valleys fall away from the centre between three ridges. Gradient descent that "
            "arrives along a ridge slows to a near halt, since the slope shrinks like the square of the "
            "distance, and it leaves only as fast as a small sideways drift can grow. Compare with the ordinary "
            "saddle, where the escape speeds up exponentially. The quartic term with weight c keeps the surface "
            "bounded below and puts each valley's minimum at radius 3/(4c)."
        )
    ),
    latex=r"f(x, y) = x^3 - 3xy^2 + c\,(x^2 + y^2)^2",
    domain=((-2.5, 2.5), (-2.5, 2.5)),
    starts=((1.5, 5e-3), (1.2, -1.8), (-0.5, 2.2)),
    loss_fn=monkey_saddle,
    params=(Param("c", "c", 0.5, 0.4, 1.5, log=True, help=N_("weight of the quartic wall; minima at radius 3/(4c)")),),
    minima=_minima,
    saddles=lambda p: ((0.0, 0.0),),
    tags=("saddle", "degenerate"),
    order=40,
)
