"""A gentle slope that ends at the foot of a sheer wall: the exploding-gradient picture."""

from __future__ import annotations

import functools
import math

import jax

from core.i18n import N_
from core.param import Param
from landscapes.base import Landscape

WALL_X = 2.0
"""Where the cliff face starts (a vertical line x = WALL_X)."""
SHARPNESS = 5000.0
"""1 / width of the rounded corner at the foot of the wall (in x units)."""
PULL = 0.5
"""Curvature of the gentle bowl along x."""
TARGET = 6.0
"""Centre of the gentle bowl, behind the wall, so the slope at the foot is PULL·(TARGET - WALL_X) = 2.

A slope of 2 makes each step near the foot long compared with the corner's width, so at
ordinary learning rates the step that reaches the wall lands well up the face (a full
throw of about η·G) rather than creeping into the corner.
"""
CROSS = 1.0
"""Curvature of the gentle bowl along y."""


def cliff(x, p):
    """A gentle bowl pulling towards x = 6, cut off by a face of slope ``G`` rising from x = 2.

    The face is (G/s)·softplus(s(x - 2)): zero before the wall, slope G after it, with a
    corner rounded over about 1/s, so the gradient is finite (at most about G + 5) on the whole domain.
    """
    gentle = 0.5 * PULL * (x[0] - TARGET) ** 2 + 0.5 * CROSS * x[1] ** 2
    wall = p["slope"] / SHARPNESS * jax.nn.softplus(SHARPNESS * (x[0] - WALL_X))
    return gentle + wall


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@functools.lru_cache(maxsize=64)
def _foot(slope: float) -> float:
    """x of the minimum: where the bowl's pull PULL·(TARGET - x) balances the wall's push (Newton, float64)."""
    x = WALL_X
    for _ in range(100):
        sig = _sigmoid(SHARPNESS * (x - WALL_X))
        h = PULL * (x - TARGET) + slope * sig
        dh = PULL + slope * SHARPNESS * sig * (1.0 - sig)
        step = h / dh
        x -= step
        if abs(step) < 1e-15:
            break
    return x


LANDSCAPE = Landscape(
    key="cliff",
    name=N_("Cliff"),
    description=(
        N_(
            "Most of this surface is a gentle slope, but its lowest point sits right at the foot of a wall whose "
            "gradient is hundreds of times larger than anywhere else. Plain gradient descent walks down "
            "calmly, and the first step that lands on the wall is multiplied by that enormous gradient and flings "
            "the point far off the map, wasting everything done so far; it then walks back and is flung again. "
            "Clipping the gradient norm (to about 1-5) caps that one step, so the clipped run settles at the foot. "
            "This is how exploding gradients look on a loss surface."
        )
    ),
    latex=(
        r"f(x, y) = \tfrac14 (x - 6)^2 + \tfrac12 y^2 + \frac{G}{s}\log\!\left(1 + e^{\,s (x - 2)}\right),"
        r"\quad s = 5000"
    ),
    domain=((-4.0, 3.0), (-3.0, 3.0)),
    starts=((-3.0, 2.0), (-3.5, -2.5), (0.0, 2.5)),
    loss_fn=cliff,
    params=(Param("slope", "G", 1000.0, 50.0, 5000.0, log=True, help=N_("steepness of the cliff face")),),
    minima=lambda p: ((_foot(float(p["slope"])), 0.0),),
    tags=("cliff", "exploding-gradient"),
    order=50,
)
