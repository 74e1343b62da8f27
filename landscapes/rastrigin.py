"""Rastrigin's function: a bowl covered in a regular grid of local minima."""

from __future__ import annotations

import jax.numpy as jnp

from core.i18n import N_
from core.param import Param
from landscapes.base import Landscape


def rastrigin(x, p):
    """2A + Σ (xᵢ² - A cos 2πxᵢ)."""
    a = p["A"]
    return 2.0 * a + jnp.sum(x**2 - a * jnp.cos(2.0 * jnp.pi * x))


LANDSCAPE = Landscape(
    key="rastrigin",
    name=N_("Rastrigin"),
    description=(
        N_(
            "A simple bowl with a cosine ripple laid on top, so nearly every crossing of the integer grid hides a "
            "local minimum; the only global one is at the origin, with value 0. With the standard ripple height "
            "A = 10 each pit curves about 200 times more sharply than the bowl, so plain gradient descent settles "
            "in the nearest pit only for η below about 0.005 and rattles chaotically from pit to pit above it. "
            "Momentum, noise or adaptive steps change which pit a run ends in, and turning A down to 0 leaves "
            "the smooth bowl underneath."
        )
    ),
    latex=r"f(x, y) = 2A + \left(x^2 - A\cos 2\pi x\right) + \left(y^2 - A\cos 2\pi y\right)",
    domain=((-5.12, 5.12), (-5.12, 5.12)),
    starts=((-3.3, 2.6), (4.2, 4.6), (-1.4, -4.4)),
    loss_fn=rastrigin,
    params=(Param("A", "A", 10.0, 0.0, 20.0, help=N_("height of the ripples (0 leaves a plain bowl)")),),
    minima=lambda p: ((0.0, 0.0),),
    tags=("classic", "multimodal"),
    order=110,
)
