"""Minibatch noise on the regression data set: gradient fans, clouds of runs, end-point spread.

A minibatch gradient is the gradient of the weighted mean of the per-example losses,
with the 0/1 weights of :func:`engine.minibatch.batch_weights` -- exactly the
minibatch the engine uses at step ``t`` of the run with seed ``s``. Averaged over all
the minibatches of one epoch (every example is used once, and B divides N = 256 for
the batch sizes offered here) it equals the full-batch gradient. Runs from one start
differ only by their seeds; their end points scatter by an amount that shrinks as the
batch grows and vanishes at B = N, where every seed sees the same full batch.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from engine.config import OptimizerRun
from engine.minibatch import batch_weights
from engine.scenario import Scenario
from engine.simulate import Batch, Trajectory, resolve_landscape, simulate, simulate_many
from landscapes.base import Landscape

LANDSCAPE = "minibatch"
FAN_SIZE = 64
"""Number of minibatch gradients drawn in the fan (one per seed, each the first batch that run uses)."""
MIN_SEEDS = 256


def data_size(landscape: str | Landscape = LANDSCAPE, values: Mapping[str, float] | None = None) -> int:
    """N, the number of examples of a data-set landscape."""
    land = resolve_landscape(landscape)
    data = land.data(land.resolve(values))
    if data is None:
        raise ValueError(f"{land.key} is not a data-set landscape")
    return data.size


def batch_sizes(n: int) -> tuple[int, ...]:
    """The batch sizes the page offers: 1, 2, 4, ..., N (N is a power of two)."""
    return tuple(2**k for k in range(int(math.log2(n)) + 1))


def _arrays(land: Landscape, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    data = land.data(values)
    if data is None:
        raise ValueError(f"{land.key} is not a data-set landscape")
    return np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32)


@functools.lru_cache(maxsize=16)
def _gradients_fn(land: Landscape, n: int):
    """Jitted: minibatch gradients at one point for K (seed, step) pairs, vmapped over the pairs."""

    def one(x, p, inputs, targets, seed, step, size):
        weights = batch_weights(jax.random.key(seed), step, size, n)
        weights = weights / jnp.sum(weights)
        return jax.grad(lambda z: jnp.sum(weights * land.per_example(z, p, inputs, targets)))(x)

    return jax.jit(jax.vmap(one, in_axes=(None, None, None, None, 0, 0, 0)))


def minibatch_gradients(
    point: Sequence[float],
    batch_size: int | Sequence[int],
    seeds: Sequence[int],
    steps: Sequence[int],
    values: Mapping[str, float] | None = None,
    landscape: str | Landscape = LANDSCAPE,
) -> np.ndarray:
    """Gradients (K, 2) at ``point`` of the minibatches of step ``steps[k]`` of the run with seed ``seeds[k]``.

    Same weights as the engine (``batch_weights(jax.random.key(seed), step, B, N)``), so
    ``seeds=[s], steps=[0]`` is the first gradient the run with seed ``s`` computes.
    ``batch_size`` is one size for all K, or K sizes.
    """
    land = resolve_landscape(landscape)
    resolved = land.resolve(values)
    inputs, targets = _arrays(land, resolved)
    n = int(targets.shape[0])
    seeds_arr = np.asarray(seeds, np.int32)
    steps_arr = np.asarray(steps, np.int32)
    if seeds_arr.shape != steps_arr.shape or seeds_arr.ndim != 1:
        raise ValueError("seeds and steps must be 1-D arrays of the same length")
    sizes = np.broadcast_to(np.asarray(batch_size, np.float32), seeds_arr.shape)
    if np.any(sizes != np.round(sizes)) or np.any((sizes < 1) | (sizes > n)):
        raise ValueError(f"batch_size must be whole numbers in [1, {n}], got {batch_size!r}")
    fn = _gradients_fn(land, n)
    x = jnp.asarray(point, jnp.float32)
    out = fn(x, land.traced(resolved), inputs, targets, seeds_arr, steps_arr, np.ascontiguousarray(sizes))
    return np.asarray(out, np.float64)


def full_gradient(
    point: Sequence[float], values: Mapping[str, float] | None = None, landscape: str | Landscape = LANDSCAPE
) -> np.ndarray:
    """The full-batch gradient (2,) at ``point``: the minibatch gradient with B = N (every weight 1/N).

    Computed by the same function as the minibatch gradients, so at B = N the two agree bit for bit.
    """
    n = data_size(landscape, values)
    return minibatch_gradients(point, n, [0], [0], values, landscape)[0]


@functools.lru_cache(maxsize=16)
def _per_example_fn(land: Landscape):
    return jax.jit(jax.jacobian(land.per_example))


def predicted_spread(
    point: Sequence[float],
    batch_size: int,
    values: Mapping[str, float] | None = None,
    landscape: str | Landscape = LANDSCAPE,
) -> float:
    """RMS deviation of a minibatch gradient from the full one, from the per-example gradients.

    A batch of B examples drawn without replacement from N has mean-gradient covariance
    (N - B) / (B (N - 1)) Σ, with Σ the covariance of the N per-example gradients; the
    expected squared deviation is that factor times tr Σ.
    """
    land = resolve_landscape(landscape)
    resolved = land.resolve(values)
    inputs, targets = _arrays(land, resolved)
    n = int(targets.shape[0])
    per = np.asarray(
        _per_example_fn(land)(jnp.asarray(point, jnp.float32), land.traced(resolved), inputs, targets), np.float64
    )
    trace = float(np.sum(np.var(per, axis=0)))
    return math.sqrt(max(n - batch_size, 0) / (batch_size * (n - 1)) * trace) if n > 1 else 0.0


def epoch_steps(batch_size: int, n: int) -> np.ndarray:
    """The steps 0 .. ceil(N / B) - 1 that make up the first epoch of a run."""
    return np.arange(math.ceil(n / batch_size), dtype=np.int32)


@dataclass(frozen=True)
class Fan:
    """The full-batch gradient and ``FAN_SIZE`` minibatch gradients at one point."""

    point: np.ndarray
    full: np.ndarray
    minibatch: np.ndarray

    @property
    def spread(self) -> float:
        """RMS distance of the minibatch gradients from the full-batch one."""
        return float(np.sqrt(np.mean(np.sum((self.minibatch - self.full) ** 2, axis=1))))


def fan(
    point: Sequence[float], batch_size: int, values: Mapping[str, float] | None = None, count: int = FAN_SIZE
) -> Fan:
    """The first minibatch gradient of each of the runs with seeds 0 .. count-1, started at ``point``.

    The full-batch gradient is the extra (B = N) row of the same vmapped call, so that at
    B = N the fan and the full gradient are the same numbers, not merely equal to rounding.
    """
    n = data_size(LANDSCAPE, values)
    seeds = np.concatenate([np.arange(count), [0]]).astype(np.int32)
    sizes = np.concatenate([np.full(count, batch_size), [n]])
    grads = minibatch_gradients(point, sizes, seeds, np.zeros(count + 1, np.int32), values)
    return Fan(point=np.asarray(point, np.float64), full=grads[-1], minibatch=grads[:-1])


def rms_spread(points: np.ndarray) -> float:
    """Root-mean-square distance of ``points`` (M, 2) from their mean; NaN for no points."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if not len(pts):
        return float("nan")
    return float(np.sqrt(np.mean(np.sum((pts - pts.mean(axis=0)) ** 2, axis=1))))


