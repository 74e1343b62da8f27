"""Train the digits MLP with the optimizers of the 2D pages, on its flat parameter vector.

The network's parameters are one float32 vector (:mod:`network.mlp`), so every registered
optimizer module applies unchanged, through the same :func:`engine.step.apply_step` that
the 2D pages use: the same weight-decay modes, clipping and learning-rate schedules.
Optimizers that need the Hessian (Newton) are not offered: a network's Hessian has
``n_params**2`` entries (:data:`HESSIAN_FREE` lists the rest).

One run:

- minibatches of ``batch_size`` training images, reshuffled every epoch from the run's
  ``shuffle_seed`` (``jax.random.permutation`` of the training set, keyed by the seed and the
  epoch number); an epoch is ``n_train // batch_size`` steps, and the images left over after
  the last full batch (fewer than ``batch_size``) sit out that epoch, as with PyTorch's
  ``drop_last=True``, so every batch has the same size. ``batch_size = n_train`` is full batch.
- the run is ``epochs * steps_per_epoch`` steps long, or exactly ``steps`` when given (then
  the last epoch may stop part-way: a study comparing batch sizes at equal step counts needs that).
- ``evals + 1`` evaluation points spread evenly over the run's steps (step 0 included):
  training and test loss and accuracy on the whole sets, and the norm of each layer's share
  of the full training-loss gradient. With ``snapshots=True`` the
  flat weights at each evaluation point are kept too (the trajectory and its endpoint).

Everything a slider moves (learning rate and the other settings of the run, epochs or steps, the
seeds, the initial vector) is traced: only the network's shape, the optimizer, the batch
size, the number of evaluation points and ``snapshots`` pick a compiled program. Several
runs of one optimizer (seeds, settings) go through one ``jax.vmap``.

Divergence: the first step after which the minibatch loss or the parameters are not
finite, or an evaluation is not finite, is ``diverged_at``; from there on the records hold
the last finite values, so no NaN or infinity ever leaves this module.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import optimizers
from engine.compile_cache import enable_compilation_cache, jit_for
from engine.config import OptimizerRun, traced_names
from engine.step import apply_step
from network.data import Digits, digits
from network.mlp import MLP
from optimizers.schedules import scheduled_lr

enable_compilation_cache()

NO_STEP = -1
"""``diverged_at`` of a run that never diverged."""

MAX_EVALS = 400
"""Most evaluation points a run may ask for (each costs a pass over both data sets)."""

MAX_EPOCHS = 1000
"""Most epochs a run may ask for."""

HESSIAN_FREE: tuple[str, ...] = tuple(key for key, spec in optimizers.REGISTRY.items() if not spec.needs_hessian)
"""Keys of the optimizers offered for the network, in the registry's display order (all but the Hessian ones)."""

NETWORK_LR: dict[str, float] = {
    "sgd": 0.3,
    "momentum": 0.1,
    "nesterov": 0.1,
    "adagrad": 0.1,
    "rmsprop": 0.003,
    "adadelta": 1.0,
    "adam": 0.01,
    "adamw": 0.01,
    "amsgrad": 0.01,
    "nadam": 0.01,
    "lion": 0.001,
    "adabelief": 0.01,
}
"""A learning rate that trains the default network (64-32-10, tanh, Xavier, batch 64) to 95-97 % test
accuracy in 10 epochs, per optimizer: picked from a sweep over 1e-3 .. 3 (the 2D pages' defaults
suit their surfaces, not this network). Optimizers missing here use their own default.

Picked by test accuracy, on the same 449 test images the pages show: so the test curves at
these rates are slightly optimistic, not a clean held-out estimate (the pages say so)."""


def network_lr(key: str) -> float:
    """The learning rate of :data:`NETWORK_LR` for optimizer ``key`` (its registry default if unlisted)."""
    return NETWORK_LR.get(key, optimizers.get(key).hyper("lr").default)


