"""The network training engine (engine/network/train.py) and the initial vectors (network/init.py).

Each optimizer is checked against its optax twin (the ``optax_reference`` its module
declares) on the same tiny network, the same minibatches and the same start, step for step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import optimizers
from engine.config import OptimizerRun
from engine.network.train import HESSIAN_FREE, NO_STEP, batch_indices, train, train_many
from engine.step import squared_norm
from network.data import Digits, digits
from network.init import SCHEMES, hidden_spread, initial_weights, xavier_std
from network.mlp import MLP

TINY = MLP((64, 5, 10))
"""A tiny network: compiles fast, and still has a hidden layer."""


@pytest.fixture(scope="module")
def small() -> Digits:
    """The first 96 training and 40 test digits: every step cheap."""
    d = digits()
    return Digits(d.x_train[:96], d.y_train[:96], d.x_test[:40], d.y_test[:40])


def optax_reference_path(
    tx: optax.GradientTransformation, x0: np.ndarray, data: Digits, seed: int, batch: int, steps: int
) -> np.ndarray:
    """x_1..x_steps of ``tx`` on the tiny network's minibatch loss, batches as :func:`batch_indices` picks them."""
    grad = jax.jit(jax.grad(TINY.loss))
    x, state, out = jnp.asarray(x0), tx.init(jnp.asarray(x0)), []
    for t in range(steps):
        idx = batch_indices(seed, t, batch, data.n_train)
        updates, state = tx.update(grad(x, data.x_train[idx], data.y_train[idx]), state, x)
        x = optax.apply_updates(x, updates)
        out.append(np.asarray(x))
    return np.stack(out)


def test_the_network_offers_every_optimizer_but_the_hessian_ones() -> None:
    assert "newton" not in HESSIAN_FREE
    assert set(HESSIAN_FREE) == {k for k, s in optimizers.REGISTRY.items() if not s.needs_hessian}
    with pytest.raises(ValueError, match="Hessian"):
        train(TINY, OptimizerRun.build("newton"), initial_weights(TINY), epochs=1)


