"""The one simulation engine: landscape + optimizer settings -> trajectories.

Each (landscape, optimizer, padded length) triple is compiled once into a single
loop (``lax.scan`` or ``lax.fori_loop``). Everything a user can move -- hyperparameters, landscape parameters,
start point, seed, batch size, number of steps up to the padded length -- is a
traced argument, so moving a slider never recompiles. Many runs (seeds, grids of
hyperparameters or start points) go through ``jax.vmap`` of the same function.

Divergence: the first point whose loss or coordinates are non-finite or beyond the
landscape's bound is step ``diverged_at``; from there on the path stays frozen at
the last good point, so returned arrays never hold NaN or infinity.

Speed on a CPU: a run's settings travel packed into one vector (:mod:`engine.packing`)
and its results come back as one table, because each array crossing into or out of a
compiled program costs microseconds; a single run on a surface, table included, is compiled
into one native function (:func:`records_natively`, :data:`RECORD_OPTIONS`), because XLA's
runtime pays for every separate kernel; a batch keeps few kernels per step and a large one
is split across the cores (:mod:`engine.sharding`). ``benchmarks/engine_bench.py`` measures them.
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

import landscapes
from engine.compile_cache import enable_compilation_cache, jit_for
from engine.config import OptimizerRun, all_params, traced_names
from engine.minibatch import batch_weights
from engine.packing import Packing
from engine.sharding import spread
from engine.step import apply_step, squared_norm
from landscapes.base import Landscape
from optimizers.schedules import scheduled_lr

enable_compilation_cache()

MAX_STEPS = 5000
STEP_BUCKETS = (100, 200, 500, 1000, 2000, MAX_STEPS)
"""Scan lengths that get compiled; a run of n steps uses the smallest bucket >= n."""

NO_STEP = -1
"""Marker in integer step outputs (``diverged_at``, ``first_hit``) for 'never'."""


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
    The arrays are read-only views into the one table the compiled run returned.
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


TABLE = "table"
PATHS = "paths"
FINAL = "final"
"""What a compiled run returns: a full per-step table (one trajectory), only path and loss
(many runs with ``keep_paths``), or only the final point (many runs)."""

TABLE_COLUMNS = ("x", "y", "loss", "grad_x", "grad_y", "update_x", "update_y", "velocity_x", "velocity_y", "lr", "eff")
"""Columns of the ``TABLE`` output; rows are steps 0..length (the last row of the per-step columns is 0)."""
_COLUMN = {name: i for i, name in enumerate(TABLE_COLUMNS)}

RECORD_OPTIONS = {"xla_disable_hlo_passes": "while-loop-invariant-code-motion"}
"""XLA options for a recorded run (``TABLE``), whose every step happens inside a loop taken once.

