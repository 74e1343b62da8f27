"""Sharpness while training: the top Hessian eigenvalue against the step, for full-batch GD and minibatch SGD.

Cohen, Kaur, Li, Kolter & Talwalkar (2021), "Gradient Descent on Neural Networks Typically
Occurs at the Edge of Stability": on a quadratic, gradient descent with step ``eta`` is stable
only while every curvature stays below ``2 / eta``. On a network the curvature is not fixed:
full-batch GD first *sharpens* (the top eigenvalue rises while the loss falls), until it
reaches about ``2 / eta``; from there it *hovers* at that line while the loss keeps falling,
non-monotonically. A run whose ``2 / eta`` lies above the sharpness it would reach on its own
never meets the line. Minibatch SGD at the same ``eta`` usually settles below the line.

The runs come from :func:`engine.network.train.train_many` with weight snapshots, every
learning rate of one batch size in one vmapped call; the eigenvalues of every snapshot of
every run come from one vmapped Lanczos call (:mod:`engine.network.hessian`) on the whole
training set.

Defaults, and why: a 64-32-32-10 tanh network started at half the Glorot scale starts flat
(top eigenvalue about 0.65) and sharpens within a few dozen steps; at ``eta = 1`` it overshoots
``2 / eta = 2``, then hovers at about 2 for some 150 steps before the cross-entropy, whose
curvature shrinks as the fit becomes confident, lets it drift down; at ``eta = 0.25`` the
line (8) is never reached and the sharpness peaks near 5. 300 full-batch steps take about half
a second on two cores once compiled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.config import OptimizerRun
from engine.network import hessian
from engine.network.train import TrainResult, steps_per_epoch, train_many
from network import init
from network.data import digits
from network.mlp import MLP

MODEL = MLP((64, 32, 32, 10))
"""The network of the sharpness and batch-size pages: deep enough to sharpen visibly."""
INIT_SCALE = 0.5
"""Share of the Glorot scale the weights start at: a flat start, so the sharpening shows."""
INIT_SEED = 0
LR_OPTIONS = (0.1, 0.25, 0.5, 1.0, 1.5)
DEFAULT_LRS = (0.25, 1.0)
STEP_OPTIONS = (100, 200, 300, 500)
DEFAULT_STEPS = 300
BATCH_OPTIONS = (32, 64, 128, 256)
DEFAULT_BATCH = 64
EVALS = 30
"""Snapshots per run (the eigenvalue is computed at each, plus the start)."""


def initial_weights(model: MLP, seed: int, scale: float = INIT_SCALE) -> np.ndarray:
    """The pages' start: the Glorot draw of :mod:`network.init` from ``seed``, times ``scale`` (zero biases)."""
    return init.initial_weights(model, "scaled", seed=seed, scale=scale)


@dataclass(frozen=True)
class SharpnessRun:
    """One training run and the top Hessian eigenvalue at each of its evaluation points."""

    lr: float
    batch_size: int
    """Images per step; the training set's size for full-batch GD."""
    result: TrainResult
    sharpness: np.ndarray
    """Top eigenvalue of the full training loss at each evaluation point (``result.steps``); cut at divergence."""

    @property
    def limit(self) -> float:
        """``2 / eta``: the stability limit of gradient descent on a quadratic."""
        return 2.0 / self.lr

    @property
    def full_batch(self) -> bool:
        """Whether every step used the whole training set."""
        return self.batch_size >= digits().n_train

    def hover_share(self, band: float = 0.2) -> float:
        """Share of the second half of the run's evaluation points whose sharpness is within ``band`` of 2/eta."""
        n = self.result.valid
        tail = self.sharpness[n // 2 : n]
        if tail.size == 0:
            return 0.0
        return float(np.mean(np.abs(tail - self.limit) <= band * self.limit))


def sharpness_runs(
    lrs: Sequence[float],
    steps: int,
    batch_size: int | None = None,
    *,
    model: MLP = MODEL,
    init_seed: int = INIT_SEED,
    shuffle_seed: int = 0,
    evals: int = EVALS,
) -> list[SharpnessRun]:
    """Plain SGD at each of ``lrs`` (full batch when ``batch_size`` is None), its sharpness at ``evals + 1`` points.

    Minibatch runs train for the whole number of epochs closest to ``steps`` steps (at least one).
    """
    data = digits()
    n = data.n_train
    bs = n if batch_size is None else int(min(max(batch_size, 1), n))
    per_epoch = steps_per_epoch(bs, n)
    epochs = max(1, round(steps / per_epoch))
    runs = [OptimizerRun.build("sgd", {"lr": float(lr)}, label=f"η = {lr:g}") for lr in lrs]
    results = train_many(
        model,
        runs,
        initial_weights(model, init_seed),
        [shuffle_seed] * len(runs),
        batch_size=bs,
        epochs=epochs,
        evals=evals,
        snapshots=True,
    )
    weights = np.concatenate([r.weights for r in results])
    eig = hessian.top_eigenvalues(model, weights, data.x_train, data.y_train).reshape(len(results), -1)
    out = []
    for lr, r, e in zip(lrs, results, eig, strict=True):
        e = np.where(np.isfinite(e), e, 0.0)
        out.append(SharpnessRun(lr=float(lr), batch_size=bs, result=r, sharpness=e[: r.valid]))
    return out
