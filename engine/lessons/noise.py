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

import jax
import jax.numpy as jnp
import numpy as np

from core.i18n import translator
from engine.compile_cache import jit_for
from engine.config import OptimizerRun
from engine.minibatch import batch_weights
from engine.scenario import Scenario
from engine.simulate import resolve_landscape, simulate_many
from landscapes.base import Landscape

_ = translator("lessons_hard")

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

    return jit_for(land, jax.vmap(one, in_axes=(None, None, None, None, 0, 0, 0)))


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
    return jit_for(land, jax.jacobian(land.per_example))


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


def fan_sentence(fan: Fan, predicted: float) -> str:
    """How the fan's minibatch gradients sit around the full one: their RMS scatter and their average (Markdown).

    The draws come from different seeds, so they are independent: their average should be
    off the full gradient by about ``predicted / sqrt(count)``; more than three times that
    is reported as more than chance explains.
    """
    count = len(fan.minibatch)
    if fan.spread == 0.0:
        return _(
            "All {count} minibatch gradients equal the full-batch one: at this batch size every minibatch is the "
            "whole data set."
        ).format(count=count)
    error = float(np.linalg.norm(fan.minibatch.mean(axis=0) - fan.full))
    chance = predicted / math.sqrt(count)
    head = _(
        "The {count} minibatch gradients scatter around the full-batch one by {spread} (RMS), against "
        "{predicted} expected from the formula above. Their average (the diamond) is off the full gradient by "
        "{error}"
    ).format(count=count, spread=f"{fan.spread:.3g}", predicted=f"{predicted:.3g}", error=f"{error:.3g}")
    if error <= 3 * chance:
        return _(
            "{head}; by chance alone {count} independent draws leave about {chance}, and this is within three "
            "times that: consistent with a minibatch gradient being right on average."
        ).format(head=head, count=count, chance=f"{chance:.3g}")
    return _(
        "{head}; by chance alone {count} independent draws leave about {chance}, and this is more than three "
        "times that, which chance does not explain."
    ).format(head=head, count=count, chance=f"{chance:.3g}")


def rms_spread(points: np.ndarray) -> float:
    """Root-mean-square distance of ``points`` (M, 2) from their mean; NaN for no points."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if not len(pts):
        return float("nan")
    return float(np.sqrt(np.mean(np.sum((pts - pts.mean(axis=0)) ** 2, axis=1))))


PATH_POINTS = 60
"""Points kept per path of the cloud (denser near the start, where the paths move fast)."""


def path_steps(steps: int, points: int = PATH_POINTS) -> np.ndarray:
    """Which steps of a path to keep for drawing: geometric spacing from 0 to ``steps`` (both kept)."""
    if steps + 1 <= points:
        return np.arange(steps + 1)
    inner = np.geomspace(1, steps, points - 1).round().astype(int)
    return np.unique(np.concatenate([[0], inner, [steps]]))


@dataclass(frozen=True)
class SpreadCurve:
    """Every run of the page, one vmapped engine call: S seeds for each of K batch sizes.

    ``finals`` is (K, S, 2); ``paths`` (K, S, P, 2) the points at steps ``path_steps`` (P
    of them, for drawing); ``spread[k]`` is the RMS distance of the non-diverged end points
    of batch size ``sizes[k]`` from their mean; ``diverged[k]`` counts the runs that
    diverged, and ``diverged_at`` (K, S) says at which step (-1: never).
    """

    sizes: tuple[int, ...]
    seeds: int
    finals: np.ndarray
    spread: np.ndarray
    diverged: np.ndarray
    paths: np.ndarray | None = None
    path_steps: np.ndarray | None = None
    diverged_at: np.ndarray | None = None

    def cloud(self, batch_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(paths (S, P, 2), end points (S, 2), diverged (S,)) of every seed at ``batch_size``."""
        if self.paths is None or self.diverged_at is None:
            raise ValueError("this curve was computed without paths")
        k = self.sizes.index(batch_size)
        return self.paths[k], self.finals[k], self.diverged_at[k] >= 0

    def full_batch_path(self) -> np.ndarray:
        """The path (P, 2) of full-batch gradient descent: seed 0 at B = N, which every seed follows there."""
        if self.paths is None:
            raise ValueError("this curve was computed without paths")
        return self.paths[-1, 0]