XLA's CPU runtime launches each kernel of a program separately, and once a program has more
than a few kernels touching more than a few hundred bytes it spreads them over its threads:
for one short 2D run that costs several times what the steps themselves cost. Inside the
loop, XLA compiles the whole run into one native function (:mod:`core.cpu_backend`), unless
loop-invariant code motion hoists the setup back out as separate kernels, so that pass is off
for these programs only. ``tests/test_packing.py`` checks the compiled shape.
"""


def _trajectory_fn(landscape: Landscape, key: str, length: int, mode: str, packing: Packing, batched: bool = False):
    """The pure function running ``length`` padded steps of optimizer ``key``.

    Its float arguments arrive packed (see :mod:`engine.packing` and :func:`_fields`):
    the start ``x0``, the settings ``hp:<name>``, the landscape parameters ``lp:<name>``,
    the batch ``size``, the arrival tolerance ``tol`` and the ``target`` points (every
    minimum as deep as the best one, NaN padded; their count is static, so the arrival
    test costs one distance per real minimum). ``ints`` is (steps, seed); ``seeds``, when
    given, replaces the seed per run. ``batched`` says the function will be vmapped.
    ``TABLE`` (one recorded run, never batched) is :func:`record`; the other modes are ``run``.
    """
    spec = OptimizerRun.build(key).spec
    opt = spec.make()
    bound = landscape.bound
    n = None if not landscape.is_dataset else landscape.data(landscape.resolve()).size
    hp_names = traced_names(key)
    lp_names = tuple(p.name for p in landscape.params)
    n_targets = packing.width("target") // 2

    def unpack(shared, per_run, ints, seeds):
        """The run's fields, hyperparameters, landscape parameters, step count and random key."""
        f = packing.unpack(shared, per_run)
        hp = {name: f[f"hp:{name}"] for name in hp_names}
        lp = {name: f[f"lp:{name}"] for name in lp_names}
        steps, seed = ints[0], (ints[1] if seeds is None else seeds)
        return f, hp, lp, steps, jax.random.key(seed)

    def value_grad(x, t, f, lp, rng, data):
        """Loss, gradient and the loss function the gradient belongs to (the minibatch's)."""
        if n is None:
            value, grad = jax.value_and_grad(lambda z: landscape.loss(z, lp))(x)
            return value, grad, (lambda z: landscape.loss(z, lp))
        inputs, targets = data
        weights = batch_weights(rng, t, f["size"], n)
        weights = weights / jnp.sum(weights)
        losses, vjp = jax.vjp(lambda z: landscape.per_example(z, lp, inputs, targets), x)
        (grad,) = vjp(weights)
        return (
            jnp.mean(losses),
            grad,
            (lambda z: jnp.sum(weights * landscape.per_example(z, lp, inputs, targets))),
        )

    def good(x, value):
        # Elementwise on the two coordinates (no reductions: see engine.step.squared_norm).
        return jnp.isfinite(value) & (jnp.abs(x[0]) < bound) & (jnp.abs(x[1]) < bound)

    def hit(x, f):
        # ``target`` holds every minimum as deep as the best one (NaN rows are padding).
        target, tol = f["target"].reshape(n_targets, 2), f["tol"]
        close = False
        for k in range(n_targets):
            close = close | (squared_norm(x - target[k]) <= tol * tol)
        return close

    def check(t, x, value, steps, f, marks):
        """Divergence and arrival bookkeeping for iterate ``x`` (loss ``value``) of step ``t``.

        ``marks`` is (last good x, last good y, its loss, diverged_at, first_hit); only
        per-run scalars are selected, never whole 2-vectors (selecting a 2-vector by a
        per-run flag made the vmapped loop several times slower on the CPU).
        """
        last0, last1, last_value, diverged, first = marks
        counted = t <= steps
        ok = (diverged < 0) & good(x, value)
        diverged = jnp.where((diverged < 0) & ~ok & counted, t, diverged)
        keep = ok & counted
        last0 = jnp.where(keep, x[0], last0)
        last1 = jnp.where(keep, x[1], last1)
        last_value = jnp.where(keep, value, last_value)
        first = jnp.where((first < 0) & keep & hit(x, f), t, first)
        return keep, (last0, last1, last_value, diverged, first)

    def step(x, state, grad, batch_loss, hp, lr_t):
        hessian = jax.hessian(batch_loss)(x) if spec.needs_hessian else None
        return apply_step(spec, opt, x, state, grad, hp, lr_t, hessian)

    def start_marks(x0):
        # The start itself is checked like any other point (a start outside the bound diverges at 0).
        return (x0[0], x0[1], jnp.float32(0.0), jnp.int32(NO_STEP), jnp.int32(NO_STEP))

    native = records_natively(landscape)

    def record(shared, per_run, ints, seeds, data):
        """One run's full table (:data:`TABLE_COLUMNS`) and marks, settled inside the loop.

        Each pass checks iterate ``t``, writes the finished row ``t - 1`` (its update is
        known once point ``t`` is settled) and takes step ``t``; a run that diverged keeps
        repeating its last good point. On an analytic surface the whole run sits in a loop
        taken once, which XLA compiles into one native function (see :data:`RECORD_OPTIONS`).
        """
        # Every row is overwritten, so the table the loop starts from only lends its buffer.
        table = jnp.zeros((length + 1, len(TABLE_COLUMNS)), jnp.float32)
        if not native:
            return settled(shared, ints, data, table)

        def once(carry):
            k, (table, _) = carry
            return k + 1, settled(shared, ints, data, table)

        trips = jnp.minimum(ints[0], 1)  # always 1, but not known to the compiler (no inlining)
        return jax.lax.while_loop(lambda c: c[0] < trips, once, (jnp.int32(0), (table, jnp.zeros(2, jnp.int32))))[1]

    def settled(shared, ints, data, table):
        zero = jnp.float32(0.0)
        fixed = None if native else unpack(shared, None, ints, None)

        def body(carry, t):
            x, state, marks, pending, table, packed = carry
            # A native loop unpacks at every step from a carried copy: it then reads two carried
            # buffers instead of some twenty loop-invariant scalars, about twice as fast.
            f, hp, lp, steps, rng = unpack(packed[0], None, packed[1], None) if native else fixed
            value, grad, batch_loss = value_grad(x, t, f, lp, rng, data)
            keep, marks = check(t, x, value, steps, f, marks)
            moved = keep & (t < steps)
            lr_t = scheduled_lr(t, steps, hp["lr"], hp)
            result = step(x, state, grad, batch_loss, hp, lr_t)
            # Row t - 1 is complete now that point t is settled (marks[:2] is the last good point).
            px, py, ploss, pgx, pgy, pvx, pvy, plr, pmoved = pending
            ux, uy = jnp.where(pmoved, marks[0] - px, 0.0), jnp.where(pmoved, marks[1] - py, 0.0)
            gnorm = jnp.sqrt(pgx * pgx + pgy * pgy)
            eff = jnp.where(gnorm > 0, jnp.sqrt(ux * ux + uy * uy) / jnp.where(gnorm > 0, gnorm, 1.0), 0.0)
            row = jnp.stack([px, py, ploss, pgx, pgy, ux, uy, pvx, pvy, plr, eff])
            table = jax.lax.dynamic_update_slice(table, row[None], (jnp.maximum(t - 1, 0), 0))
            velocity = result.velocity if spec.velocity is not None else jnp.zeros(2, jnp.float32)
            pending = (
                *marks[:3],
                *(jnp.where(moved, v, 0.0) for v in (grad[0], grad[1], velocity[0], velocity[1], lr_t)), moved,
            )  # fmt: skip
            return (result.params, result.state, marks, pending, table, packed), None

        x0 = packing.unpack(shared, None)["x0"]
        pending = (x0[0], x0[1], *(zero,) * 6, jnp.bool_(False))
        carry0 = (x0, opt.init(x0), start_marks(x0), pending, table, (shared, ints) if native else ())
        flat, how = _split_pairs(carry0)
        flat = jax.lax.fori_loop(0, length + 1, lambda t, c: _in_pairs(body, how, c, t)[0], flat)
        _, _, marks, pending, table, _ = _join_pairs(flat, how)
        end = jnp.stack([*pending[:3], *(zero,) * (len(TABLE_COLUMNS) - 3)])  # the end point takes no step
        table = jax.lax.dynamic_update_slice(table, end[None], (length, 0))
        return table, jnp.stack(marks[3:])

    def run(shared, per_run, ints, seeds, data):
        f, hp, lp, steps, rng = unpack(shared, per_run, ints, seeds)
        x0 = jnp.asarray(f["x0"], jnp.float32)

        def body(carry, xs):
            # The point itself is never frozen inside the loop (a run that diverges just computes
            # garbage from then on); paths are frozen after the divergence step once the loop is
            # done (see ``settle`` below).
            t, lr_t = xs
            x, state, marks = carry
            value, grad, batch_loss = value_grad(x, t, f, lp, rng, data)
            _, marks = check(t, x, value, steps, f, marks)
            result = step(x, state, grad, batch_loss, hp, lr_t)
            carry = (result.params, result.state, marks)
            return carry, (None if mode == FINAL else jnp.concatenate([x, value[None]]))

        carry0 = (x0, opt.init(x0), start_marks(x0))
        if mode == PATHS:
            ts = jnp.arange(length, dtype=jnp.int32)
            rows = jax.lax.scan(body, carry0, (ts, scheduled_lr(ts, steps, hp["lr"], hp)))
            (x_end, _, marks), rows = rows
            end = jnp.int32(length)
        else:
            # Nothing is recorded, so only the ``steps`` steps asked for run (a traced trip count:
            # no padded steps, and still no recompile when ``steps`` changes). The scheduled lr is
            # computed in the loop rather than read from a precomputed array: under vmap with a
            # per-run lr that array is (runs, length), and reading one strided column of it per
            # step made hyperparameter sweeps about 1.5x slower on the CPU.
            def loop(t, c):
                return body(c, (t, scheduled_lr(t, steps, hp["lr"], hp)))[0]

            x_end, _, marks = jax.lax.fori_loop(0, steps, loop, carry0)
            rows, end = None, steps
        value_end, _, _ = value_grad(x_end, end, f, lp, rng, data)
        _, (last0, last1, last_value, diverged, first) = check(end, x_end, value_end, steps, f, marks)
        final = jnp.stack([last0, last1])
        # The loss at the last good point, evaluated once here rather than carried through every
        # step (the loop then drops the carried copy: one kernel less per step of a batch). A
        # start that was already bad has no good point: its loss is reported as 0, as in a table.
        last_value = jnp.where(diverged == 0, 0.0, value_grad(final, end, f, lp, rng, data)[0])
        marks = jnp.stack([diverged, first])
        if mode == FINAL:
            return jnp.concatenate([final, last_value[None]]), marks
        return settle(rows, final, last_value, diverged), marks

    def settle(rows, final, final_value, diverged):
        """Path and loss with every point from the divergence step on frozen at the last good one."""
        bad = ((diverged >= 0) & (jnp.arange(length + 1) >= diverged))[:, None]
        path = jnp.where(bad, final, jnp.concatenate([rows[:, 0:2], final[None]]))
        loss = jnp.where(bad, final_value, jnp.concatenate([rows[:, 2:3], final_value[None, None]]))
        return jnp.concatenate([path, loss], axis=1)

    return record if mode == TABLE else run


