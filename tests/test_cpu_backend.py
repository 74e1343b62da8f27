"""The CPU backend set-up the engine's speed relies on: small-loop compilation and one device per core."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import landscapes
from core import cpu_backend
from engine import sharding
from engine.simulate import simulate, simulate_many


def test_small_loop_option_is_added_once_and_a_users_own_setting_wins():
    env: dict[str, str] = {"XLA_FLAGS": "--xla_cpu_enable_fast_math=false"}
    flags = cpu_backend.configure_xla_flags(env)
    assert flags.startswith("--xla_cpu_enable_fast_math=false ")
    assert f"xla_cpu_small_while_loop_byte_threshold={cpu_backend.SMALL_LOOP_BYTES}" in flags
    assert cpu_backend.configure_xla_flags(env) == flags
    own = {"XLA_FLAGS": "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=99"}
    assert cpu_backend.configure_xla_flags(own) == own["XLA_FLAGS"]


@pytest.mark.skipif(len(jax.devices()) < 2, reason="one CPU device: nothing to spread over")
def test_a_large_batch_is_spread_over_the_devices_and_matches_single_runs():
    runs = sharding.MIN_RUNS + 1  # odd: one padding row with two devices
    spread_seeds, shared = sharding.spread((0, None), (np.arange(runs, dtype=np.int32), np.zeros(3)), runs)
    assert len(spread_seeds) == runs + (-runs) % len(jax.devices()), "padded to a multiple of the devices"
    assert len(spread_seeds.sharding.device_set) == len(jax.devices())
    assert isinstance(shared, np.ndarray), "a field shared by every run stays as it is"
    mb = landscapes.get("minibatch")
    batch = simulate_many(mb, ("sgd", {"lr": 0.05}), seeds=np.arange(runs), batch_size=8, steps=60, keep_paths=True)
    assert batch.paths.shape == (runs, 61, 2) and batch.final.shape == (runs, 2)
    for seed in (0, 1, runs - 1):
        (single,) = simulate(mb, ("sgd", {"lr": 0.05}), seed=seed, batch_size=8, steps=60)
        np.testing.assert_allclose(batch.paths[seed], single.path, rtol=2e-5, atol=2e-6)