@dataclass(frozen=True)
class SpreadCurve:
    """End-point spread across seeds for every batch size (one vmapped engine call).

    ``finals`` is (K, S, 2) for K batch sizes and S seeds; ``spread[k]`` is the RMS
    distance of the non-diverged end points of batch size ``sizes[k]`` from their mean;
    ``diverged[k]`` counts the runs that diverged.
    """

    sizes: tuple[int, ...]
    seeds: int
    finals: np.ndarray
    spread: np.ndarray
    diverged: np.ndarray


def _sgd(lr: float) -> OptimizerRun:
    return OptimizerRun.build("sgd", {"lr": lr}, label="SGD")


def spread_curve(
    values: Mapping[str, float],
    lr: float,
    start: Sequence[float],
    steps: int,
    seeds: int = MIN_SEEDS,
    sizes: Sequence[int] | None = None,
) -> SpreadCurve:
    """Run ``seeds`` seeds for each batch size (all K x S runs in one ``simulate_many`` call)."""
    land = resolve_landscape(LANDSCAPE)
    sizes = tuple(sizes or batch_sizes(data_size(land, values)))
    seed_ids = np.arange(seeds, dtype=np.int64)
    batch = simulate_many(
        land,
        _sgd(lr),
        starts=np.asarray(start, np.float32),
        seeds=np.tile(seed_ids, len(sizes)),
        batch_size=np.repeat(np.asarray(sizes, np.float32), seeds),
        steps=steps,
        landscape_params=values,
    )
    finals = batch.final.reshape(len(sizes), seeds, 2)
    bad = (batch.diverged_at >= 0).reshape(len(sizes), seeds)
    spread = np.array([rms_spread(finals[k][~bad[k]]) for k in range(len(sizes))])
    return SpreadCurve(sizes=sizes, seeds=seeds, finals=finals, spread=spread, diverged=bad.sum(axis=1))