def _split_pairs(tree: Any) -> tuple[tuple[jax.Array, ...], Any]:
    """The leaves of ``tree``, with every 2-vector split into its two coordinates.

    A recorded run's loop carry travels split: XLA then compiles the whole loop into native
    code on scalars, which made a 1000-step run markedly faster on the CPU. (Batched runs
    keep their vectors: splitting made the vmapped loops slower.) Returns the flat leaves
    and ``how`` to rejoin them (:func:`_join_pairs`).
    """
    leaves, treedef = jax.tree.flatten(tree)
    pairs = tuple(jnp.shape(leaf) == (2,) for leaf in leaves)
    return _flatten(leaves, pairs), (treedef, pairs)


def _flatten(leaves: Sequence[jax.Array], pairs: Sequence[bool]) -> tuple[jax.Array, ...]:
    return tuple(
        part for leaf, pair in zip(leaves, pairs, strict=True) for part in ((leaf[0], leaf[1]) if pair else (leaf,))
    )


def _join_pairs(flat: Sequence[jax.Array], how: Any) -> Any:
    """The tree :func:`_split_pairs` took apart."""
    treedef, pairs = how
    parts = iter(flat)
    return jax.tree.unflatten(treedef, [jnp.stack([next(parts), next(parts)]) if p else next(parts) for p in pairs])