class Settings(NamedTuple):
    """One run's traced inputs (with a leading run axis when several runs go through ``vmap``)."""

    hypers: dict[str, jax.Array]
    """The optimizer's settings (:meth:`engine.config.OptimizerRun.traced`)."""
    init: jax.Array
    """(n_params,) the initial flat vector."""
    shuffle_seed: jax.Array
    """int32: picks each epoch's order of the training images."""
    epochs: jax.Array
    """int32: passes over the training set."""
    steps: jax.Array
    """int32: the run's exact length in steps; 0 = ``epochs`` whole epochs."""


class Data(NamedTuple):
    """Training and test images and labels (shared by every run of a call)."""

    x_train: jax.Array
    y_train: jax.Array
    x_test: jax.Array
    y_test: jax.Array


class _Record(NamedTuple):
    """What one evaluation point measures."""

    train_loss: jax.Array
    test_loss: jax.Array
    train_acc: jax.Array
    test_acc: jax.Array
    grad_norms: jax.Array


class _Carry(NamedTuple):
    x: jax.Array
    state: Any
    perm: jax.Array
    last: jax.Array
    diverged_at: jax.Array


@dataclass(frozen=True)
class TrainResult:
    """One run's record, as numpy arrays; NaN-free.

    Arrays over evaluation points have ``evals + 1`` rows: ``steps`` (int, the step count
    at each point, 0 first), ``train_loss``, ``test_loss``, ``train_acc``, ``test_acc``
    (accuracies in [0, 1]), ``grad_norms`` (one column per layer: the norm of that layer's
    weights and bias in the full training-loss gradient) and, with ``snapshots``,
    ``weights`` (the flat vector at each point). From ``diverged_at`` on (a step count,
    ``-1`` = never) the rows repeat the last finite values: use :attr:`valid` to cut them.
    ``final`` is the last finite flat vector (the trained endpoint).
    """

    label: str
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    grad_norms: np.ndarray
    weights: np.ndarray | None
    final: np.ndarray
    diverged_at: int
    steps_per_epoch: int

    @property
    def diverged(self) -> bool:
        """Whether the run stopped being finite."""
        return self.diverged_at != NO_STEP

    @property
    def valid(self) -> int:
        """How many leading evaluation points were measured before the run diverged (all if it never did)."""
        if not self.diverged:
            return len(self.steps)
        return int(np.searchsorted(self.steps, self.diverged_at, side="left"))