def _sgd(lr: float) -> OptimizerRun:
    return OptimizerRun.build("sgd", {"lr": lr}, label="SGD")


def spread_curve(
    values: Mapping[str, float],
    lr: float,
    start: Sequence[float],
    steps: int,
    seeds: int = MIN_SEEDS,
    sizes: Sequence[int] | None = None,
    points: int = PATH_POINTS,
) -> SpreadCurve:
    """Run ``seeds`` seeds for each batch size (all K x S runs in one ``simulate_many`` call).

    The paths come from the same call (``points`` points each, see :func:`path_steps`), so
    the cloud of any batch size and the full-batch path (the last size, when it is N) need
    no second program to compile and no second run.
    """
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
        keep_paths=True,
    )
    assert batch.paths is not None
    kept = path_steps(steps, points)
    finals = batch.final.reshape(len(sizes), seeds, 2)
    at = batch.diverged_at.reshape(len(sizes), seeds)
    bad = at >= 0
    spread = np.array([rms_spread(finals[k][~bad[k]]) for k in range(len(sizes))])
    return SpreadCurve(
        sizes=sizes,
        seeds=seeds,
        finals=finals,
        spread=spread,
        diverged=bad.sum(axis=1),
        paths=np.ascontiguousarray(batch.paths[:, kept].reshape(len(sizes), seeds, len(kept), 2)),
        path_steps=kept,
        diverged_at=at,
    )


def _num(value: float) -> str:
    return _("not defined (every run diverged)") if not math.isfinite(value) else f"{value:.3g}"


def spread_sentence(curve: SpreadCurve, batch_size: int) -> str:
    """The page's sentence on the end-point spread at ``batch_size``, from the curve's numbers (Markdown)."""
    k = curve.sizes.index(batch_size)
    n = curve.sizes[-1]
    diverged = int(curve.diverged[k])
    if diverged == curve.seeds:
        return _(
            "With B = {batch} all {seeds} runs diverged: the step is too large for this surface. "
            "Lower η to see where the runs end."
        ).format(batch=batch_size, seeds=curve.seeds)
    left_out = _(" ({diverged} diverged runs left out)").format(diverged=diverged) if diverged else ""
    if batch_size == n:
        return _(
            "With B = {n} every seed sees the same full batch and follows the same path: the {seeds} end "
            "points coincide (spread **{spread}**){left_out}. At B = 1 they spread by {spread_1}."
        ).format(
            n=n, seeds=curve.seeds, spread=_num(curve.spread[k]), left_out=left_out, spread_1=_num(curve.spread[0])
        )
    return _(
        "With B = {batch}, the {seeds} end points lie **{spread}** (RMS) from their "
        "mean{left_out}; at B = 1 the spread is {spread_1}, at B = {n} it is "
        "{spread_n}: there all seeds end on the same point."
    ).format(
        batch=batch_size,
        seeds=curve.seeds,
        spread=_num(curve.spread[k]),
        left_out=left_out,
        spread_1=_num(curve.spread[0]),
        n=n,
        spread_n=_num(curve.spread[-1]),
    )


def clicked_point(
    x: float, y: float, domain: tuple[tuple[float, float], tuple[float, float]]
) -> tuple[float, float] | None:
    """A click on the map at (``x``, ``y``) as a point to start from, or None if it lies outside ``domain``.

    The point's inputs accept only the domain, so a click beyond its edge (the map may be
    panned past it) moves nothing.
    """
    (x0, x1), (y0, y1) = domain
    if not (math.isfinite(x) and math.isfinite(y) and x0 <= x <= x1 and y0 <= y <= y1):
        return None
    return float(x), float(y)


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
