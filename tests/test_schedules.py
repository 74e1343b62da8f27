"""The engine's learning-rate schedules against optax's, at every step of a run.

``scheduled_lr`` gets its settings as the engine does (``OptimizerRun.build(...).traced()``,
float32) and is compiled once for every case: the schedule's name and numbers are all
traced. optax's schedule is evaluated in float32 too, with the same (float32) numbers.
Tolerance: rtol 1e-5, plus an absolute 1e-7 * lr (one float32 ulp of the peak rate) for
the tail of a cosine decaying to zero, where 1 + cos(pi t / T) cancels and both sides
keep only a few significant bits.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from engine.config import OptimizerRun
from optimizers.schedules import SCHEDULES, scheduled_lr

MAX_T = 256
"""Length of the step array handed to the schedule (one compiled shape for every case)."""


@jax.jit
def _schedule(t: jax.Array, total: jax.Array, lr: jax.Array, opts: dict[str, jax.Array]) -> jax.Array:
    """:func:`scheduled_lr`, jitted under its own name (so its compile count is this file's alone)."""
    return scheduled_lr(t, total, lr, opts)


def f32(value: float) -> float:
    """``value`` rounded to float32, as the engine traces it."""
    return float(np.float32(value))


def ours(total: int, settings: dict[str, object]) -> np.ndarray:
    """The engine's learning rate at steps 0..total of a ``total``-step run."""
    hp = OptimizerRun.build("sgd", settings).traced()
    lrs = _schedule(jnp.arange(MAX_T, dtype=jnp.int32), jnp.float32(total), hp["lr"], hp)
    return np.asarray(lrs)[: total + 1]


def reference(schedule: Callable[[jax.Array], jax.Array], total: int) -> np.ndarray:
    """optax's schedule at steps 0..total (``constant_schedule`` returns a scalar: broadcast it)."""
    values = np.asarray(schedule(jnp.arange(total + 1, dtype=jnp.int32)), np.float32)
    return np.broadcast_to(values, (total + 1,))


def assert_schedule(actual: np.ndarray, expected: np.ndarray, lr: float, what: str) -> None:
    """Every step equal to rtol 1e-5 (see the module docstring for the absolute slack)."""
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-7 * lr, err_msg=what)


LRS = (0.1, 0.037, 2.5)
TOTALS = (100, 37, 250)


@pytest.mark.parametrize("lr", LRS)
def test_constant(lr: float) -> None:
    for total in TOTALS:
        expected = reference(optax.constant_schedule(f32(lr)), total)
        assert_schedule(ours(total, {"lr": lr}), expected, lr, f"constant lr={lr} T={total}")


@pytest.mark.parametrize("staircase", [True, False])
def test_step_and_exponential(staircase: bool) -> None:
    name = "step" if staircase else "exponential"
    for lr in LRS:
        for every, rate in [(10, 0.5), (7, 0.9), (1, 0.97), (33, 0.1), (100, 0.5)]:
            for total in TOTALS:
                actual = ours(total, {"lr": lr, "schedule": name, "decay_every": every, "decay_rate": rate})
                schedule = optax.exponential_decay(f32(lr), every, f32(rate), staircase=staircase)
                assert_schedule(actual, reference(schedule, total), lr, f"{name} lr={lr} s={every} gamma={rate}")
    if staircase:  # the staircase really is one: constant within a period, a jump at its end
        lrs = ours(100, {"lr": 1.0, "schedule": "step", "decay_every": 10, "decay_rate": 0.5})
        assert np.all(lrs[:10] == 1.0) and np.all(lrs[10:20] == 0.5) and lrs[100] == 0.5**10


def test_cosine() -> None:
    for lr in LRS:
        for alpha in (0.0, 0.1, 0.5, 1.0):
            for total in TOTALS:
                actual = ours(total, {"lr": lr, "schedule": "cosine", "final_lr_ratio": alpha})
                schedule = optax.cosine_decay_schedule(f32(lr), total, alpha=f32(alpha))
                assert_schedule(actual, reference(schedule, total), lr, f"cosine lr={lr} alpha={alpha} T={total}")


def test_warmup_cosine() -> None:
    for lr in LRS:
        for alpha in (0.0, 0.2):
            for total in TOTALS:
                for warmup in (0, 1, 10, total // 2, total - 1):
                    settings = {"lr": lr, "schedule": "warmup_cosine", "final_lr_ratio": alpha, "warmup_steps": warmup}
                    schedule = optax.warmup_cosine_decay_schedule(0.0, f32(lr), warmup, total, f32(alpha) * f32(lr))
                    assert_schedule(
                        ours(total, settings),
                        reference(schedule, total),
                        lr,
                        f"warmup_cosine lr={lr} alpha={alpha} w={warmup} T={total}",
                    )


def test_schedule_codes_and_single_compilation() -> None:
    """The traced code is the position in SCHEDULES; no case above needed a second compile."""
    assert SCHEDULES == ("constant", "step", "exponential", "cosine", "warmup_cosine")
    for code, name in enumerate(SCHEDULES):
        assert float(OptimizerRun.build("sgd", {"schedule": name}).traced()["schedule"]) == code
    ours(100, {"lr": 0.1, "schedule": "cosine"})
    ours(37, {"lr": 0.2, "schedule": "step", "decay_every": 3})
    assert _schedule._cache_size() == 1
