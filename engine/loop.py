"""The one simulation loop: a landscape, an optimizer and one run's settings -> its path.

:func:`run_fn` builds the pure function that :mod:`engine.simulate` compiles, once per
(landscape, optimizer, padded length, output, which settings vary per run). Its one
loop body (:class:`_LoopBody`) checks iterate ``t`` (divergence, arrival), records it and
takes step ``t``. A recorded run (``TABLE``, ``PATHS``) runs it under ``lax.scan`` over
the padded length and keeps each step's :class:`StepRecord` (as a table row, or only its
point and loss); an unrecorded one (``FINAL``)
under ``lax.fori_loop`` for exactly ``steps`` steps (a traced trip count: no padded steps,
and still no recompile when ``steps`` changes).

Divergence: the first iterate whose loss or coordinates are non-finite or beyond the
landscape's bound is step ``diverged_at``; from there on the recorded path stays frozen at
the last good point, so returned arrays never hold NaN or infinity. (The carried iterate
itself is never frozen: a diverged run keeps computing garbage that nothing reads.)

Everything a user can move is a traced field of :class:`Settings`, so moving a slider
never recompiles; many runs go through ``jax.vmap`` with the fields that vary per run
mapped over their leading axis.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from engine.config import OptimizerRun
from engine.minibatch import batch_weights
from engine.step import apply_step
from landscapes.base import Landscape
from optimizers.schedules import scheduled_lr

TABLE = "table"
PATHS = "paths"
FINAL = "final"
"""What a compiled run returns: every per-step quantity (:class:`Table`, one run), only path and
loss (:class:`Paths`, many runs with ``keep_paths``), or only the end (:class:`Final`)."""

NO_STEP = -1
"""Marker in integer step outputs (``diverged_at``, ``first_hit``) for 'never'."""


class Settings(NamedTuple):
    """One run's traced inputs; a field that varies over a batch of runs carries a leading run axis."""

    start: jax.Array
    """(2,) the first iterate."""
    hypers: dict[str, jax.Array]
    """The optimizer's traced settings (:meth:`engine.config.OptimizerRun.traced`)."""
    landscape: dict[str, jax.Array]
    """The landscape's parameters."""
    batch_size: jax.Array
    """Examples per minibatch (data-set landscapes; unused otherwise)."""
    seed: jax.Array
    """int32: picks the minibatches."""
    steps: jax.Array
    """int32: steps to take, at most the padded length; never per run."""
    tol: jax.Array
    """Distance to a target that counts as arrived."""
    targets: jax.Array
    """(K, 2) every minimum as deep as the best one; NaN rows are padding (never reached)."""


class Data(NamedTuple):
    """A data-set landscape's examples: ``inputs`` (N, d) or, per step, (length, N, d); ``targets`` (N,)."""

    inputs: jax.Array
    targets: jax.Array


class Marks(NamedTuple):
    """Divergence and arrival bookkeeping, updated as each iterate is checked."""

    last: jax.Array
    """The last good iterate (the start until one is checked good)."""
    last_loss: jax.Array
    """Its loss (0 while there is none)."""
    diverged_at: jax.Array
    first_hit: jax.Array


class Carry(NamedTuple):
    """What the loop carries from step to step."""

    x: jax.Array
    state: Any
    marks: Marks


class StepRecord(NamedTuple):
    """What step ``t`` saw and did: iterate, its loss and raw gradient, the optimizer's velocity after, the lr."""

    x: jax.Array
    loss: jax.Array
    grad: jax.Array
    velocity: jax.Array
    lr: jax.Array


class Final(NamedTuple):
    """A run's end: the last good point and its loss, ``diverged_at`` and ``first_hit`` (-1: never)."""

    point: jax.Array
    loss: jax.Array
    diverged_at: jax.Array
    first_hit: jax.Array


class Paths(NamedTuple):
    """A run's end and its ``path`` (length + 1, 2) and ``loss`` (length + 1,), frozen after divergence."""

    end: Final
    path: jax.Array
    loss: jax.Array