def _num(value: float) -> str:
    return "not defined (every run diverged)" if not math.isfinite(value) else f"{value:.3g}"


def spread_sentence(curve: SpreadCurve, batch_size: int) -> str:
    """The page's sentence on the end-point spread at ``batch_size``, from the curve's numbers (Markdown)."""
    k = curve.sizes.index(batch_size)
    n = curve.sizes[-1]
    diverged = int(curve.diverged[k])
    if diverged == curve.seeds:
        return (
            f"With B = {batch_size} all {curve.seeds} runs diverged: the step is too large for this surface. "
            "Lower η to see where the runs end."
        )
    left_out = f" ({diverged} diverged runs left out)" if diverged else ""
    if batch_size == n:
        return (
            f"With B = {n} every seed sees the same full batch and follows the same path: the {curve.seeds} end "
            f"points coincide (spread **{_num(curve.spread[k])}**){left_out}. At B = 1 they spread by "
            f"{_num(curve.spread[0])}."
        )
    return (
        f"With B = {batch_size}, the {curve.seeds} end points lie **{_num(curve.spread[k])}** (RMS) from their "
        f"mean{left_out}; at B = 1 the spread is {_num(curve.spread[0])}, at B = {n} it is "
        f"{_num(curve.spread[-1])}: there all seeds end on the same point."
    )


def cloud(
    values: Mapping[str, float], lr: float, start: Sequence[float], steps: int, batch_size: int, seeds: int = MIN_SEEDS
) -> Batch:
    """Every path of ``seeds`` runs of minibatch SGD with batch size ``batch_size`` (one call, paths kept)."""
    return simulate_many(
        LANDSCAPE,
        _sgd(lr),
        starts=np.asarray(start, np.float32),
        seeds=np.arange(seeds, dtype=np.int64),
        batch_size=int(batch_size),
        steps=steps,
        landscape_params=values,
        keep_paths=True,
    )


def gd_reference(values: Mapping[str, float], lr: float, start: Sequence[float], steps: int) -> Trajectory:
    """Full-batch gradient descent (B = N) from the same start: the path every seed follows at B = N."""
    (run,) = simulate(
        LANDSCAPE,
        OptimizerRun.build("sgd", {"lr": lr}, label="GD (B = N)"),
        start=tuple(start),
        steps=steps,
        batch_size=data_size(LANDSCAPE, values),
        landscape_params=values,
    )
    return run


def clicked_point(event: Any, domain: tuple[tuple[float, float], tuple[float, float]]) -> tuple[float, float] | None:
    """The (x, y) of the last point in a Plotly selection event, if it lies inside ``domain``."""
    try:
        points = event["selection"]["points"]
        point = points[-1]
        x, y = float(point["x"]), float(point["y"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    (x0, x1), (y0, y1) = domain
    if not (math.isfinite(x) and math.isfinite(y) and x0 <= x <= x1 and y0 <= y <= y1):
        return None
    return x, y


def playground_scenario(
    values: Mapping[str, float], lr: float, start: Sequence[float], steps: int, batch_size: int
) -> Scenario:
    """The Playground scenario of one of the runs shown: SGD with this batch size, seed 0."""
    return Scenario(
        landscape=LANDSCAPE,
        landscape_params=dict(values),
        runs=(OptimizerRun.build("sgd", {"lr": lr}),),
        start=(float(start[0]), float(start[1])),
        steps=int(steps),
        seed=0,
        batch_size=int(batch_size),
    )