def _in_pairs(body: Any, how: Any, flat: Sequence[jax.Array], xs: Any) -> tuple[Any, Any]:
    """``body(carry, xs)`` on a carry kept as :func:`_split_pairs` made it."""
    carry, out = body(_join_pairs(flat, how), xs)
    return _flatten(jax.tree.leaves(carry), how[1]), out


def _compiled(landscape: Landscape, key: str, length: int, mode: str, packing: Packing, batched_seeds: bool = False):
    """The jitted runner; one per pairing, output mode and packing (which fields vary per run).

    With per-run fields (or ``batched_seeds``) the runner is vmapped over the runs.
    """
    return _compiled_cached(landscape, key, length, mode, packing, batched_seeds)


MAX_PROGRAMS = 128
"""Compiled runners kept in memory. Each holds about 7 MB (measured on the CPU backend), so an
unbounded cache would outgrow a 2.5 GB host as visitors try surface x optimizer pairings; an
evicted runner comes back from the persistent compilation cache on disk, not from a recompile
(except a visitor's formula, whose programs never reach the disk: :func:`engine.compile_cache.jit_for`)."""


@functools.lru_cache(maxsize=MAX_PROGRAMS)
def _compiled_cached(landscape: Landscape, key: str, length: int, mode: str, packing: Packing, batched_seeds: bool):
    batched = bool(packing.per_run) or batched_seeds
    fn = _trajectory_fn(landscape, key, length, mode, packing, batched)
    if batched:
        fn = jax.vmap(fn, in_axes=(None, 0 if packing.per_run else None, None, 0 if batched_seeds else None, None))
    options = RECORD_OPTIONS if mode == TABLE and records_natively(landscape) else None
    return jit_for(landscape, fn, compiler_options=options)  # a user formula's programs stay off the disk cache