def steps_per_epoch(batch_size: int, n_train: int) -> int:
    """Steps in one epoch: full batches only (``n_train // batch_size``)."""
    return max(n_train // batch_size, 1)


def epoch_order(shuffle_seed: jax.Array | int, epoch: jax.Array | int, n: int) -> jax.Array:
    """The order of the ``n`` training images in ``epoch``: a permutation drawn from the seed and the epoch."""
    key = jax.random.fold_in(jax.random.key(jnp.asarray(shuffle_seed, jnp.int32)), epoch)
    return jax.random.permutation(key, n)


def batch_indices(shuffle_seed: int, step: int, batch_size: int, n: int) -> np.ndarray:
    """The training images of minibatch ``step`` (0-based), as the compiled loop picks them."""
    per_epoch = steps_per_epoch(batch_size, n)
    epoch, position = divmod(step, per_epoch)
    order = np.asarray(epoch_order(shuffle_seed, epoch, n))
    return order[position * batch_size : (position + 1) * batch_size]


def layer_norms(net: MLP, flat: jax.Array) -> jax.Array:
    """Per layer, the Euclidean norm of its weights and bias together in the flat vector ``flat``."""
    return jnp.stack([jnp.sqrt(jnp.sum(flat[w] ** 2) + jnp.sum(flat[b] ** 2)) for w, b in net.slices()])


def run_fn(net: MLP, key: str, batch_size: int, evals: int, snapshots: bool):
    """The pure function training ``net`` with optimizer ``key``: ``fn(settings, data) -> (records, marks)``.

    ``records`` is a :class:`_Record` of arrays with ``evals + 1`` rows (plus the weights
    with ``snapshots``); ``marks`` holds the final finite vector and ``diverged_at``.
    """
    spec = optimizers.get(key)
    if spec.needs_hessian:
        raise ValueError(f"{key} needs the Hessian, which is not offered for a network")
    opt = spec.make()
    train_grad = jax.value_and_grad(net.loss)

    def fn(s: Settings, data: Data):
        n = data.x_train.shape[0]
        per_epoch = steps_per_epoch(batch_size, n)
        total = jnp.where(
            s.steps > 0,
            jnp.clip(s.steps, 1, MAX_EPOCHS * per_epoch),
            jnp.clip(s.epochs, 1, MAX_EPOCHS) * per_epoch,
        ).astype(jnp.int32)
        x0 = jnp.asarray(s.init, jnp.float32)

        def evaluate(x: jax.Array) -> _Record:
            loss, grad = train_grad(x, data.x_train, data.y_train)
            return _Record(
                train_loss=loss,
                test_loss=net.loss(x, data.x_test, data.y_test),
                train_acc=net.accuracy(x, data.x_train, data.y_train).astype(jnp.float32),
                test_acc=net.accuracy(x, data.x_test, data.y_test).astype(jnp.float32),
                grad_norms=layer_norms(net, grad),
            )

        def step(t: jax.Array, c: _Carry) -> _Carry:
            epoch, position = t // per_epoch, t % per_epoch
            perm = jax.lax.cond(position == 0, lambda: epoch_order(s.shuffle_seed, epoch, n), lambda: c.perm)
            idx = jax.lax.dynamic_slice_in_dim(perm, position * batch_size, batch_size)
            loss, grad = train_grad(c.x, data.x_train[idx], data.y_train[idx])
            lr = scheduled_lr(t, total, s.hypers["lr"], s.hypers)
            out = apply_step(spec, opt, c.x, c.state, grad, s.hypers, lr)
            fine = jnp.isfinite(loss) & jnp.all(jnp.isfinite(out.params)) & (c.diverged_at < 0)
            return _Carry(
                x=out.params,
                state=out.state,
                perm=perm,
                last=jnp.where(fine, out.params, c.last),
                diverged_at=jnp.where((c.diverged_at < 0) & ~fine, t + 1, c.diverged_at),
            )

        def checked(c: _Carry, rec: _Record, previous: _Record, at: jax.Array) -> tuple[_Carry, _Record]:
            """Keep ``rec`` if finite and the run is fine; else the previous record, marking divergence."""
            fine = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in rec]))
            c = c._replace(diverged_at=jnp.where((c.diverged_at < 0) & ~fine, at, c.diverged_at))
            keep = fine & (c.diverged_at < 0)
            return c, jax.tree.map(lambda new, old: jnp.where(keep, new, old), rec, previous)

        def segment(carry: tuple[_Carry, _Record], k: jax.Array):
            c, previous = carry
            lo, hi = (k - 1) * total // evals, k * total // evals
            c = jax.lax.fori_loop(lo, hi, step, c)
            c, rec = checked(c, evaluate(c.last), previous, hi)
            out = (rec, hi, c.last) if snapshots else (rec, hi)
            return (c, rec), out

        c0 = _Carry(x0, opt.init(x0), jnp.arange(n), x0, jnp.int32(NO_STEP))
        first = evaluate(x0)
        zero = jax.tree.map(jnp.zeros_like, first)
        c0, first = checked(c0, first, zero, jnp.int32(0))
        (c, _), outs = jax.lax.scan(segment, (c0, first), jnp.arange(1, evals + 1))
        records = jax.tree.map(lambda a, b: jnp.concatenate([a[None], b]), first, outs[0])
        steps = jnp.concatenate([jnp.zeros((1,), jnp.int32), outs[1].astype(jnp.int32)])
        weights = jnp.concatenate([x0[None], outs[2]]) if snapshots else None
        return records, steps, weights, c.last, c.diverged_at

    return fn


@functools.lru_cache(maxsize=32)
def _compiled(net: MLP, key: str, batch_size: int, evals: int, snapshots: bool):
    """One compiled program per (network, optimizer, batch size, evaluation count, snapshots), vmapped over runs."""
    return jit_for(net, jax.vmap(run_fn(net, key, batch_size, evals, snapshots), in_axes=(0, None)))


def _data(d: Digits) -> Data:
    return Data(*(jnp.asarray(a) for a in (d.x_train, d.y_train, d.x_test, d.y_test)))


