"""Learning-rate schedules side by side: one optimizer, five schedules, one engine call per run.

The five runs differ only in their ``schedule`` choice (see
:mod:`optimizers.schedules`, each checked against its optax counterpart); every
other setting, the start, the steps and the minibatch seed are shared, so any
difference between the paths is the schedule's doing. On a data-set landscape one
seed could be lucky, so the final losses are also compared over :data:`SEEDS`
minibatch seeds (same compiled runner, the seed is a traced input).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

import landscapes
from core.i18n import N_, translator
from engine.config import OptimizerRun
from engine.scenario import Scenario
from engine.simulate import Trajectory, best_loss, simulate
from engine.summary import NEVER, summary_rows, summary_table
from optimizers.schedules import SCHEDULES, scheduled_lr

LANDSCAPES = ("rosenbrock", "bowl", "himmelblau", "minibatch")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
_ = translator("lessons_hard")

SCHEDULE_LABELS = {
    "constant": N_("constant"),
    "step": N_("step decay"),
    "exponential": N_("exponential"),
    "cosine": N_("cosine"),
    "warmup_cosine": N_("warm-up + cosine"),
}
SCHEDULE_SETTINGS = ("decay_every", "decay_rate", "warmup_steps", "final_lr_ratio")
"""The shared options that shape the schedules (each applies to the schedules that use it)."""
SEEDS = 5
"""Minibatch seeds 0 .. SEEDS-1 whose final losses are averaged (data-set landscapes only; seed 0 is drawn)."""


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
    final_gaps: np.ndarray
    """Loss above ``best`` at the last step, shape (seeds, 5): one row per minibatch seed (just seed 0 when the
    gradients are exact), one column per schedule; ``inf`` for a run that diverged."""

    @property
    def mean_final_gaps(self) -> np.ndarray:
        """Per schedule, the final loss above the best averaged over the seeds (``inf`` if any seed diverged)."""
        return self.final_gaps.mean(axis=0)


def schedule_runs(key: str, lr: float, settings: Mapping[str, float]) -> tuple[OptimizerRun, ...]:
    """One :class:`OptimizerRun` per schedule, labelled by schedule, with the same lr and schedule settings."""
    unknown = set(settings) - set(SCHEDULE_SETTINGS)
    if unknown:
        raise ValueError(f"unknown schedule settings {sorted(unknown)}; known: {list(SCHEDULE_SETTINGS)}")
    return tuple(
        OptimizerRun.build(key, {"lr": lr, **settings, "schedule": name}, label=_(SCHEDULE_LABELS[name]))
        for name in SCHEDULES
    )


def seed_count(landscape: str, batch_size: int | None, values: Mapping[str, float] | None = None) -> int:
    """How many minibatch seeds :func:`schedule_study` runs: :data:`SEEDS` when minibatches are drawn, else 1."""
    land = landscapes.get(landscape)
    data = land.data(land.resolve(values))
    return SEEDS if data is not None and batch_size is not None and batch_size < data.size else 1


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
    best = best_loss(land, resolved)
    floor = 0.0 if best is None else best
    gaps = [_final_gaps(trajectories, floor)]
    for seed in range(1, seed_count(landscape, size, resolved)):
        more = simulate(
            land, list(runs), start=start, steps=steps, seed=seed, batch_size=size, landscape_params=resolved
        )
        gaps.append(_final_gaps(more, floor))
    return ScheduleStudy(
        landscape=landscape,
        values=resolved,
        runs=runs,
        trajectories=tuple(trajectories),
        best=best,
        start=start,
        steps=int(steps),
        batch_size=size,
        final_gaps=np.array(gaps, np.float64),
    )


def _final_gaps(trajectories: list[Trajectory], best: float) -> list[float]:
    """Each run's last loss above ``best`` (``inf`` for a run that diverged)."""
    return [np.inf if t.diverged_at is not None else float(t.loss[-1]) - best for t in trajectories]


