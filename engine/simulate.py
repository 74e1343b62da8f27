"""The simulation engine's public API: landscape + optimizer settings -> trajectories.

:func:`simulate` runs one or more optimizers from one start and returns a full
:class:`Trajectory` each; :func:`simulate_many` runs one optimizer many times (seeds,
grids of hyperparameters or start points) in one vmapped call and returns a :class:`Batch`.
Both validate their input (``ValueError`` naming the field), then run the one loop of
:mod:`engine.loop`, compiled once per (landscape, optimizer, padded length, output, which
settings vary per run). Everything a user can move is a traced argument, so moving a
slider never recompiles.

Divergence: the first point whose loss or coordinates are non-finite or beyond the
landscape's bound is step ``diverged_at``; from there on the path stays frozen at the
last good point, so returned arrays never hold NaN or infinity.

A large batch is split across the CPU's cores (:mod:`engine.sharding`).
``benchmarks/engine_bench.py`` measures the engine.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import landscapes
from engine.compile_cache import enable_compilation_cache, jit_for
from engine.config import OptimizerRun, all_params, traced_names
from engine.loop import COLUMNS, FINAL, NO_STEP, PATHS, TABLE, Data, Settings, Table, in_axes, run_fn
from engine.sharding import batched_leaves, spread
from landscapes.base import Landscape

enable_compilation_cache()

MAX_STEPS = 5000
STEP_BUCKETS = (100, 200, 500, 1000, 2000, MAX_STEPS)
"""Scan lengths that get compiled; a run of n steps uses the smallest bucket >= n."""


@dataclass(frozen=True)
class Trajectory:
    """One optimizer's run, as numpy arrays (float32) ready for charts.

    ``path`` and ``loss`` have ``steps + 1`` rows (the start included); ``grad``
    (raw loss gradient at ``path[t]``), ``update`` (``path[t+1] - path[t]``; zero for
    the step that diverged, since the path stays at the last good point),
    ``velocity`` (the optimizer's momentum-like vector after step t, zero if it has
    none), ``lr`` (the scheduled learning rate) and ``effective_lr``
    (``||update|| / ||grad||``, the step length per unit of gradient) have ``steps``.
    ``diverged_at`` is the first bad step or None; ``first_hit`` the first step
    within ``tol`` of a best known minimum (any of several equally deep ones), or None.
    """

    label: str
    key: str
    path: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    update: np.ndarray
    velocity: np.ndarray
    lr: np.ndarray
    effective_lr: np.ndarray
    diverged_at: int | None
    first_hit: int | None

    @property
    def steps(self) -> int:
        """Number of steps taken (the path has one more point)."""
        return int(self.path.shape[0]) - 1


@dataclass(frozen=True)
class Batch:
    """Many runs of one optimizer (seeds or grid cells), leading axis = run.

    ``final`` (M, 2) and ``final_loss`` (M,) are the last points; ``diverged_at`` and
    ``first_hit`` (M,) use -1 for 'never'. ``paths`` (M, steps+1, 2) and ``losses``
    (M, steps+1) are present only when requested (they can be large).
    """

    final: np.ndarray
    final_loss: np.ndarray
    diverged_at: np.ndarray
    first_hit: np.ndarray
    paths: np.ndarray | None = None
    losses: np.ndarray | None = None


def bucket(steps: int) -> int:
    """The padded scan length used for ``steps`` steps."""
    for length in STEP_BUCKETS:
        if steps <= length:
            return length
    raise ValueError(f"steps must be in [1, {MAX_STEPS}], got {steps}")


def _compiled(landscape: Landscape, key: str, length: int, mode: str, batched: frozenset[str] = frozenset()):
    """The compiled runner of :func:`engine.loop.run_fn`; one per pairing, length, output and batched fields.

    With ``batched`` fields (see :func:`engine.loop.in_axes`) it is vmapped over the runs.
    """
    return _compiled_cached(landscape, key, length, mode, batched)


MAX_PROGRAMS = 128
"""Compiled runners kept in memory. Each holds about 7 MB (measured on the CPU backend), so an
unbounded cache would outgrow a 2.5 GB host as visitors try surface x optimizer pairings; an
evicted runner comes back from the persistent compilation cache on disk, not from a recompile
(except a visitor's formula, whose programs never reach the disk: :func:`engine.compile_cache.jit_for`)."""


NATIVE_RECORD_OPTIONS = {"xla_disable_hlo_passes": "while-loop-invariant-code-motion"}
"""XLA options for a recorded run (``TABLE``) on an analytic landscape: no loop-invariant code motion.

Such a run's loop compiles into one native function (:mod:`core.cpu_backend`). The pass
moves the step's setup (bias corrections, the schedule's constants, ...) out of the loop
as separate kernels, and XLA's CPU runtime pays for every kernel of a program, spreading
them over its threads once there are more than a few. Measured on this 2-core machine
(one 1000-step run on Rosenbrock, read back, median of 300): SGD 139 us without the pass
against 179 us with it, Adam 146 us against 214 us; ``benchmarks/engine_bench.py``'s 8 x 1000
workload 1.72 ms against 2.24 ms (same sitting). Not on a data set, whose step is too large to
compile natively: there the pass pays (1000 minibatch Adam steps: 4.0 ms with it, 5.9 ms
without).
"""


@functools.lru_cache(maxsize=MAX_PROGRAMS)
def _compiled_cached(landscape: Landscape, key: str, length: int, mode: str, batched: frozenset[str]):
    fn = run_fn(landscape, key, length, mode)
    if batched:
        fn = jax.vmap(fn, in_axes=_in_axes(key, batched))
    options = NATIVE_RECORD_OPTIONS if mode == TABLE and not landscape.is_dataset else None
    return jit_for(landscape, fn, compiler_options=options)  # a user formula's programs stay off the disk cache


def resolve_landscape(landscape: str | Landscape) -> Landscape:
    """A landscape object from a registry key or the object itself."""
    return landscape if isinstance(landscape, Landscape) else landscapes.get(landscape)


def resolve_runs(optimizers: Any, hypers: Mapping[str, object] | None = None) -> list[OptimizerRun]:
    """Normalize the accepted optimizer forms into validated :class:`OptimizerRun` s.

    Accepted: a key (with ``hypers``), an ``OptimizerRun``, a ``(key, settings)``
    pair, or a sequence of any of these.
    """
    if isinstance(optimizers, (str, OptimizerRun)) or (
        isinstance(optimizers, tuple)
        and len(optimizers) == 2
        and isinstance(optimizers[0], str)
        and isinstance(optimizers[1], Mapping)
    ):
        optimizers = [optimizers if not isinstance(optimizers, str) else (optimizers, hypers or {})]
    elif hypers:
        raise ValueError("hypers applies to a single optimizer key; pass (key, settings) pairs for several")
    runs = []
    for item in optimizers:
        if isinstance(item, OptimizerRun):
            runs.append(item)
        elif isinstance(item, str):
            runs.append(OptimizerRun.build(item))
        elif isinstance(item, tuple) and len(item) == 2:
            runs.append(OptimizerRun.build(item[0], item[1]))
        else:
            raise ValueError(f"optimizer must be a registry key, (key, settings) or OptimizerRun, got {item!r}")
    if not runs:
        raise ValueError("optimizers must name at least one optimizer")
    return runs


def _check_steps(steps: object) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not (1 <= steps <= MAX_STEPS):
        raise ValueError(f"steps must be a whole number in [1, {MAX_STEPS}], got {steps!r}")
    return int(steps)


def _check_start(start: object, field: str = "start") -> np.ndarray:
    try:
        point = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be two finite numbers (x, y), got {start!r}") from None
    if point.shape[-1:] != (2,) or not np.all(np.isfinite(point)):
        raise ValueError(f"{field} must be two finite numbers (x, y), got {start!r}")
    return point.astype(np.float32)


def _check_batch(landscape: Landscape, batch_size: object, data_size: int | None) -> float:
    if data_size is None:
        return 1.0  # unused by analytic landscapes
    if batch_size is None:
        return float(data_size)
    sizes = np.asarray(batch_size, dtype=np.float64)
    if not np.all(np.isfinite(sizes)) or np.any(sizes != np.round(sizes)) or np.any((sizes < 1) | (sizes > data_size)):
        raise ValueError(
            f"batch_size must be a whole number in [1, {data_size}] for {landscape.key}, got {batch_size!r}"
        )
    return sizes.astype(np.float32)


MAX_TARGETS = 8
"""At most this many equally deep best minima count as arrival targets (padded with NaN)."""


def best_minimum(landscape: Landscape, values: Mapping[str, float]) -> tuple[float, float] | None:
    """The known minimum with the lowest loss (None if the landscape lists none)."""
    best = best_minima(landscape, values)
    return best[0] if best else None


def best_minima(landscape: Landscape, values: Mapping[str, float]) -> tuple[tuple[float, float], ...]:
    """Every known minimum whose loss equals the lowest (to 1e-6 relative): all four of Himmelblau's."""
    return _best_minima(landscape, tuple(sorted(values.items())))


@functools.lru_cache(maxsize=1024)
def _best_minima(landscape: Landscape, items: tuple[tuple[str, float], ...]) -> tuple[tuple[float, float], ...]:
    values = dict(items)
    minima = landscape.minima(values)
    if not minima:
        return ()
    f = landscape.loss_function(values)
    losses = np.array([float(f(jnp.asarray(m, jnp.float32))) for m in minima])
    deepest = losses.min()
    close = losses <= deepest + 1e-6 * max(1.0, abs(deepest))
    order = np.argsort(losses, kind="stable")
    return tuple((float(minima[i][0]), float(minima[i][1])) for i in order if close[i])[:MAX_TARGETS]


def best_loss(landscape: Landscape, values: Mapping[str, float]) -> float | None:
    """The loss at the best known minimum (None if none is listed); cached per landscape and values."""
    return _best_loss(landscape, tuple(sorted(values.items())))


@functools.lru_cache(maxsize=1024)
def _best_loss(landscape: Landscape, items: tuple[tuple[str, float], ...]) -> float | None:
    values = dict(items)
    best = best_minimum(landscape, values)
    return None if best is None else float(landscape.loss_function(values)(jnp.asarray(best, jnp.float32)))


def default_tolerance(landscape: Landscape) -> float:
    """Distance to the best minimum that counts as 'arrived': 1% of the domain's diagonal."""
    (x0, x1), (y0, y1) = landscape.domain
    return 0.01 * math.hypot(x1 - x0, y1 - y0)


class _Shared(NamedTuple):
    """What every run on one landscape with these parameter values shares."""

    data: Data | None
    size: int | None
    """N, the number of examples (None on an analytic landscape)."""
    landscape: dict[str, np.float32]
    tol: np.float32
    targets: np.ndarray


def _shared(landscape: Landscape, landscape_params: Mapping[str, object] | None, tol: float | None) -> _Shared:
    """The data set, parameters, arrival tolerance and targets (every minimum as deep as the best, NaN padded)."""
    values = landscape.resolve(landscape_params)
    data = landscape.data(values)
    best = best_minima(landscape, values)
    targets = np.full((max(1, len(best)), 2), np.nan, np.float32)
    if best:
        targets[: len(best)] = best
    return _Shared(
        data=None if data is None else Data(np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32)),
        size=None if data is None else data.size,
        landscape=landscape.traced(values),
        tol=np.float32(default_tolerance(landscape) if tol is None else tol),
        targets=targets,
    )