@pytest.mark.parametrize("key", HESSIAN_FREE)
def test_matches_optax_step_for_step(key: str, small: Digits) -> None:
    """Every evaluation point is one step here (evals = steps): the snapshots are x_0..x_T."""
    reference = optimizers.get(key).optax_reference
    assert reference is not None, f"{key} has no optax twin: say why in the report"
    settings = dict(reference.check_with)
    batch, epochs, seed = 16, 2, 3
    steps = epochs * (small.n_train // batch)
    x0 = initial_weights(TINY, "xavier", seed=1)
    ours = train(
        TINY,
        OptimizerRun.build(key, settings),
        x0,
        shuffle_seed=seed,
        batch_size=batch,
        epochs=epochs,
        evals=steps,
        snapshots=True,
        data=small,
    )
    assert ours.diverged_at == NO_STEP
    np.testing.assert_array_equal(ours.steps, np.arange(steps + 1))
    np.testing.assert_array_equal(ours.weights[0], x0)
    tx = reference.make({k: np.float32(v) for k, v in settings.items()})
    ref = optax_reference_path(tx, x0, small, seed, batch, steps)
    # Adagrad's first step on a coordinate is lr * g / (|g| + eps) with eps ~ 0: a full step of
    # lr even where g is a rounding residue of a cancelling sum (1.8e-9 on one weight here), so
    # which way and how far such a weight moves depends on float32 rounding, and the gap spreads
    # through the network. Measured gap: 0.005 after 12 steps of lr 0.3, against 1e-6 for the rest.
    atol = 0.05 * settings["lr"] if key == "adagrad" else 2e-6
    np.testing.assert_allclose(ours.weights[1:], ref, rtol=2e-5, atol=atol, err_msg=key)
    ref_loss = [TINY.loss(w, small.x_train, small.y_train) for w in ref]
    np.testing.assert_allclose(ours.train_loss[1:], ref_loss, rtol=1e-3 if key == "adagrad" else 1e-5)
    np.testing.assert_array_equal(ours.final, ours.weights[-1])


def _optax_chain(key: str, mode: str, lr, clip: float, wd: float, hypers: dict) -> optax.GradientTransformation:
    """The engine's order (optimizers/options.py), written in optax: clip, [L2], rule, [decoupled], scaled lr."""
    if key == "sgd":
        rule = optax.identity()
    else:
        rule = optax.scale_by_adam(b1=hypers["beta1"], b2=hypers["beta2"], eps=hypers["eps"])
    decay = optax.add_decayed_weights(wd)
    if mode == "l2":
        return optax.chain(optax.clip_by_global_norm(clip), decay, rule, optax.scale_by_learning_rate(lr))
    return optax.chain(optax.clip_by_global_norm(clip), rule, decay, optax.scale_by_learning_rate(lr))


@pytest.mark.parametrize("mode", ["l2", "decoupled"])
@pytest.mark.parametrize("key", ["sgd", "adam"])
def test_options_match_an_optax_chain_step_for_step(key: str, mode: str, small: Digits) -> None:
    """Clipping, weight decay (either mode) and a cosine schedule, as the training page passes them."""
    batch, epochs, seed, clip, wd = 16, 2, 5, 0.3, 0.05
    steps = epochs * (small.n_train // batch)
    hypers = {"beta1": 0.8, "beta2": 0.99, "eps": 1e-3} if key == "adam" else {}
    lr = 0.5 if key == "sgd" else 0.03
    settings = {
        "lr": lr,
        **hypers,
        "weight_decay": wd,
        "wd_mode": mode,
        "clip_norm": clip,
        "schedule": "cosine",
        "final_lr_ratio": 0.2,
    }
    x0 = initial_weights(TINY, "xavier", seed=2)
    ours = train(
        TINY,
        OptimizerRun.build(key, settings),
        x0,
        shuffle_seed=seed,
        batch_size=batch,
        epochs=epochs,
        evals=steps,
        snapshots=True,
        data=small,
    )
    assert ours.diverged_at == NO_STEP
    schedule = optax.cosine_decay_schedule(lr, decay_steps=steps, alpha=0.2)
    tx = _optax_chain(key, mode, schedule, clip, wd, hypers)
    ref = optax_reference_path(tx, x0, small, seed, batch, steps)
    np.testing.assert_allclose(ours.weights[1:], ref, rtol=2e-5, atol=2e-6, err_msg=f"{key} {mode}")
    # The options really act here: clipping cuts the first gradient, and the run differs from a plain one.
    idx = batch_indices(seed, 0, batch, small.n_train)
    first = jax.grad(TINY.loss)(jnp.asarray(x0), small.x_train[idx], small.y_train[idx])
    assert float(jnp.linalg.norm(first)) > clip
    plain = train(
        TINY,
        OptimizerRun.build(key, {"lr": lr, **hypers}),
        x0,
        shuffle_seed=seed,
        batch_size=batch,
        epochs=epochs,
        evals=steps,
        snapshots=True,
        data=small,
    )
    assert np.max(np.abs(plain.weights[-1] - ours.weights[-1])) > 1e-3


def test_an_exact_step_count_stops_part_way_through_an_epoch(small: Digits) -> None:
    """steps=9 at 6 batches an epoch: one whole epoch, then the first 3 batches of the next (as optax does them)."""
    batch, seed, steps = 16, 4, 9
    x0 = initial_weights(TINY, "xavier", seed=3)
    ours = train(
        TINY,
        OptimizerRun.build("sgd", {"lr": 0.2}),
        x0,
        shuffle_seed=seed,
        batch_size=batch,
        epochs=40,
        steps=steps,
        evals=steps,
        snapshots=True,
        data=small,
    )
    np.testing.assert_array_equal(ours.steps, np.arange(steps + 1))
    ref = optax_reference_path(optax.sgd(0.2), x0, small, seed, batch, steps)
    np.testing.assert_allclose(ours.weights[1:], ref, rtol=2e-5, atol=2e-6)


def test_batches_cover_every_image_once_per_epoch_and_reshuffle() -> None:
    n, batch = 96, 16
    per_epoch = n // batch
    epoch0 = np.concatenate([batch_indices(7, t, batch, n) for t in range(per_epoch)])
    epoch1 = np.concatenate([batch_indices(7, t, batch, n) for t in range(per_epoch, 2 * per_epoch)])
    other_seed = np.concatenate([batch_indices(8, t, batch, n) for t in range(per_epoch)])
    assert sorted(epoch0) == list(range(n)) and sorted(epoch1) == list(range(n))
    assert not np.array_equal(epoch0, epoch1)
    assert not np.array_equal(epoch0, other_seed)
    # batch 20 does not divide 96: 4 full batches, 16 images sit out the epoch
    assert len(np.unique(np.concatenate([batch_indices(7, t, 20, n) for t in range(4)]))) == 80


def test_full_batch_is_one_step_per_epoch_on_the_whole_set(small: Digits) -> None:
    run = OptimizerRun.build("sgd", {"lr": 0.1})
    x0 = initial_weights(TINY, seed=2)
    r = train(TINY, run, x0, batch_size=10_000, epochs=3, evals=3, snapshots=True, data=small)
    assert r.steps_per_epoch == 1 and list(r.steps) == [0, 1, 2, 3]
    x = jnp.asarray(x0)
    for _ in range(3):
        x = x - 0.1 * jax.grad(TINY.loss)(x, small.x_train, small.y_train)
    np.testing.assert_allclose(r.final, x, rtol=1e-5, atol=1e-6)


def test_records_match_the_network_at_the_snapshots(small: Digits) -> None:
    r = train(
        TINY,
        OptimizerRun.build("adam", {"lr": 0.02}),
        initial_weights(TINY, seed=0),
        batch_size=16,
        epochs=4,
        evals=6,
        snapshots=True,
        data=small,
    )
    for i, w in enumerate(r.weights):
        np.testing.assert_allclose(r.train_loss[i], TINY.loss(w, small.x_train, small.y_train), rtol=1e-5)
        np.testing.assert_allclose(r.test_loss[i], TINY.loss(w, small.x_test, small.y_test), rtol=1e-5)
        assert r.test_acc[i] == pytest.approx(float(TINY.accuracy(w, small.x_test, small.y_test)))
        g = jax.grad(TINY.loss)(w, small.x_train, small.y_train)
        norms = [np.sqrt(np.sum(np.square(g[ws])) + np.sum(np.square(g[bs]))) for ws, bs in TINY.slices()]
        np.testing.assert_allclose(r.grad_norms[i], norms, rtol=1e-4)
    assert r.train_loss[-1] < r.train_loss[0]


def test_vmapped_runs_equal_single_runs(small: Digits) -> None:
    runs = [OptimizerRun.build("momentum", {"lr": lr}) for lr in (0.05, 0.2)]
    inits = np.stack([initial_weights(TINY, seed=s) for s in (0, 1)])
    many = train_many(TINY, runs, inits, [4, 5], batch_size=16, epochs=2, evals=4, data=small)
    for run, x0, seed, got in zip(runs, inits, [4, 5], many, strict=True):
        one = train(TINY, run, x0, shuffle_seed=seed, batch_size=16, epochs=2, evals=4, data=small)
        np.testing.assert_allclose(got.final, one.final, rtol=1e-6, atol=1e-7)
    assert not np.allclose(many[0].final, many[1].final)


def test_the_shuffle_seed_and_the_init_seed_are_separate(small: Digits) -> None:
    run = OptimizerRun.build("sgd", {"lr": 0.3})
    a = train(TINY, run, initial_weights(TINY, seed=0), shuffle_seed=0, batch_size=16, epochs=1, data=small)
    b = train(TINY, run, initial_weights(TINY, seed=0), shuffle_seed=1, batch_size=16, epochs=1, data=small)
    c = train(TINY, run, initial_weights(TINY, seed=1), shuffle_seed=0, batch_size=16, epochs=1, data=small)
    assert not np.array_equal(a.final, b.final) and not np.array_equal(a.final, c.final)
    np.testing.assert_array_equal(a.weights, None)


def test_a_diverged_run_is_reported_and_holds_no_nan(small: Digits) -> None:
    """Coupled L2 decay with lr * lambda = 10 multiplies the weights by about -9 per step: overflow."""
    run = OptimizerRun.build("sgd", {"lr": 10.0, "weight_decay": 1.0, "wd_mode": "l2"})
    r = train(
        TINY,
        run,
        initial_weights(TINY, seed=0),
        batch_size=16,
        epochs=30,
        evals=30,
        snapshots=True,
        data=small,
    )
    assert r.diverged and r.diverged_at > 0
    assert r.valid < len(r.steps)
    for values in (r.train_loss, r.test_loss, r.train_acc, r.test_acc, r.grad_norms, r.weights, r.final):
        assert np.all(np.isfinite(values))
    # from the divergence on, the records repeat the last finite ones
    assert np.all(r.train_loss[r.valid :] == r.train_loss[r.valid - 1])


def test_default_training_reaches_high_test_accuracy() -> None:
    """The pages' default: Adam, lr 0.01, batch 64, 10 epochs on a 64-32-10 tanh network."""
    net = MLP((64, 32, 10))
    r = train(net, OptimizerRun.build("adam", {"lr": 0.01}), initial_weights(net, seed=0), epochs=10)
    assert r.test_acc[-1] > 0.93
    assert r.test_acc[0] < 0.3


@pytest.mark.parametrize(
    ("key", "activation", "width"), [("sgd", "tanh", 16), ("adam", "tanh", 16), ("adam", "relu", 12)]
)
def test_symmetric_start_keeps_hidden_units_equal_to_the_last_bit(key: str, activation: str, width: int) -> None:
    """Bit-for-bit equality, with the network written plainly (``h @ W + b``, autodiff for the gradient).

    Why it can hold: every hidden unit's numbers come from the same float operations on equal
    inputs in the same order (its column of ``X @ W1`` is the same dot product as unit 0's, its
    share of the backward pass likewise), and the optimizers act elementwise. XLA's CPU matmul
    reduces each output element over the shared axis in one order for all elements, which kept
    the units equal for widths 8, 12, 32 and 128, tanh and ReLU, SGD and Adam (checked by hand);
    this test guards it, a width that is not a multiple of the vector width included.
    """
    net = MLP((64, width, 10), activation)
    x0 = initial_weights(net, "symmetric", seed=3)
    assert hidden_spread(net, x0)[0] == 0.0
    run = OptimizerRun.build(key, {"lr": 0.1 if key == "sgd" else 0.01})
    r = train(net, run, x0, batch_size=32, epochs=8, evals=40, snapshots=True)
    assert r.steps[-1] == 8 * (digits().n_train // 32) and not r.diverged
    for w in r.weights:
        w_in = w[net.slices()[0][0]].reshape(64, width)
        w_out = w[net.slices()[1][0]].reshape(width, 10)
        b_in = w[net.slices()[0][1]]
        for j in range(1, width):
            assert np.array_equal(w_in[:, j], w_in[:, 0])
            assert np.array_equal(w_out[j], w_out[0])
            assert b_in[j] == b_in[0]
    assert not np.array_equal(r.weights[-1], r.weights[0])  # it did move


def test_xavier_scale_and_schemes() -> None:
    net = MLP((64, 200, 10))
    x = initial_weights(net, "xavier", seed=0)
    (w1, b1), (w2, b2) = net.slices()
    assert np.std(x[w1]) == pytest.approx(xavier_std(64, 200), rel=0.05)
    assert np.std(x[w2]) == pytest.approx(xavier_std(200, 10), rel=0.1)
    assert np.all(x[b1] == 0) and np.all(x[b2] == 0)
    small = initial_weights(net, "scaled", seed=0, scale=0.01)
    np.testing.assert_allclose(small, 0.01 * x, rtol=1e-6)
    assert hidden_spread(net, x)[0] > 0
    assert set(SCHEMES) == {"xavier", "scaled", "symmetric"}
    with pytest.raises(ValueError, match="scheme"):
        initial_weights(net, "he")
    with pytest.raises(ValueError, match="scale"):
        initial_weights(net, "scaled", scale=1e6)


def test_squared_norm_is_the_sum_of_squares_at_any_length() -> None:
    assert float(squared_norm(jnp.asarray([3.0, 4.0]))) == 25.0
    assert float(squared_norm(jnp.asarray([1.0, 2.0, 2.0]))) == 9.0
    assert float(squared_norm(jnp.ones(1000))) == 1000.0