def records_natively(landscape: Landscape) -> bool:
    """Whether a recorded run on ``landscape`` compiles into one native function.

    Not on a data set: a step there touches every example (the minibatch weights, the
    per-example losses), more bytes than XLA's small-loop cut-off (:mod:`core.cpu_backend`),
    so the loop stays in the kernel-by-kernel runtime, where unpacking the settings at every
    step would cost kernels; measured, the native layout made such runs about 20% slower.
    """
    return not landscape.is_dataset


@functools.lru_cache(maxsize=1024)
def _packing(landscape: Landscape, key: str, n_targets: int, batched: frozenset[str] = frozenset()) -> Packing:
    """The packing of a run's fields with ``batched`` ones per run (cached: built once per shape)."""
    return Packing.of(_fields(landscape, key, n_targets), batched)


def _fields(landscape: Landscape, key: str, n_targets: int) -> dict[str, int]:
    """Every packed float field of a run (name -> width), in packing order."""
    return {
        "x0": 2,
        **{f"hp:{name}": 1 for name in traced_names(key)},
        **{f"lp:{p.name}": 1 for p in landscape.params},
        "size": 1,
        "tol": 1,
        "target": 2 * n_targets,
    }


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


def _inputs(landscape: Landscape, landscape_params: Mapping[str, object] | None, tol: float | None):
    """The data set and the float fields every run on this landscape shares.

    Returns ``(data, arrays, fields)``: ``arrays`` is (inputs, targets) as float32 or None;
    ``fields`` holds the landscape parameters ``lp:<name>``, ``tol`` and ``target`` (every
    minimum as deep as the best one, NaN padded to at least one point).
    """
    values = landscape.resolve(landscape_params)
    data = landscape.data(values)
    arrays = None if data is None else (np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32))
    best = best_minima(landscape, values)
    target = np.full((max(1, len(best)), 2), np.nan, np.float32)
    if best:
        target[: len(best)] = best
    fields = {f"lp:{name}": value for name, value in values.items()}
    fields["tol"] = default_tolerance(landscape) if tol is None else tol
    fields["target"] = target
    return data, arrays, fields


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
    data, arrays, fields = _inputs(land, landscape_params, tol)
    fields["size"] = _check_batch(land, batch_size, None if data is None else data.size)
    fields["x0"] = start_pt
    ints = np.array([steps, _check_seed(seed)], np.int32)
    length = bucket(steps)
    n_targets = len(fields["target"])
    pending = []
    # Dispatch every run before reading any result back: JAX runs them asynchronously.
    for run in runs:
        packing = _packing(land, run.key, n_targets)
        shared, _ = packing.pack({**fields, **run.packed})
        pending.append(_compiled(land, run.key, length, TABLE, packing)(shared, None, ints, None, arrays))
    return [_to_trajectory(run, steps, *result) for run, result in zip(runs, pending, strict=True)]


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (0 <= seed < 2**31):
        raise ValueError(f"seed must be a whole number in [0, {2**31 - 1}], got {seed!r}")
    return int(seed)


