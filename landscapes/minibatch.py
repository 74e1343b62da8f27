"""Linear regression on a finite data set: minibatch gradients are real samples."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from core.i18n import N_
from core.param import Param
from landscapes.base import DataSet, Landscape

N_EXAMPLES = 256
SEED = 20240
TRUE_SLOPE, TRUE_INTERCEPT = 1.5, -0.5
"""The line the data are drawn around; the fitted minimum sits near (w, b) = (1.5, -0.5)."""


def example_loss(x, row, target, p):
    """½ (w·t + b - y)² for one example (t = row[0]); x = (w, b)."""
    return 0.5 * (x[0] * row[0] + x[1] - target) ** 2


@functools.lru_cache(maxsize=32)
def _data(noise: float) -> DataSet:
    rng = np.random.default_rng(SEED)
    t = rng.uniform(0.0, 2.0, N_EXAMPLES)
    eps = rng.standard_normal(N_EXAMPLES)
    y = TRUE_SLOPE * t + TRUE_INTERCEPT + noise * eps
    inputs, targets = t.astype(np.float32)[:, None], y.astype(np.float32)
    inputs.setflags(write=False)  # cached and shared: nobody may change it in place
    targets.setflags(write=False)
    return DataSet(inputs=inputs, targets=targets)


def make_data(values: Mapping[str, float]) -> DataSet:
    """256 points t ~ U(0, 2), y = 1.5 t - 0.5 + noise·ε (fixed seed: the same ε for every noise level).

    The inputs are not centred (mean t = 1), which couples w and b and stretches the bowl
    (condition number about 14).
    """
    return _data(float(values["noise"]))


@functools.lru_cache(maxsize=32)
def _least_squares(noise: float) -> tuple[float, float]:
    data = _data(noise)
    design = np.column_stack([data.inputs[:, 0].astype(np.float64), np.ones(N_EXAMPLES)])
    (w, b), *_ = np.linalg.lstsq(design, data.targets.astype(np.float64), rcond=None)
    return float(w), float(b)


def minima(values: Mapping[str, float]) -> tuple[tuple[float, float], ...]:
    """The exact least-squares fit (w, b) of the (float32) data set."""
    return (_least_squares(float(values["noise"])),)


LANDSCAPE = Landscape(
    key="minibatch",
    name=N_("Minibatch regression"),
    description=(
        N_(
            "Fitting a straight line y ≈ w·t + b to 256 noisy points: each point of the map is one choice of slope "
            "and intercept, and the height is the mean squared error. Because the loss is an average over a real "
            "data set, a minibatch gradient is an honest estimate from a random sample, so shrinking the batch "
            "makes the path jitter and makes the loss jump from step to step, while the full batch gives plain "
            "gradient descent. The inputs are not centred, so slope and intercept trade off against each other "
            "and the bowl is stretched along a diagonal."
        )
    ),
    latex=r"f(w, b) = \frac{1}{N}\sum_{i=1}^{N} \tfrac12\,(w\,t_i + b - y_i)^2,\quad N = 256",
    domain=((-2.0, 4.0), (-3.5, 2.5)),
    starts=((-1.5, 2.0), (3.5, -3.0), (3.5, 2.0)),
    example_loss=example_loss,
    make_data=make_data,
    params=(Param("noise", r"\sigma", 0.5, 0.0, 2.0, help=N_("standard deviation of the noise in the targets")),),
    minima=minima,
    tags=("dataset", "minibatch"),
    order=60,
)
