"""The simulation engine: API, divergence, minibatches, batching, compilation, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes
from engine.config import OptimizerRun
from engine.minibatch import batch_weights
from engine.simulate import TABLE, _compiled, bucket, resolve_landscape, simulate, simulate_many


def test_single_optimizer_by_name():
    (run,) = simulate("rosenbrock", "adam", {"lr": 0.01}, start=(-1.5, 2.0), steps=200)
    assert run.path.shape == (201, 2) and run.loss.shape == (201,)
    assert run.grad.shape == run.update.shape == run.velocity.shape == (200, 2)
    assert run.lr.shape == run.effective_lr.shape == (200,)
    assert run.path.dtype == np.float32
    np.testing.assert_allclose(run.path[0], (-1.5, 2.0))
    np.testing.assert_allclose(run.path[1:] - run.path[:-1], run.update, rtol=1e-5, atol=1e-6)
    f = landscapes.get("rosenbrock").loss_function()
    np.testing.assert_allclose(
        run.loss[[0, 50, 200]], [float(f(jnp.asarray(run.path[i]))) for i in (0, 50, 200)], rtol=1e-5
    )
    np.testing.assert_allclose(run.grad[0], np.asarray(jax.grad(f)(jnp.asarray([-1.5, 2.0]))), rtol=1e-6)
    assert run.loss[-1] < run.loss[0]


def test_sgd_matches_hand_loop_and_lr_is_scheduled():
    f = landscapes.get("rosenbrock").loss_function()
    x = jnp.asarray([-1.0, 1.0], jnp.float32)
    expected = [np.asarray(x)]
    for _ in range(50):
        x = x - jnp.float32(1e-3) * jax.grad(f)(x)
        expected.append(np.asarray(x))
    (run,) = simulate("rosenbrock", "sgd", {"lr": 1e-3}, start=(-1.0, 1.0), steps=50)
    np.testing.assert_allclose(run.path, np.stack(expected), rtol=1e-6, atol=1e-7)
    (cos,) = simulate("rosenbrock", "sgd", {"lr": 1e-3, "schedule": "cosine"}, start=(-1.0, 1.0), steps=50)
    assert cos.lr[0] == pytest.approx(1e-3) and cos.lr[-1] < 1e-5


def test_divergence_is_reported_and_path_stays_finite():
    (run,) = simulate("rosenbrock", "sgd", {"lr": 0.05}, start=(-1.5, 2.0), steps=100)
    assert run.diverged_at is not None and 1 <= run.diverged_at <= 100
    assert np.all(np.isfinite(run.path)) and np.all(np.isfinite(run.loss))
    frozen = run.path[run.diverged_at - 1]
    assert np.all(run.path[run.diverged_at :] == frozen)
    assert np.all(np.abs(run.path[: run.diverged_at]) < resolve_landscape("rosenbrock").bound)
    (calm,) = simulate("rosenbrock", "sgd", {"lr": 1e-4}, start=(-1.5, 2.0), steps=100)
    assert calm.diverged_at is None


def test_every_per_step_column_stays_finite_after_divergence_even_without_the_compiler():
    """The table's masking must not rely on XLA: op by op, NaN * 0 would still be NaN."""
    with jax.disable_jit():
        (run,) = simulate("rosenbrock", "sgd", {"lr": 0.1}, start=(-1.5, 2.0), steps=20)
    assert run.diverged_at is not None
    for name in ("path", "loss", "grad", "update", "velocity", "lr", "effective_lr"):
        assert np.all(np.isfinite(getattr(run, name))), name
    assert np.all(run.grad[run.diverged_at :] == 0) and np.all(run.update[run.diverged_at - 1 :] == 0)


@pytest.mark.parametrize("keep_paths", [False, True])
def test_a_start_outside_the_bound_diverges_at_0_with_the_same_finite_loss_in_both_engines(keep_paths):
    land = resolve_landscape("bowl")
    outside = (land.bound * 1.5, 0.0)
    batch = simulate_many(land, "sgd", starts=[outside, (1.0, 1.0)], steps=50, keep_paths=keep_paths)
    (single,) = simulate(land, "sgd", start=outside, steps=50)
    assert batch.diverged_at[0] == 0 and single.diverged_at == 0 and batch.diverged_at[1] == -1
    assert batch.final_loss[0] == single.loss[-1] == 0.0, "no good point, so no loss to report"
    np.testing.assert_array_equal(batch.final[0], outside)
    if keep_paths:
        np.testing.assert_array_equal(batch.losses[0], single.loss)


def test_first_hit_is_first_step_within_tolerance():
    (run,) = simulate("rosenbrock", "adam", {"lr": 0.05}, start=(-1.5, 2.0), steps=2000, tol=0.05)
    assert run.first_hit is not None
    distances = np.linalg.norm(run.path - np.array([1.0, 1.0]), axis=1)
    assert distances[run.first_hit] <= 0.05 and np.all(distances[: run.first_hit] > 0.05)