def outcome(study: ScheduleStudy) -> str:
    """What the runs show, in words: each schedule's final loss above the best, and how constant η compares.

    On a data-set landscape the numbers are means over :data:`SEEDS` minibatch seeds, so
    the comparison does not rest on one lucky draw of minibatches.
    """
    labels = [run.label for run in study.trajectories]
    seeds = study.final_gaps.shape[0]
    noisy = seeds > 1
    what = _("loss above the best possible at the last step") if study.best is not None else _("loss at the last step")
    if noisy:
        what = _("{what}, mean over minibatch seeds 0–{last}").format(what=what, last=seeds - 1)
    listed = "; ".join(f"{label} {_gap_text(column)}" for label, column in zip(labels, study.final_gaps.T, strict=True))
    gaps = study.mean_final_gaps
    constant, decays = gaps[0], gaps[1:]
    survived = [label for label, gap in zip(labels[1:], decays, strict=True) if np.isfinite(gap)]
    if not np.isfinite(constant):
        if len(survived) == len(decays):
            verdict = _("Constant η diverged; every decaying schedule survived.")
        elif survived:
            verdict = _("Constant η diverged; only {names} survived.").format(names=_join(survived))
        else:
            verdict = _("Every schedule diverged: the peak rate is too large for this surface.")
    else:
        below = [label for label, gap in zip(labels[1:], decays, strict=True) if gap < constant]
        if len(below) == len(decays):
            worst = float(np.max(decays))
            ratio = constant / worst if worst > 0 else np.inf
            if np.isfinite(ratio) and ratio >= 2:
                verdict = (
                    _(
                        "Every decaying schedule ends below constant η, the highest of them {ratio}× lower: "
                        "constant η keeps bouncing at its noise floor."
                    )
                    if noisy
                    else _("Every decaying schedule ends below constant η, the highest of them {ratio}× lower.")
                ).format(ratio=f"{ratio:.0f}")
            else:
                verdict = (
                    _("Every decaying schedule ends below constant η: constant η keeps bouncing at its noise floor.")
                    if noisy
                    else _("Every decaying schedule ends below constant η.")
                )
        elif not below:
            verdict = _("Constant η ends lowest here.")
        else:
            verdict = (
                _("Only {names} ends below constant η here.")
                if len(below) == 1
                else _("Only {names} end below constant η here.")
            ).format(names=_join(below))
    return _("**Final {what}:** {listed}. {verdict}").format(what=what, listed=listed, verdict=verdict)


def _gap_text(gaps: np.ndarray) -> str:
    """A schedule's mean final gap over the seeds ('diverged' if any seed's run diverged, saying how many)."""
    diverged = int(np.sum(~np.isfinite(gaps)))
    if diverged == len(gaps):
        return _("diverged")
    if diverged:
        return _("diverged on {count} of {seeds} seeds").format(count=diverged, seeds=len(gaps))
    return _sci(float(np.mean(gaps)))


def _sci(value: float) -> str:
    """A small positive number as 7.5e-3 (one style for every entry, so the decades line up)."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("{names} and {last}").format(names=", ".join(words[:-1]), last=words[-1])


SUMMARY_COLUMNS = {
    "final loss": N_("final loss"),
    "distance to nearest minimum": N_("distance to nearest minimum"),
    "reached best minimum at step": N_("reached best minimum at step"),
    "diverged at step": N_("diverged at step"),
}
"""The shared summary table's columns (English keys, :data:`engine.summary.COLUMNS`), shown translated here."""


def summary(study: ScheduleStudy) -> list[dict[str, str]]:
    """The Playground's summary table for the five runs, with the learning rate at the last step added."""
    land = landscapes.get(study.landscape)
    table = summary_table(summary_rows(land, study.values, study.trajectories))
    out = []
    for row, run in zip(table, study.trajectories, strict=True):
        moved = run.lr[run.lr > 0]
        last = f"{float(moved[-1]):.3g}" if len(moved) else "—"
        schedule = row.pop("optimizer")
        shown = {
            _(SUMMARY_COLUMNS.get(name, name)): _(value) if value == NEVER else value for name, value in row.items()
        }
        out.append({_("schedule"): schedule, _("lr at the last step"): last, **shown})
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