def simulate(
    landscape: str | Landscape,
    optimizers: Any,
    hypers: Mapping[str, object] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 200,
    seed: int = 0,
    batch_size: int | None = None,
    landscape_params: Mapping[str, object] | None = None,
    tol: float | None = None,
) -> list[Trajectory]:
    """Run one or more optimizers from one start point; one :class:`Trajectory` each.

    ``simulate("rosenbrock", "adam", {"lr": 0.01}, start=(-1.5, 2.0), steps=200)``
    runs one optimizer; ``optimizers`` may also be a list of keys, ``(key,
    settings)`` pairs or :class:`OptimizerRun` s. ``batch_size`` (data-set landscapes
    only; default N = full batch) and ``seed`` choose the minibatches. Invalid input
    raises ``ValueError`` naming the field and its allowed range.
    """
    land = resolve_landscape(landscape)
    runs = resolve_runs(optimizers, hypers)
    steps = _check_steps(steps)
    start_pt = _check_start(land.starts[0] if start is None else start)
    if start_pt.shape != (2,):
        raise ValueError(f"start must be two finite numbers (x, y), got {start!r}")
    shared = _shared(land, landscape_params, tol)
    settings = Settings(
        start=start_pt,
        hypers={},
        landscape=shared.landscape,
        batch_size=np.float32(_check_batch(land, batch_size, shared.size)),
        seed=np.int32(_check_seed(seed)),
        steps=np.int32(steps),
        tol=shared.tol,
        targets=shared.targets,
    )
    length = bucket(steps)
    # Dispatch every run before reading any result back: JAX runs them asynchronously.
    tables = [
        _compiled(land, run.key, length, TABLE)(settings._replace(hypers=run.traced()), shared.data) for run in runs
    ]
    return [_to_trajectory(run, steps, table) for run, table in zip(runs, tables, strict=True)]


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (0 <= seed < 2**31):
        raise ValueError(f"seed must be a whole number in [0, {2**31 - 1}], got {seed!r}")
    return int(seed)


