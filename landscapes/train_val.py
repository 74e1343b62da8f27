"""A tiny training set with correlated features: training and validation minima disagree."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from core.i18n import N_
from core.param import Param
from landscapes.base import DataSet, Landscape

N_TRAIN, N_VALIDATION = 16, 256
TRAIN_SEED = 45
"""Chosen (among the first few hundred seeds) for a clear overfitting picture at the defaults:
the training minimum lands far out along the poorly determined direction."""
VALIDATION_SEED = 999
TRUE_WEIGHTS = (1.0, 1.0)


def example_loss(x, row, target, p):
    """½ (w₁ t₁ + w₂ t₂ - y)² for one example; x = (w₁, w₂)."""
    return 0.5 * (x[0] * row[0] + x[1] * row[1] - target) ** 2


@functools.lru_cache(maxsize=64)
def _draw(seed: int, n: int, correlation: float, noise: float) -> DataSet:
    """t₁ ~ N(0, 1), t₂ = ρ t₁ + √(1-ρ²) z, y = t₁ + t₂ + noise·ε (same draws for every ρ and noise)."""
    rng = np.random.default_rng(seed)
    t1, z, eps = rng.standard_normal((3, n))
    t2 = correlation * t1 + np.sqrt(1.0 - correlation**2) * z
    inputs = np.column_stack([t1, t2]).astype(np.float32)
    targets = (inputs.astype(np.float64) @ np.array(TRUE_WEIGHTS) + noise * eps).astype(np.float32)
    inputs.setflags(write=False)
    targets.setflags(write=False)
    return DataSet(inputs=inputs, targets=targets)


def _key(values: Mapping[str, float]) -> tuple[float, float]:
    return float(values["correlation"]), float(values["noise"])


def make_data(values: Mapping[str, float]) -> DataSet:
    """The 16 training examples."""
    return _draw(TRAIN_SEED, N_TRAIN, *_key(values))


def make_validation(values: Mapping[str, float]) -> DataSet:
    """256 held-out examples from the same distribution (another seed)."""
    return _draw(VALIDATION_SEED, N_VALIDATION, *_key(values))


def _least_squares(data: DataSet) -> tuple[float, float]:
    w, *_ = np.linalg.lstsq(data.inputs.astype(np.float64), data.targets.astype(np.float64), rcond=None)
    return float(w[0]), float(w[1])


def minima(values: Mapping[str, float]) -> tuple[tuple[float, float], ...]:
    """The training loss's minimum: the exact least-squares fit to the 16 training examples."""
    return (_least_squares(make_data(values)),)


def validation_minimum(values: Mapping[str, float]) -> tuple[float, float]:
    """Minimum of the validation loss (least squares on the 256 validation examples)."""
    return _least_squares(make_validation(values))


LANDSCAPE = Landscape(
    key="train_val",
    name=N_("Training vs validation"),
    description=(
        N_(
            "A two-weight linear model is fitted to only 16 noisy examples whose two inputs nearly copy each "
            "other, so the data pin down the sum of the weights well but their difference hardly at all. The "
            "training loss is a long, flat-bottomed trough, and the noise puts its lowest point far along that "
            "trough from where the validation loss is lowest. Gradient descent from zero first drops into the "
            "trough, improving both losses, then creeps along it towards the training minimum while the "
            "validation loss climbs again: overfitting, and the reason early stopping works."
        )
    ),
    latex=(
        r"f(w) = \frac{1}{16}\sum_{i=1}^{16} \tfrac12\,(w_1 t_{i1} + w_2 t_{i2} - y_i)^2,"
        r"\quad t_2 = \rho\,t_1 + \sqrt{1-\rho^2}\,z"
    ),
    domain=((-1.5, 5.5), (-3.0, 3.0)),
    starts=((0.0, 0.0), (-1.0, 2.5), (5.0, 2.5)),
    example_loss=example_loss,
    make_data=make_data,
    make_validation=make_validation,
    params=(
        Param("correlation", r"\rho", 0.95, 0.0, 0.98, help=N_("correlation between the two inputs")),
        Param("noise", r"\sigma", 0.5, 0.0, 1.0, help=N_("standard deviation of the noise in the targets")),
    ),
    minima=minima,
    tags=("dataset", "overfitting", "early-stopping"),
    order=80,
)
