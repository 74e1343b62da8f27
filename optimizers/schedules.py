"""Learning-rate schedules as pure functions of a traced step count.

All five are computed from traced numbers and one is picked by a traced index, so
switching schedule or moving one of its sliders never recompiles. Each matches the
optax schedule named beside it (checked in ``tests/test_schedules.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "cosine", "warmup_cosine")
"""Schedule names; the position in this tuple is the traced code the engine uses."""

SCHEDULE_LATEX: dict[str, str] = {
    "constant": r"\eta_t = \eta",
    "step": r"\eta_t = \eta\,\gamma^{\lfloor t / s \rfloor}",
    "exponential": r"\eta_t = \eta\,\gamma^{t / s}",
    "cosine": r"\eta_t = \eta\left[\alpha + (1-\alpha)\tfrac{1}{2}\left(1 + \cos\tfrac{\pi t}{T}\right)\right]",
    "warmup_cosine": (
        r"\eta_t = \begin{cases} \eta\, t / w & t < w \\ "
        r"\eta\left[\alpha + (1-\alpha)\tfrac{1}{2}\left(1 + \cos\tfrac{\pi (t-w)}{T-w}\right)\right]"
        r" & t \ge w\end{cases}"
    ),
}


def scheduled_lr(t: jax.Array, total: jax.Array, lr: jax.Array, opts: Mapping[str, jax.Array]) -> jax.Array:
    """Learning rate for update number ``t`` (0-based; scalar or array) of a ``total``-step run.

    ``opts`` holds traced floats: ``schedule`` (index into :data:`SCHEDULES`),
    ``decay_every`` (s), ``decay_rate`` (gamma), ``warmup_steps`` (w) and
    ``final_lr_ratio`` (alpha). Optax equivalents: ``optax.constant_schedule``,
    ``optax.exponential_decay(staircase=True)``, ``optax.exponential_decay``,
    ``optax.cosine_decay_schedule(alpha=alpha)`` and
    ``optax.warmup_cosine_decay_schedule(0, lr, w, T, alpha * lr)``.
    """
    t = jnp.asarray(t, jnp.float32)
    total = jnp.maximum(jnp.asarray(total, jnp.float32), 1.0)
    every = jnp.maximum(opts["decay_every"], 1.0)
    rate = opts["decay_rate"]
    alpha = opts["final_lr_ratio"]
    warm = jnp.clip(opts["warmup_steps"], 0.0, total)

    def cosine(progress: jax.Array) -> jax.Array:
        progress = jnp.clip(progress, 0.0, 1.0)
        return alpha + (1.0 - alpha) * 0.5 * (1.0 + jnp.cos(jnp.pi * progress))

    index = jnp.clip(opts["schedule"].astype(jnp.int32), 0, len(SCHEDULES) - 1)
    branches = (
        lambda: jnp.ones_like(t),
        lambda: rate ** jnp.floor(t / every),
        lambda: rate ** (t / every),
        lambda: cosine(t / total),
        lambda: jnp.where(t < warm, t / jnp.maximum(warm, 1.0), cosine((t - warm) / jnp.maximum(total - warm, 1.0))),
    )
    return lr * jax.lax.switch(index, branches)
