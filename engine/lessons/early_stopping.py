"""Early stopping on the ``train_val`` surface: validation loss along a path, a patience rule, and ridge.

Gradient descent from the origin first falls into the training loss's trough, which
helps on held-out data too, then creeps along the trough towards the training
minimum while the validation loss climbs. Early stopping watches the validation
loss and stops once it has not improved for ``patience`` steps, keeping the best
weights seen. Started from zero, the stopped point lies close to the ridge (L2)
path ``(A + 2 alpha I)⁻¹ b``: stopping early acts like an L2 penalty.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

import jax
import numpy as np

import landscapes
from engine.compile_cache import enable_compilation_cache, jit_for
from engine.config import OptimizerRun
from engine.lessons.regularization import LANDSCAPE_KEY, ridge, training_problem
from engine.scenario import Scenario
from engine.simulate import Trajectory
from landscapes.base import Landscape

enable_compilation_cache()

START = (0.0, 0.0)
RIDGE_ALPHAS: np.ndarray = np.logspace(-5.0, 3.0, 801)
"""Penalty weights of the drawn ridge path (100 per decade): ``f + alpha ||w||²``."""


@functools.lru_cache(maxsize=8)
def _losses_fn(landscape: Landscape):
    return jit_for(landscape, jax.vmap(lambda x, p, data: landscape.loss(x, p, data), in_axes=(0, None, None)))


def losses_along(path: np.ndarray, values: Mapping[str, float], *, validation: bool) -> np.ndarray:
    """The training or validation loss at every point of ``path`` (shape (n, 2)): one vmapped call."""
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve(values)
    data = land.validation(resolved) if validation else land.data(resolved)
    arrays = (np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32))
    points = np.asarray(path, np.float32).reshape(-1, 2)
    return np.asarray(_losses_fn(land)(points, land.traced(resolved), arrays), np.float64)


def patience_stop(validation: np.ndarray, patience: int) -> tuple[int, int, bool]:
    """Apply the patience rule to a validation curve: ``(stop_step, best_step, triggered)``.

    Training stops at the first step whose last improvement (a strictly lower
    validation loss than every earlier step) is ``patience`` steps back; the weights
    kept are those of the best step so far. If that never happens, training runs to
    the last step and the best step over the whole run is kept.
    """
    if patience < 1:
        raise ValueError(f"patience must be at least 1, got {patience}")
    v = np.asarray(validation, np.float64)
    steps = np.arange(len(v))
    earlier_best = np.concatenate([[np.inf], np.minimum.accumulate(v)[:-1]])
    improved = v < earlier_best
    last_improvement = np.maximum.accumulate(np.where(improved, steps, 0))
    waited = steps - last_improvement
    hits = np.flatnonzero(waited >= patience)
    if len(hits):
        stop = int(hits[0])
        return stop, int(last_improvement[stop]), True
    return len(v) - 1, int(last_improvement[-1]), False


@dataclass(frozen=True)
class EarlyStopping:
    """One run and what early stopping makes of it.

    ``best_step`` is the lowest validation loss over the whole run; ``stop_step`` where
    patience ran out (the last step if it never did); ``kept_step`` the weights
    returned: the stop step's own, or with ``restore`` the best seen by then (as
    Keras's ``restore_best_weights``). ``ridge_alpha``/``ridge_point`` are the point of
    the ridge path nearest the kept weights, ``ridge_distance`` how far apart they
    are, and ``minimum_distance`` how far the kept weights are from the training
    minimum (for scale).
    """

    run: Trajectory
    train: np.ndarray
    validation: np.ndarray
    best_step: int
    stop_step: int
    kept_step: int
    triggered: bool
    ridge_alphas: np.ndarray
    ridge_path: np.ndarray
    ridge_alpha: float
    ridge_point: np.ndarray
    ridge_distance: float
    minimum_distance: float

    @property
    def kept_point(self) -> np.ndarray:
        """The weights early stopping returns."""
        return self.run.path[self.kept_step].astype(np.float64)


def scenario(
    lr: float, steps: int, batch_size: int, seed: int = 0, values: Mapping[str, float] | None = None
) -> Scenario:
    """The run shown: (minibatch) SGD on ``train_val`` from the origin."""
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve(values)
    run = OptimizerRun.build("sgd", {"lr": lr}, label="SGD")
    return replace(
        Scenario.default(LANDSCAPE_KEY),
        landscape_params=resolved,
        runs=(run,),
        start=START,
        steps=int(steps),
        seed=int(seed),
        batch_size=int(batch_size),
    )


def nearest_on_path(point: np.ndarray, alphas: np.ndarray, path: np.ndarray) -> tuple[float, np.ndarray, float]:
    """The point of a sampled path nearest ``point``: ``(alpha, that point, distance)``."""
    gaps = np.hypot(*(path - np.asarray(point, np.float64)).T)
    i = int(np.argmin(gaps))
    return float(alphas[i]), path[i], float(gaps[i])


def early_stopping(scn: Scenario, patience: int, restore: bool = False) -> EarlyStopping:
    """Run ``scn`` (one optimizer), evaluate the validation loss along the path and apply the patience rule."""
    (run,) = scn.run()
    end = run.steps + 1 if run.diverged_at is None else max(run.diverged_at, 1)
    validation = losses_along(run.path[:end], scn.landscape_params, validation=True)
    stop, best_so_far, triggered = patience_stop(validation, int(patience))
    kept = best_so_far if restore else stop
    alphas = RIDGE_ALPHAS
    problem = training_problem(scn.landscape_params)
    path = ridge(problem, alphas)
    kept_point = run.path[kept].astype(np.float64)
    alpha, point, gap = nearest_on_path(kept_point, alphas, path)
    return EarlyStopping(
        run=run,
        train=run.loss[:end].astype(np.float64),
        validation=validation,
        best_step=int(np.argmin(validation)),
        stop_step=stop,
        kept_step=kept,
        triggered=triggered,
        ridge_alphas=alphas,
        ridge_path=path,
        ridge_alpha=alpha,
        ridge_point=point,
        ridge_distance=gap,
        minimum_distance=float(np.hypot(*(kept_point - problem.minimum()))),
    )