def _to_trajectory(run: OptimizerRun, steps: int, table: Table) -> Trajectory:
    """A :class:`Trajectory` of the first ``steps`` steps of a padded :class:`engine.loop.Table`.

    The path is copied out of the table before the updates are taken from it: differences of
    a contiguous copy cost less than of the strided column (``np.diff`` of it slower still),
    27 us against 37 us for this whole conversion of a 1000-step run on this machine.
    """
    rows = np.asarray(table.rows)[: steps + 1]
    diverged_at, first_hit = np.asarray(table.marks).tolist()
    path = np.ascontiguousarray(rows[:, COLUMNS["x"]])
    grad = rows[:steps, COLUMNS["grad"]]
    # The path is frozen after divergence, so a step that did not move has a zero update.
    update = path[1:] - path[:-1]
    grad_norm, update_norm = np.hypot(grad[:, 0], grad[:, 1]), np.hypot(update[:, 0], update[:, 1])
    return Trajectory(
        label=run.label,
        key=run.key,
        path=path,
        loss=rows[:, COLUMNS["loss"]][:, 0],
        grad=grad,
        update=update,
        velocity=rows[:steps, COLUMNS["velocity"]],
        lr=rows[:steps, COLUMNS["lr"]][:, 0],
        effective_lr=np.divide(update_norm, grad_norm, out=np.zeros_like(grad_norm), where=grad_norm > 0),
        diverged_at=None if diverged_at < 0 or diverged_at > steps else diverged_at,
        first_hit=None if first_hit < 0 or first_hit > steps else first_hit,
    )