def test_steps_pad_to_buckets_and_never_recompile_on_values():
    land = resolve_landscape("rosenbrock")
    fn = _compiled(land, "adam", bucket(300), TABLE)
    before = fn._cache_size()
    for lr, start, steps, seed, a in [
        (0.01, (-1.5, 2.0), 300, 0, 1.0),
        (0.1, (0.5, 0.5), 260, 7, 1.2),
        (1, (1, 1), 499, 3, 0.8),
    ]:
        simulate(land, "adam", {"lr": lr, "beta1": 0.5}, start=start, steps=steps, seed=seed, landscape_params={"a": a})
    simulate(land, "adam", {"lr": 0.02, "schedule": "warmup_cosine", "clip_norm": 3, "wd_mode": "decoupled"}, steps=400)
    assert fn._cache_size() == max(before, 1)


def test_many_runs_match_single_runs():
    lrs = np.geomspace(1e-4, 3e-3, 6)
    batch = simulate_many("rosenbrock", "momentum", hyper_grid={"lr": lrs}, steps=300, keep_paths=True)
    for i, lr in enumerate(lrs):
        (single,) = simulate("rosenbrock", "momentum", {"lr": lr}, steps=300)
        np.testing.assert_allclose(batch.paths[i], single.path, rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(batch.final[i], single.path[-1], rtol=2e-5, atol=2e-6)
    starts = np.array([[-1.5, 2.0], [0.0, 0.0], [1.5, 2.5]], np.float32)
    grid = simulate_many("rosenbrock", "sgd", starts=starts, steps=100)
    for i, s in enumerate(starts):
        (single,) = simulate("rosenbrock", "sgd", start=s, steps=100)
        np.testing.assert_allclose(grid.final[i], single.path[-1], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("batch", [1, 3, 32, 100, 256])
def test_every_example_used_once_per_epoch(batch):
    n = 256
    key = jax.random.key(11)
    per_epoch = -(-n // batch)
    for epoch in range(2):
        weights = np.stack([np.asarray(batch_weights(key, epoch * per_epoch + k, batch, n)) for k in range(per_epoch)])
        assert np.all(weights.sum(axis=0) == 1), "each example exactly once per epoch"
        sizes = weights.sum(axis=1)
        assert np.all(sizes[:-1] == batch) and sizes[-1] == n - batch * (per_epoch - 1)
    first = np.asarray(batch_weights(key, 0, batch, n))
    second_epoch = np.asarray(batch_weights(key, per_epoch, batch, n))
    if batch < n:
        assert not np.array_equal(first, second_epoch), "reshuffled every epoch"


def _full_batch_gd(lr: float, start, steps: int):
    land = landscapes.get("minibatch")
    f = land.loss_function()
    x = jnp.asarray(start, jnp.float32)
    out = [np.asarray(x)]
    for _ in range(steps):
        x = x - jnp.float32(lr) * jax.grad(f)(x)
        out.append(np.asarray(x))
    return np.stack(out)


def test_full_batch_is_gradient_descent_and_seeds_matter():
    land = landscapes.get("minibatch")
    n = land.data(land.resolve()).size
    start = land.starts[0]
    (full,) = simulate(land, "sgd", {"lr": 0.05}, start=start, steps=40, batch_size=n, seed=3)
    np.testing.assert_allclose(full.path, _full_batch_gd(0.05, start, 40), rtol=1e-6, atol=1e-7)
    (other_seed,) = simulate(land, "sgd", {"lr": 0.05}, start=start, steps=40, batch_size=n, seed=9)
    np.testing.assert_array_equal(full.path, other_seed.path)
    a, b, c = (simulate(land, "sgd", {"lr": 0.05}, start=start, steps=40, batch_size=8, seed=s)[0] for s in (1, 1, 2))
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.allclose(a.path, c.path)
    assert not np.allclose(a.path, full.path)


def test_seed_batches_vmap_like_single_runs():
    land = landscapes.get("minibatch")
    seeds = np.arange(5)
    many = simulate_many(land, "sgd", seeds=seeds, batch_size=16, steps=60)
    for s in seeds:
        (single,) = simulate(land, "sgd", seed=int(s), batch_size=16, steps=60)
        np.testing.assert_allclose(many.final[s], single.path[-1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"landscape": "nope"}, "landscape"),
        ({"optimizers": "nope"}, "optimizer"),
        ({"hypers": {"lr": 100.0}}, "adam.lr"),
        ({"hypers": {"lr": float("nan")}}, "adam.lr"),
        ({"hypers": {"volume": 1.0}}, "volume"),
        ({"hypers": {"schedule": "sometimes"}}, "schedule"),
        ({"start": (float("inf"), 0.0)}, "start"),
        ({"start": (1.0,)}, "start"),
        ({"steps": 0}, "steps"),
        ({"steps": 5001}, "steps"),
        ({"seed": -1}, "seed"),
        ({"landscape_params": {"a": 99}}, "rosenbrock.a"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = {"landscape": "rosenbrock", "optimizers": "adam", "hypers": {"lr": 0.01}, "start": (0.0, 0.0), "steps": 10}
    args.update(kwargs)
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        simulate(args.pop("landscape"), args.pop("optimizers"), args.pop("hypers"), **args)


@pytest.mark.parametrize(
    "grid, bad",
    [
        ({"lr": [0.01, 0.02, 50.0, 0.03]}, r"momentum\.lr must be in \[.*\], got 50\.0"),
        ({"lr": [0.01, float("nan")]}, r"momentum\.lr must be in .*got nan"),
        ({"lr": [0.01, 0.02], "momentum": [0.5, -0.5]}, r"momentum\.momentum must be in .*got -0\.5"),
    ],
)
def test_a_sweep_value_out_of_range_is_named(grid, bad):
    with pytest.raises(ValueError, match=bad):
        simulate_many("bowl", "momentum", hyper_grid=grid, steps=10)


@pytest.mark.parametrize("batch_size", [0, 257, 2.5])
def test_batch_size_outside_data_is_rejected(batch_size):
    with pytest.raises(ValueError, match=r"batch_size.*\[1, 256\]"):
        simulate("minibatch", "sgd", steps=10, batch_size=batch_size)


def test_run_settings_round_trip():
    run = OptimizerRun.build("sgd", {"lr": 0.3, "schedule": "step", "weight_decay": 0.1}, label="fast")
    again = OptimizerRun.build(run.key, run.settings(), label=run.label)
    assert again == run


def test_any_equally_deep_minimum_counts_as_arrival():
    land = landscapes.get("himmelblau")
    minima = land.minima(land.resolve())
    assert len(minima) == 4
    starts = np.array([[3.5, 3.5], [-3.5, 3.5], [-3.5, -3.5], [3.5, -3.5]], np.float32)
    batch = simulate_many(land, ("adam", {"lr": 0.05}), starts=starts, steps=1000, keep_paths=True)
    ends = {int(np.argmin(np.linalg.norm(np.asarray(minima) - f, axis=1))) for f in batch.final}
    assert len(ends) >= 3, "the runs settle in different, equally deep minima"
    assert np.all(batch.first_hit >= 0)


def test_displayed_option_lines_follow_the_settings():
    from optimizers import get
    from optimizers.options import Choices, step_latex

    plain = step_latex(get("sgd"), Choices(), {"lr": 0.1, "weight_decay": 0.0, "clip_norm": 0.0})
    assert plain[0] == r"g_t = \nabla f(x_t)" and len(plain) == 2
    data = step_latex(get("sgd"), Choices(), {"lr": 0.1}, minibatch=True)
    assert "minibatch" in data[0]
    newton_l2 = step_latex(get("newton"), Choices(wd_mode="l2"), {"lr": 1.0, "weight_decay": 0.5})
    assert any("H_t \\leftarrow" in line and "0.5" in line for line in newton_l2), "the Hessian gets +lambda I under L2"
    decoupled = step_latex(get("newton"), Choices(wd_mode="decoupled"), {"lr": 1.0, "weight_decay": 0.5})
    assert not any("H_t \\leftarrow" in line for line in decoupled)


def test_only_the_engines_compile_function_calls_jax_jit():
    """Every compiled program goes through engine.compile_cache.jit_for (which keeps a visitor's formula off disk)."""
    root = Path(__file__).resolve().parent.parent
    app_code = [p for folder in APP_FOLDERS for p in (root / folder).rglob("*.py")] + [root / "app.py"]
    callers = sorted(str(p.relative_to(root)) for p in app_code if JIT_CALL.search(p.read_text()))
    assert callers == ["engine/compile_cache.py"]


APP_FOLDERS = ("charts", "core", "engine", "landscapes", "optimizers", "pages", "ui")
JIT_CALL = re.compile(r"jax\.jit\(|@jax\.jit|partial\(jax\.jit|from jax import[^\n]*\bjit\b")


def test_inputs_per_step_replace_the_data_at_every_step():
    """Clean copies reproduce the plain run; doubled inputs change every step's gradient."""
    land = landscapes.get("train_val")
    data = land.data(land.resolve())
    clean = np.broadcast_to(data.inputs, (2, 50, *data.inputs.shape))
    batch = simulate_many(land, ("sgd", {"lr": 0.1}), inputs_per_step=clean, steps=50, keep_paths=True)
    (plain,) = simulate(land, ("sgd", {"lr": 0.1}), start=land.starts[0], steps=50)
    np.testing.assert_allclose(batch.paths[0], plain.path, rtol=1e-6, atol=1e-7)
    doubled = simulate_many(land, ("sgd", {"lr": 0.1}), inputs_per_step=2 * clean[:1], steps=50, keep_paths=True)
    (first_step,) = simulate(land, ("sgd", {"lr": 0.1}), start=land.starts[0], steps=1)
    assert not np.allclose(doubled.paths[0, 1], first_step.path[1])
    with pytest.raises(ValueError, match="inputs_per_step"):
        simulate_many(land, "sgd", inputs_per_step=clean[:, :10], steps=50)
    with pytest.raises(ValueError, match="inputs_per_step needs a data-set landscape"):
        simulate_many("bowl", "sgd", inputs_per_step=clean, steps=50)