class Table(NamedTuple):
    """One run's :class:`StepRecord` s as the one float array ``rows`` (length + 1, 8), and its ``marks``.

    ``rows`` holds the record's fields side by side (:data:`COLUMNS`); ``marks`` is
    (diverged_at, first_hit). Two arrays rather than nine (five record fields, four end
    values), because reading back each array a compiled program returns costs time: a
    1000-step Adam run read back as this table took 192 us (fastest of 1000), as nine
    arrays 237 us, on this 2-core machine under load (the Playground makes one such run per
    optimizer it draws).
    """

    rows: jax.Array
    marks: jax.Array


COLUMNS: dict[str, slice] = {
    "x": slice(0, 2),
    "loss": slice(2, 3),
    "grad": slice(3, 5),
    "velocity": slice(5, 7),
    "lr": slice(7, 8),
}
"""Where each :class:`StepRecord` field sits in :attr:`Table.rows`."""


def table_row(record: StepRecord) -> jax.Array:
    """``record`` as one row of :attr:`Table.rows` (its fields side by side, :data:`COLUMNS`).

    The loop writes each step's row as it goes, rather than stacking five arrays and
    joining them after the loop, which would add kernels outside it (see :class:`Table`).
    """
    return jnp.concatenate([jnp.reshape(field, (-1,)) for field in record])


def in_axes(batched: Collection[str], hypers: Collection[str]) -> tuple[Settings, Data | None]:
    """``jax.vmap`` axes of ``(settings, data)``: 0 for the ``batched`` fields, None for shared ones.

    ``batched`` names :class:`Settings` fields, a hyperparameter as ``hypers.<name>``, and
    ``inputs`` for per-step inputs of each run (:class:`Data` with a run axis).
    """
    axis = {name: 0 if name in batched else None for name in Settings._fields}
    axis["hypers"] = {name: 0 if f"hypers.{name}" in batched else None for name in hypers}
    axis["landscape"] = None
    return Settings(**axis), (Data(inputs=0, targets=None) if "inputs" in batched else None)


def run_fn(landscape: Landscape, key: str, length: int, mode: str) -> Callable[[Settings, Data | None], Any]:
    """The pure function running optimizer ``key`` on ``landscape`` for up to ``length`` steps.

    Returns ``fn(settings, data)`` giving a :class:`Table`, :class:`Paths` or :class:`Final`
    by ``mode``. ``data`` is None on an analytic landscape. The loop checks iterates
    ``0 .. steps`` (all ``length + 1`` when recording), taking a step after each; the step
    after the last is never used.
    """
    body = _LoopBody(landscape, key)

    def fn(settings: Settings, data: Data | None) -> Any:
        start = jnp.asarray(settings.start, jnp.float32)
        marks = Marks(start, jnp.float32(0.0), jnp.int32(NO_STEP), jnp.int32(NO_STEP))
        carry = Carry(start, body.optimizer.init(start), marks)
        if mode == FINAL:
            carry = jax.lax.fori_loop(0, settings.steps + 1, lambda t, c: body(c, t, settings, data)[0], carry)
            return Final(*carry.marks)

        def step(c: Carry, t: jax.Array) -> tuple[Carry, Any]:
            c, record = body(c, t, settings, data)
            return c, (table_row(record) if mode == TABLE else (record.x, record.loss))

        carry, out = jax.lax.scan(step, carry, jnp.arange(length + 1))
        end = Final(*carry.marks)
        if mode == PATHS:
            return Paths(end, *out)
        return Table(out, jnp.stack([end.diverged_at, end.first_hit]))

    return fn