def train_many(
    net: MLP,
    runs: Sequence[OptimizerRun],
    inits: np.ndarray,
    shuffle_seeds: Sequence[int],
    *,
    batch_size: int = 64,
    epochs: int = 10,
    evals: int = 50,
    snapshots: bool = False,
    data: Digits | None = None,
    steps: int | None = None,
) -> list[TrainResult]:
    """Train one network per entry of ``runs``, all of the same optimizer, in one vmapped call.

    ``runs`` differ only in settings (and ``label``); ``inits`` is ``(len(runs), n_params)``
    (or one ``(n_params,)`` vector shared by all), ``shuffle_seeds`` one seed per run.
    ``batch_size`` is clamped to ``[1, n_train]`` (``n_train`` = full batch). ``steps``, when
    given, sets the exact number of steps instead of ``epochs`` whole epochs. ``data``
    defaults to :func:`network.data.digits`. Raises ``ValueError`` for a Hessian optimizer,
    mixed optimizers, or inputs of the wrong shape.
    """
    if not runs:
        return []
    keys = {run.key for run in runs}
    if len(keys) != 1:
        raise ValueError(f"train_many takes runs of one optimizer, got {sorted(keys)}")
    (key,) = keys
    d = data if data is not None else digits()
    if d.x_train.shape[1] != net.sizes[0] or net.sizes[-1] < int(d.y_train.max()) + 1:
        raise ValueError(f"network {net.sizes} does not fit images of {d.x_train.shape[1]} pixels and 10 classes")
    count = len(runs)
    inits = np.asarray(inits, np.float32)
    if inits.ndim == 1:
        inits = np.broadcast_to(inits, (count, inits.shape[0]))
    if inits.shape != (count, net.n_params):
        raise ValueError(f"inits must have shape ({count}, {net.n_params}), got {inits.shape}")
    if len(shuffle_seeds) != count:
        raise ValueError(f"one shuffle seed per run: {count} runs, {len(shuffle_seeds)} seeds")
    batch_size = int(min(max(int(batch_size), 1), d.n_train))
    evals = int(min(max(int(evals), 1), MAX_EVALS))
    names = traced_names(key)
    traced = [run.traced() for run in runs]
    settings = Settings(
        hypers={name: np.asarray([t[name] for t in traced], np.float32) for name in names},
        init=np.ascontiguousarray(inits),
        shuffle_seed=np.asarray(shuffle_seeds, np.int32),
        epochs=np.full(count, min(max(int(epochs), 1), MAX_EPOCHS), np.int32),
        steps=np.full(count, 0 if steps is None else max(int(steps), 1), np.int32),
    )
    records, steps, weights, final, diverged_at = jax.device_get(
        _compiled(net, key, batch_size, evals, bool(snapshots))(settings, _data(d))
    )
    per_epoch = steps_per_epoch(batch_size, d.n_train)
    return [
        TrainResult(
            label=run.label,
            steps=np.asarray(steps[i]),
            train_loss=np.asarray(records.train_loss[i]),
            test_loss=np.asarray(records.test_loss[i]),
            train_acc=np.asarray(records.train_acc[i]),
            test_acc=np.asarray(records.test_acc[i]),
            grad_norms=np.asarray(records.grad_norms[i]),
            weights=None if weights is None else np.asarray(weights[i]),
            final=np.asarray(final[i]),
            diverged_at=int(diverged_at[i]),
            steps_per_epoch=per_epoch,
        )
        for i, run in enumerate(runs)
    ]


def train(
    net: MLP,
    run: OptimizerRun,
    init: np.ndarray,
    *,
    shuffle_seed: int = 0,
    batch_size: int = 64,
    epochs: int = 10,
    evals: int = 50,
    snapshots: bool = False,
    data: Digits | None = None,
    steps: int | None = None,
) -> TrainResult:
    """Train ``net`` from the flat vector ``init`` with one optimizer run (see :func:`train_many`)."""
    (result,) = train_many(
        net,
        [run],
        np.asarray(init, np.float32)[None],
        [shuffle_seed],
        batch_size=batch_size,
        epochs=epochs,
        evals=evals,
        snapshots=snapshots,
        data=data,
        steps=steps,
    )
    return result
