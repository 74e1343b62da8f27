"""A saddle point with two valleys to escape into."""

from __future__ import annotations

import math

from core.i18n import N_
from core.param import Param
from landscapes.base import Landscape


def saddle(x, p):
    """x² - c y² + y⁴/4: a saddle at the origin, minima at (0, ±√(2c)) with value -c²."""
    c = p["c"]
    return x[0] ** 2 - c * x[1] ** 2 + 0.25 * x[1] ** 4


LANDSCAPE = Landscape(
    key="saddle",
    name=N_("Saddle point"),
    description=(
        N_(
            "The origin is flat in every direction yet is not a minimum: the surface curves up along x and "
            "down along y. Started almost exactly on the ridge line y = 0, gradient descent first slides "
            "confidently into the saddle and then seems to stall, because the gradient there is nearly zero. "
            "The tiny sideways offset grows by a constant factor each step, so the escape comes eventually "
            "but late; momentum and noise shorten the wait, and a smaller c (a flatter escape direction) "
            "lengthens it."
        )
    ),
    latex=r"f(x, y) = x^2 - c\,y^2 + \tfrac14\,y^4",
    domain=((-2.0, 2.0), (-2.5, 2.5)),
    starts=((-1.5, 1e-3), (1.8, -1e-2), (-1.5, 1.0)),
    loss_fn=saddle,
    params=(Param("c", "c", 1.0, 0.1, 2.0, help=N_("downward curvature along y (the escape direction)")),),
    minima=lambda p: ((0.0, math.sqrt(2.0 * p["c"])), (0.0, -math.sqrt(2.0 * p["c"]))),
    saddles=lambda p: ((0.0, 0.0),),
    tags=("saddle",),
    order=30,
)
