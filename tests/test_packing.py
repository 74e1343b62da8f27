"""Packed engine arguments and the CPU backend set-up the engine's speed relies on."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes
from core import cpu_backend
from engine import sharding
from engine.packing import Packing
from engine.simulate import TABLE, _compiled, _packing, simulate, simulate_many


def test_packing_round_trips_shared_and_per_run_fields():
    packing = Packing.of({"x0": 2, "hp:lr": 1, "lp:a": 1, "target": 4}, batched={"hp:lr"})
    values = {"x0": [1.5, -2.0], "hp:lr": [0.1, 0.2, 0.3], "lp:a": 7.0, "target": np.arange(4.0).reshape(2, 2)}
    shared, per_run = packing.pack(values, runs=3)
    assert shared.dtype == per_run.dtype == np.float32
    assert shared.shape == (7,) and per_run.shape == (3, 1)
    rows = jax.vmap(lambda row: packing.unpack(jnp.asarray(shared), row))(jnp.asarray(per_run))
    np.testing.assert_array_equal(rows["hp:lr"], np.float32([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(rows["x0"][0], [1.5, -2.0])
    assert float(rows["lp:a"][2]) == 7.0
    np.testing.assert_array_equal(rows["target"][1], [0, 1, 2, 3])


def test_packing_rejects_an_unknown_batched_field():
    with pytest.raises(KeyError, match="momentum"):
        Packing.of({"hp:lr": 1}, batched={"hp:momentum"})


def test_small_loop_option_is_added_once_and_a_users_own_setting_wins():
    env: dict[str, str] = {"XLA_FLAGS": "--xla_cpu_enable_fast_math=false"}
    flags = cpu_backend.configure_xla_flags(env)
    assert flags.startswith("--xla_cpu_enable_fast_math=false ")
    assert f"xla_cpu_small_while_loop_byte_threshold={cpu_backend.SMALL_LOOP_BYTES}" in flags
    assert cpu_backend.configure_xla_flags(env) == flags
    own = {"XLA_FLAGS": "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=99"}
    assert cpu_backend.configure_xla_flags(own) == own["XLA_FLAGS"]


@pytest.mark.parametrize("key", ["sgd", "adam", "newton"])
def test_a_single_run_compiles_to_one_native_loop(key):
    """The speed of a Playground run rests on XLA compiling its whole loop as one function."""
    land = landscapes.get("rosenbrock")
    packing = _packing(land, key, 1)
    shared, _ = packing.pack({name: np.zeros(width) if width > 1 else 0.0 for name, width in packing.shared})
    text = _compiled(land, key, 100, TABLE, packing).lower(shared, None, np.int32([50, 0]), None, None).compile()
    assert 'xla_cpu_small_call="true"' in text.as_text()


@pytest.mark.skipif(len(jax.devices()) < 2, reason="one CPU device: nothing to spread over")
def test_a_large_batch_is_spread_over_the_devices_and_matches_single_runs():
    runs = sharding.MIN_RUNS + 1  # odd: one padding row with two devices
    (spread_seeds,), padding = sharding.spread([np.arange(runs, dtype=np.int32)], runs)
    assert padding == (-runs) % len(jax.devices())
    assert len(spread_seeds.sharding.device_set) == len(jax.devices())
    mb = landscapes.get("minibatch")
    batch = simulate_many(mb, ("sgd", {"lr": 0.05}), seeds=np.arange(runs), batch_size=8, steps=60, keep_paths=True)
    assert batch.paths.shape == (runs, 61, 2) and batch.final.shape == (runs, 2)
    for seed in (0, 1, runs - 1):
        (single,) = simulate(mb, ("sgd", {"lr": 0.05}), seed=seed, batch_size=8, steps=60)
        np.testing.assert_allclose(batch.paths[seed], single.path, rtol=2e-5, atol=2e-6)
