"""Ackley's function: a nearly flat, bumpy plain with one deep funnel in the middle."""

from __future__ import annotations

import math

import jax.numpy as jnp

from core.i18n import N_
from landscapes.base import Landscape

SMOOTHING = 1e-5
"""δ in the rounded radius √(r²/2 + δ²) - δ: keeps the gradient finite (zero) at the origin.

The textbook function has a cone tip at the origin (the radius term is not differentiable there,
and jnp.sqrt's gradient at 0 is NaN). Rounding it over a radius of about δ changes f by less
than 4δ = 4e-5 anywhere and leaves f(0, 0) = 0 exactly.
"""


def ackley(x, p):
    """-20 exp(-0.2 ρ) - exp(½(cos 2πx + cos 2πy)) + e + 20, with ρ the smoothed √((x² + y²)/2)."""
    rho = jnp.sqrt(0.5 * (x[0] ** 2 + x[1] ** 2) + SMOOTHING**2) - SMOOTHING
    ripple = 0.5 * (jnp.cos(2.0 * jnp.pi * x[0]) + jnp.cos(2.0 * jnp.pi * x[1]))
    return -20.0 * jnp.exp(-0.2 * rho) - jnp.exp(ripple) + math.e + 20.0


LANDSCAPE = Landscape(
    key="ackley",
    name=N_("Ackley"),
    description=(
        N_(
            "Far from the centre the surface is an almost level plain dimpled by a regular pattern of shallow "
            "pits, and only near the origin does it drop into a steep funnel down to the global minimum of 0. "
            "A gradient method started on the plain feels mostly the dimples, so it tends to stop in the nearest "
            "pit without ever sensing the funnel. It is a test of exploration rather than of speed: momentum, "
            "noise or a large step help far more than a clever scaling of the gradient."
        )
    ),
    latex=(r"f(x, y) = -20\,e^{-0.2\sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20"),
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    starts=((-3.3, 2.4), (4.1, 4.1), (1.6, -1.4)),
    loss_fn=ackley,
    minima=lambda p: ((0.0, 0.0),),
    tags=("classic", "multimodal"),
    order=120,
)