def simulate_many(
    landscape: str | Landscape,
    run: OptimizerRun | str | tuple[str, Mapping[str, object]],
    *,
    starts: Any = None,
    seeds: Any = 0,
    hyper_grid: Mapping[str, Any] | None = None,
    batch_size: Any = None,
    inputs_per_step: Any = None,
    steps: int = 200,
    landscape_params: Mapping[str, object] | None = None,
    tol: float | None = None,
    keep_paths: bool = False,
) -> Batch:
    """Many runs of one optimizer (a key, ``(key, settings)`` or ``OptimizerRun``) in one vmapped call.

    Any of ``starts`` (M, 2), ``seeds`` (M,), ``batch_size`` (M,) and the entries of
    ``hyper_grid`` (name -> (M,) values, overriding ``run``'s settings) may carry a
    leading run axis; scalars are shared by all runs. All batched inputs must agree
    on M. ``inputs_per_step`` (M, steps, N, d), on a data-set landscape, replaces its
    inputs at every step of every run (noisy or augmented copies; the targets stay the
    landscape's). ``keep_paths`` also returns every path (memory: M x steps x 2 floats).
    """
    land = resolve_landscape(landscape)
    (run,) = resolve_runs(run)
    steps = _check_steps(steps)
    shared = _shared(land, landscape_params, tol)
    start_arr = _check_start(land.starts[0] if starts is None else starts, "starts")
    seed_arr = np.asarray(seeds)
    if seed_arr.dtype.kind not in "iu" or np.any(seed_arr < 0) or np.any(seed_arr >= 2**31):
        raise ValueError(f"seeds must be whole numbers in [0, {2**31 - 1}]")
    size = np.asarray(_check_batch(land, batch_size, shared.size), np.float32)
    hypers = run.traced()
    params = all_params(run.spec)
    for name, grid in (hyper_grid or {}).items():
        if name not in params:
            raise ValueError(f"{run.key} has no setting {name!r}; known: {sorted(params)}")
        grid = np.asarray(grid, np.float64)
        if grid.ndim > 1:
            raise ValueError(f"hyper_grid[{name!r}] must be a number or a 1-D array of values, got shape {grid.shape}")
        params[name].validate_all(grid, run.key)
        hypers[name] = grid.astype(np.float32)
    length = bucket(steps)
    data = shared.data if inputs_per_step is None else _per_step_data(land, shared, inputs_per_step, steps, length)
    per_run = {
        "start": start_arr.ndim == 2,
        "seed": seed_arr.ndim == 1,
        "batch_size": size.ndim == 1,
        **{f"hypers.{name}": np.ndim(value) == 1 for name, value in hypers.items()},
        "inputs": inputs_per_step is not None,
    }
    batched = frozenset(name for name, is_batched in per_run.items() if is_batched)
    settings = Settings(
        start=start_arr,
        hypers=hypers,
        landscape=shared.landscape,
        batch_size=size,
        seed=seed_arr.astype(np.int32),
        steps=np.int32(steps),
        tol=shared.tol,
        targets=shared.targets,
    )
    axes = _in_axes(run.key, batched)
    sizes = {len(leaf) for leaf in batched_leaves(axes, (settings, data))}
    if len(sizes) != 1:
        raise ValueError(f"batched inputs must share one leading size; got sizes {sorted(sizes) or 'none'}")
    (m,) = sizes
    settings, data = spread(axes, (settings, data), m)
    out = _compiled(land, run.key, length, PATHS if keep_paths else FINAL, batched)(settings, data)
    end = out.end if keep_paths else out
    final, final_loss, diverged, first = (np.asarray(a)[:m] for a in end)
    return Batch(
        final=final,
        final_loss=final_loss,
        diverged_at=np.where(diverged > steps, NO_STEP, diverged).astype(np.int32),
        first_hit=np.where(first > steps, NO_STEP, first).astype(np.int32),
        paths=np.asarray(out.path)[:m, : steps + 1] if keep_paths else None,
        losses=np.asarray(out.loss)[:m, : steps + 1] if keep_paths else None,
    )


def _in_axes(key: str, batched: frozenset[str]) -> tuple[Settings, Data | None]:
    return in_axes(batched, traced_names(key))


def _per_step_data(land: Landscape, shared: _Shared, inputs: Any, steps: int, length: int) -> Data:
    """``inputs`` (M, steps, N, d) padded to the scan length, with the landscape's targets."""
    if shared.data is None:
        raise ValueError(f"inputs_per_step needs a data-set landscape; {land.key} has no data")
    inputs = np.asarray(inputs, np.float32)
    n, d = shared.data.inputs.shape
    if inputs.ndim != 4 or inputs.shape[1:] != (steps, n, d) or not np.all(np.isfinite(inputs)):
        raise ValueError(
            f"inputs_per_step must be finite numbers of shape (runs, {steps}, {n}, {d}), got {inputs.shape}"
        )
    # Padded steps are never counted; they repeat the last step's inputs.
    padded = np.concatenate([inputs, np.repeat(inputs[:, -1:], length - steps, axis=1)], axis=1)
    return Data(padded, shared.data.targets)
