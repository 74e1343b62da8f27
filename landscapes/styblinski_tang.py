"""The Styblinski-Tang function: one global and three local minima in the corners of a box."""

from __future__ import annotations

import itertools

import numpy as np

from core.i18n import N_
from landscapes.base import Landscape


def styblinski_tang(x, p):
    """½ Σ (xᵢ⁴ - 16xᵢ² + 5xᵢ)."""
    return 0.5 * ((x[0] ** 4 - 16.0 * x[0] ** 2 + 5.0 * x[0]) + (x[1] ** 4 - 16.0 * x[1] ** 2 + 5.0 * x[1]))


def _roots() -> tuple[float, float, float]:
    """Stationary points of the 1D term: the real roots of 2t³ - 16t + 2.5 = 0 (ascending)."""
    roots = np.sort(np.roots([2.0, 0.0, -16.0, 2.5]).real)
    return tuple(float(r) for r in roots)  # type: ignore[return-value]


LOW, PEAK, HIGH = _roots()
"""1D minima at LOW ≈ -2.903534 (global) and HIGH ≈ 2.746803, with a local maximum at PEAK ≈ 0.156731."""
MINIMA = tuple(itertools.product((LOW, HIGH), repeat=2))
"""(LOW, LOW) first: f = -78.33234; then the three local minima."""
SADDLES = ((LOW, PEAK), (PEAK, LOW), (HIGH, PEAK), (PEAK, HIGH))


LANDSCAPE = Landscape(
    key="styblinski_tang",
    name=N_("Styblinski-Tang"),
    description=(
        N_(
            "The sum of the same double-well curve in x and in y, which puts four minima near the corners of the "
            "box: the deepest at about (-2.90, -2.90) with value -78.33, and three shallower ones where one or both "
            "coordinates sit in the slightly higher well near 2.75. Because x and y never interact, each coordinate "
            "picks its well on its own, decided by which side of the central ridge it starts on. That makes it a "
            "clear, separable example of local minima whose quality differs only a little."
        )
    ),
    latex=r"f(x, y) = \tfrac12\left(x^4 - 16x^2 + 5x\right) + \tfrac12\left(y^4 - 16y^2 + 5y\right)",
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    starts=((0.5, 4.5), (-4.5, 0.3), (4.5, -4.5)),
    loss_fn=styblinski_tang,
    minima=lambda p: MINIMA,
    saddles=lambda p: SADDLES,
    tags=("classic", "multimodal", "separable"),
    order=150,
)