def _to_trajectory(run: OptimizerRun, steps: int, table, marks) -> Trajectory:
    """A :class:`Trajectory` whose arrays are views into the one table the device returned."""
    table = np.asarray(table)[: steps + 1]
    diverged_at, first_hit = (int(m) for m in np.asarray(marks))
    column = _COLUMN

    def pair(name: str) -> np.ndarray:
        return table[:steps, column[name] : column[name] + 2]

    return Trajectory(
        label=run.label,
        key=run.key,
        path=table[:, 0:2],
        loss=table[:, column["loss"]],
        grad=pair("grad_x"),
        update=pair("update_x"),
        velocity=pair("velocity_x"),
        lr=table[:steps, column["lr"]],
        effective_lr=table[:steps, column["eff"]],
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
    steps: int = 200,
    landscape_params: Mapping[str, object] | None = None,
    tol: float | None = None,
    keep_paths: bool = False,
) -> Batch:
    """Many runs of one optimizer (a key, ``(key, settings)`` or ``OptimizerRun``) in one vmapped call.

    Any of ``starts`` (M, 2), ``seeds`` (M,), ``batch_size`` (M,) and the entries of
    ``hyper_grid`` (name -> (M,) values, overriding ``run``'s settings) may carry a
    leading run axis; scalars are shared by all runs. All batched inputs must agree
    on M. ``keep_paths`` also returns every path (memory: M x steps x 2 floats).
    """
    land = resolve_landscape(landscape)
    (run,) = resolve_runs(run)
    steps = _check_steps(steps)
    data, arrays, fields = _inputs(land, landscape_params, tol)
    start_arr = _check_start(land.starts[0] if starts is None else starts, "starts")
    seed_arr = np.asarray(seeds)
    if seed_arr.dtype.kind not in "iu" or np.any(seed_arr < 0) or np.any(seed_arr >= 2**31):
        raise ValueError(f"seeds must be whole numbers in [0, {2**31 - 1}]")
    size = np.asarray(_check_batch(land, batch_size, None if data is None else data.size), np.float32)
    fields.update(x0=start_arr, size=size)
    fields.update(run.packed)

    params = all_params(run.spec)
    batched = {name for name, value in (("x0", start_arr[..., 0]), ("size", size)) if value.ndim == 1}
    for name, grid in (hyper_grid or {}).items():
        if name not in params:
            raise ValueError(f"{run.key} has no setting {name!r}; known: {sorted(params)}")
        grid = np.asarray(grid, np.float64)
        if grid.ndim > 1:
            raise ValueError(f"hyper_grid[{name!r}] must be a number or a 1-D array of values, got shape {grid.shape}")
        params[name].validate_all(grid, run.key)
        fields[f"hp:{name}"] = grid
        if grid.ndim == 1:
            batched.add(f"hp:{name}")

    sizes = {len(fields[name]) if name != "x0" else len(start_arr) for name in batched}
    if seed_arr.ndim:
        sizes.add(len(seed_arr))
    if len(sizes) != 1:
        raise ValueError(f"batched inputs must share one leading size; got sizes {sorted(sizes) or 'none'}")
    (m,) = sizes
    packing = _packing(land, run.key, len(fields["target"]), frozenset(batched))
    shared, per_run = packing.pack(fields, m)
    seeds_in = seed_arr.astype(np.int32) if seed_arr.ndim else None
    ints = np.array([steps, 0 if seed_arr.ndim else int(seed_arr)], np.int32)
    fn = _compiled(land, run.key, bucket(steps), PATHS if keep_paths else FINAL, packing, seed_arr.ndim == 1)
    (per_run, seeds_in), padding = spread([per_run, seeds_in], m)
    out, marks = (np.asarray(a)[: len(a) - padding] for a in fn(shared, per_run, ints, seeds_in, arrays))
    diverged = np.where(marks[:, 0] > steps, NO_STEP, marks[:, 0])
    first = np.where(marks[:, 1] > steps, NO_STEP, marks[:, 1])
    if keep_paths:
        final, final_loss = out[:, steps, 0:2], out[:, steps, 2]
        paths, losses = out[:, : steps + 1, 0:2], out[:, : steps + 1, 2]
    else:
        final, final_loss = out[:, 0:2], out[:, 2]
        paths = losses = None
    return Batch(
        final=final,
        final_loss=final_loss,
        diverged_at=diverged.astype(np.int32),
        first_hit=first.astype(np.int32),
        paths=paths,
        losses=losses,
    )
