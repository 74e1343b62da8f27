"""Learning-rate schedules side by side: one optimizer, five schedules, one engine call per run.

The five runs differ only in their ``schedule`` choice (see
:mod:`optimizers.schedules`, each checked against its optax counterpart); every
other setting, the start, the steps and the minibatch seed are shared, so any
difference between the paths is the schedule's doing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

import landscapes
from engine.config import OptimizerRun
from engine.scenario import Scenario
from engine.simulate import Trajectory, best_loss, simulate
from engine.summary import summary_rows, summary_table
from optimizers.schedules import SCHEDULES, scheduled_lr

LANDSCAPES = ("rosenbrock", "bowl", "himmelblau", "minibatch")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
SCHEDULE_LABELS = {
    "constant": "constant",
    "step": "step decay",
    "exponential": "exponential",
    "cosine": "cosine",
    "warmup_cosine": "warm-up + cosine",
}
SCHEDULE_SETTINGS = ("decay_every", "decay_rate", "warmup_steps", "final_lr_ratio")
"""The shared options that shape the schedules (each applies to the schedules that use it)."""


@dataclass(frozen=True)
class ScheduleStudy:
    """The five runs (constant, step, exponential, cosine, warm-up + cosine, in that order)."""

    landscape: str
    values: Mapping[str, float]
    runs: tuple[OptimizerRun, ...]
    trajectories: tuple[Trajectory, ...]
    best: float | None
    start: tuple[float, float]
    steps: int
    batch_size: int | None


def schedule_runs(key: str, lr: float, settings: Mapping[str, float]) -> tuple[OptimizerRun, ...]:
    """One :class:`OptimizerRun` per schedule, labelled by schedule, with the same lr and schedule settings."""
    unknown = set(settings) - set(SCHEDULE_SETTINGS)
    if unknown:
        raise ValueError(f"unknown schedule settings {sorted(unknown)}; known: {list(SCHEDULE_SETTINGS)}")
    return tuple(
        OptimizerRun.build(key, {"lr": lr, **settings, "schedule": name}, label=SCHEDULE_LABELS[name])
        for name in SCHEDULES
    )


def schedule_study(
    landscape: str,
    key: str,
    lr: float,
    steps: int,
    settings: Mapping[str, float],
    batch_size: int | None = None,
    values: Mapping[str, float] | None = None,
) -> ScheduleStudy:
    """Run the five schedules from the landscape's first start (minibatch seed 0 for data-set landscapes)."""
    land = landscapes.get(landscape)
    resolved = land.resolve(values)
    data = land.data(resolved)
    size = None if data is None else int(batch_size or data.size)
    runs = schedule_runs(key, lr, settings)
    start = (float(land.starts[0][0]), float(land.starts[0][1]))
    trajectories = simulate(
        land, list(runs), start=start, steps=steps, seed=0, batch_size=size, landscape_params=resolved
    )
    return ScheduleStudy(
        landscape=landscape,
        values=resolved,
        runs=runs,
        trajectories=tuple(trajectories),
        best=best_loss(land, resolved),
        start=start,
        steps=int(steps),
        batch_size=size,
    )


def summary(study: ScheduleStudy) -> list[dict[str, str]]:
    """The Playground's summary table for the five runs, with the learning rate at the last step added."""
    land = landscapes.get(study.landscape)
    table = summary_table(summary_rows(land, study.values, study.trajectories))
    out = []
    for row, run in zip(table, study.trajectories, strict=True):
        moved = run.lr[run.lr > 0]
        last = f"{float(moved[-1]):.3g}" if len(moved) else "—"
        schedule = row.pop("optimizer")
        out.append({"schedule": schedule, "lr at the last step": last, **row})
    return out


def planned_lr(run: OptimizerRun, steps: int) -> np.ndarray:
    """The learning rate the schedule of ``run`` sets for steps 0 .. steps-1 (whether or not the run got there)."""
    hp = run.traced()
    lrs = scheduled_lr(jnp.arange(steps, dtype=jnp.int32), jnp.float32(steps), hp["lr"], hp)
    return np.asarray(lrs, np.float32)


def lr_curves(study: ScheduleStudy) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, lr used per step, planned lr per step) for each run.

    The used rates are ``Trajectory.lr`` up to the divergence step (later steps never ran);
    the planned ones cover every step, so the shape of a schedule stays visible after a blow-up.
    """
    out = []
    for spec, run in zip(study.runs, study.trajectories, strict=True):
        end = run.steps if run.diverged_at is None else run.diverged_at
        out.append((run.label, run.lr[:end], planned_lr(spec, study.steps)))
    return out


def playground_scenario(study: ScheduleStudy) -> Scenario:
    """The same five runs in the Playground (same landscape, start, steps, batch size, seed 0)."""
    return Scenario(
        landscape=study.landscape,
        landscape_params=dict(study.values),
        runs=study.runs,
        start=study.start,
        steps=study.steps,
        seed=0,
        batch_size=study.batch_size,
    )
