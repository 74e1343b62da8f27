"""Weight decay in the gradient (L2 mode) versus decoupled from it, for SGD and for Adam.

Convention (the engine's, as in PyTorch): ``weight_decay = lambda`` in L2 mode adds
``lambda * x`` to the gradient, the gradient of ``(lambda/2) ||x||²``; so SGD with L2
weight decay is SGD on ``f + (lambda/2) ||x||²``. Decoupled mode subtracts
``lr_t * lambda * x`` after the optimizer's own step. For SGD both give
``x - lr (g + lambda x)``, equal up to floating-point rounding; for Adam the L2 term
passes through the adaptive denominator and AdamW's does not, so the paths part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

import landscapes
from core.i18n import N_
from engine.config import OptimizerRun
from engine.lessons.regularization import LANDSCAPE_KEY, ridge, training_problem
from engine.scenario import Scenario
from engine.simulate import Trajectory

START = (0.0, 0.0)
LABELS: tuple[str, ...] = (N_("SGD + L2"), N_("SGD + decoupled"), N_("Adam + L2"), N_("AdamW"))
"""The runs' labels, in English (the Playground link keeps them); charts translate them where shown."""
FLOAT32_EPS = float(np.finfo(np.float32).eps)
SGD_TOLERANCE_ULPS = 16
"""The SGD pair counts as equal when its distance never exceeds this many float32 rounding
steps of the largest coordinate (the two modes round ``lr*(g + lambda x)`` differently)."""


def scenario(
    weight_decay: float, sgd_lr: float, adam_lr: float, steps: int, values: Mapping[str, float] | None = None
) -> Scenario:
    """The four runs on ``train_val`` from the origin, full batch: one weight decay for all of them."""
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve(values)
    wd = float(weight_decay)
    runs = (
        OptimizerRun.build("sgd", {"lr": sgd_lr, "weight_decay": wd, "wd_mode": "l2"}, label=LABELS[0]),
        OptimizerRun.build("sgd", {"lr": sgd_lr, "weight_decay": wd, "wd_mode": "decoupled"}, label=LABELS[1]),
        OptimizerRun.build("adam", {"lr": adam_lr, "weight_decay": wd, "wd_mode": "l2"}, label=LABELS[2]),
        OptimizerRun.build("adamw", {"lr": adam_lr, "weight_decay": wd, "wd_mode": "decoupled"}, label=LABELS[3]),
    )
    return replace(
        Scenario.default(LANDSCAPE_KEY),
        landscape_params=resolved,
        runs=runs,
        start=START,
        steps=int(steps),
        batch_size=land.data(resolved).size,
    )


def distance(a: Trajectory, b: Trajectory) -> np.ndarray:
    """Euclidean distance between two paths at every step (float64; paths are float32)."""
    diff = a.path.astype(np.float64) - b.path.astype(np.float64)
    return np.hypot(diff[:, 0], diff[:, 1])


def pair_distances(runs: Sequence[Trajectory]) -> dict[str, np.ndarray]:
    """Distance over the steps between the SGD pair and between the Adam pair (runs in :data:`LABELS` order)."""
    return {
        N_("SGD + L2 vs SGD + decoupled"): distance(runs[0], runs[1]),
        N_("Adam + L2 vs AdamW"): distance(runs[2], runs[3]),
    }


def sgd_tolerance(runs: Sequence[Trajectory]) -> float:
    """What "equal to machine precision" allows for the SGD pair: a few float32 ulps of the coordinates."""
    scale = max(1.0, float(np.max(np.abs(runs[0].path))), float(np.max(np.abs(runs[1].path))))
    return SGD_TOLERANCE_ULPS * FLOAT32_EPS * scale


def decayed_minimum(weight_decay: float, values: Mapping[str, float] | None = None) -> np.ndarray:
    """The minimizer of ``f + (lambda/2) ||x||²``: where SGD with L2 weight decay ``lambda`` converges."""
    return ridge(training_problem(values), float(weight_decay) / 2.0)
