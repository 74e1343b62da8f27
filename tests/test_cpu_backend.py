"""Packed engine arguments and the CPU backend set-up the engine's speed relies on."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes
from core import cpu_backend
from engine import sharding
from engine.packing import Packing
from engine.simulate import TABLE, _compiled, _packing, bucket, simulate, simulate_many


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


NOT_KERNELS = ("parameter", "constant", "tuple", "get-tuple-element", "bitcast")
"""Instructions that launch nothing at run time; every other top-level instruction is one kernel."""


def top_level_kernels(hlo: str) -> list[str]:
    """The instructions of the compiled program's entry computation that run as kernels."""
    entry = hlo[hlo.index("\nENTRY") :]
    entry = entry[: entry.index("\n}")]
    ops = [re.search(r" = .*?([a-z][a-z-]*)\(", line).group(1) for line in entry.splitlines()[1:] if " = " in line]
    return [op for op in ops if op not in NOT_KERNELS]


@pytest.mark.parametrize(
    ("land_key", "key", "steps"),
    [
        ("rosenbrock", "sgd", 50),
        ("rosenbrock", "adam", 1000),
        ("rosenbrock", "newton", 50),
        ("bowl", "nadam", 500),
    ],
)
def test_a_recorded_run_compiles_to_one_native_function(land_key, key, steps):
    """A Playground run on a surface is fast because XLA compiles all of it, setup and loop, into one function.

    The CPU runtime runs a program of at most 8 kernels inline; more, touching more than a
    few hundred bytes, and it spreads them over threads at a cost of tens of microseconds.
    (On a data set a step touches every example, too many bytes for native code: see
    ``engine.simulate.records_natively``.)
    """
    land = landscapes.get(land_key)
    packing = _packing(land, key, 1)
    shared, _ = packing.pack({name: np.zeros(width) if width > 1 else 1.0 for name, width in packing.shared})
    compiled = _compiled(land, key, bucket(steps), TABLE, packing).lower(shared, None, np.int32([steps, 0]), None, None)
    hlo = compiled.compile().as_text()
    kernels = top_level_kernels(hlo)
    assert "call" in kernels and 'xla_cpu_small_call="true"' in hlo
    assert len(kernels) <= 8, kernels


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