class _LoopBody:
    """The loop body for one (landscape, optimizer): ``body(carry, t, settings, data) -> (carry, record)``.

    Step ``t`` checks iterate ``t`` and records it as the path shows it: the last good point
    and its loss (frozen from the divergence step on), and the gradient, velocity and lr of
    the step taken from it, or zeros where no step counts (diverged, or past ``steps``).
    ``jnp.where`` throughout, never a multiply by 0, so a NaN computed after divergence
    never leaks out.
    """

    def __init__(self, landscape: Landscape, key: str) -> None:
        self.landscape = landscape
        self.spec = OptimizerRun.build(key).spec
        self.optimizer = self.spec.make()
        self.examples = None if not landscape.is_dataset else landscape.data(landscape.resolve()).size

    def __call__(self, carry: Carry, t: jax.Array, s: Settings, data: Data | None) -> tuple[Carry, StepRecord]:
        loss, grad, batch_loss = self.loss_and_grad(carry.x, t, s, data)
        marks, good = self.check(carry.marks, t, carry.x, loss, s)
        lr = scheduled_lr(t, s.steps, s.hypers["lr"], s.hypers)
        hessian = jax.hessian(batch_loss)(carry.x) if self.spec.needs_hessian else None
        step = apply_step(self.spec, self.optimizer, carry.x, carry.state, grad, s.hypers, lr, hessian)
        moved = good & (t < s.steps)
        record = StepRecord(
            x=marks.last,
            loss=marks.last_loss,
            grad=jnp.where(moved, grad, 0.0),
            velocity=jnp.where(moved, step.velocity, 0.0),
            lr=jnp.where(moved, lr, 0.0),
        )
        return Carry(step.params, step.state, marks), record

    def loss_and_grad(self, x: jax.Array, t: jax.Array, s: Settings, data: Data | None):
        """Loss, gradient and the loss function the gradient belongs to (on a data set, the minibatch's).

        On a data set the loss is the mean over all the examples step ``t`` sees, the
        gradient that of the minibatch of step ``t`` (:func:`engine.minibatch.batch_weights`).
        """
        if self.examples is None:

            def loss(z):
                return self.landscape.loss(z, s.landscape)

            value, grad = jax.value_and_grad(loss)(x)
            return value, grad, loss
        inputs = _inputs_at(data, t)
        weights = batch_weights(jax.random.key(s.seed), t, s.batch_size, self.examples)
        weights = weights / jnp.sum(weights)

        def batch_loss(z):
            return jnp.sum(weights * self.landscape.per_example(z, s.landscape, inputs, data.targets))

        losses, vjp = jax.vjp(lambda z: self.landscape.per_example(z, s.landscape, inputs, data.targets), x)
        (grad,) = vjp(weights)
        return jnp.mean(losses), grad, batch_loss

    def check(self, marks: Marks, t: jax.Array, x: jax.Array, loss: jax.Array, s: Settings) -> tuple[Marks, jax.Array]:
        """``marks`` after checking iterate ``t`` (``x``, with ``loss``), and whether it is good.

        Good: no earlier divergence, a finite loss, both coordinates within the landscape's
        bound, and ``t <= steps`` (iterates past ``steps`` are padding and never count).
        """
        bound = self.landscape.bound
        counted = t <= s.steps
        fine = (marks.diverged_at < 0) & jnp.isfinite(loss) & (jnp.abs(x[0]) < bound) & (jnp.abs(x[1]) < bound)
        good = fine & counted
        offsets = s.targets - x
        hit = jnp.any(offsets[:, 0] ** 2 + offsets[:, 1] ** 2 <= s.tol * s.tol)
        marks = Marks(
            last=jnp.where(good, x, marks.last),
            last_loss=jnp.where(good, loss, marks.last_loss),
            diverged_at=jnp.where((marks.diverged_at < 0) & ~fine & counted, t, marks.diverged_at),
            first_hit=jnp.where((marks.first_hit < 0) & good & hit, t, marks.first_hit),
        )
        return marks, good


def _inputs_at(data: Data, t: jax.Array) -> jax.Array:
    """The inputs step ``t`` sees: the data set's own, or row ``t`` of per-step inputs (clamped to the last)."""
    if data.inputs.ndim == 2:
        return data.inputs
    return jax.lax.dynamic_index_in_dim(data.inputs, t, keepdims=False)
