"""Cliffs and gradient clipping: the step that hits the wall, raw and clipped.

Clipping by norm replaces the gradient ``g`` with ``g · min(1, c / ‖g‖)``, so the
SGD step ``-η g`` becomes at most ``η c`` long, whatever the cliff does. With
heavy-ball momentum the buffer ``v ← β v + g`` sums clipped gradients, so its
steps are bounded by ``η c / (1 - β)`` instead. This module runs SGD (and
optionally momentum) with and without clipping on the ``cliff`` surface and finds
the step where each run meets the wall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import landscapes
from core.i18n import translator
from engine.config import OptimizerRun
from engine.scenario import Scenario
from engine.simulate import Trajectory, simulate

_ = translator("lessons_hard")

LANDSCAPE = "cliff"
STEPS = 200
MOMENTUM = 0.9
WALL_SHARE = 0.5
"""The wall step is the first whose raw gradient is at least this share of the run's largest one."""


def step_lengths(traj: Trajectory) -> np.ndarray:
    """Length of every step actually taken, ‖x_{t+1} - x_t‖ (float64)."""
    return np.hypot(traj.update[:, 0].astype(np.float64), traj.update[:, 1].astype(np.float64))


def raw_step_lengths(traj: Trajectory) -> np.ndarray:
    """Length of the step plain SGD would take from each point, η_t ‖∇f(x_t)‖ (float64)."""
    return traj.lr.astype(np.float64) * np.hypot(traj.grad[:, 0].astype(np.float64), traj.grad[:, 1])


def wall_step(traj: Trajectory, share: float = WALL_SHARE) -> int | None:
    """The step where the run hits the wall: the first raw gradient at least ``share`` × the run's largest.

    On the cliff the wall's gradient is hundreds of times the slope's, so this is
    the first step taken from the wall face; None if the run never moved.
    """
    norms = np.hypot(traj.grad[:, 0].astype(np.float64), traj.grad[:, 1].astype(np.float64))
    if not len(norms) or norms.max() <= 0:
        return None
    return int(np.argmax(norms >= share * norms.max()))


def step_bound(lr: float, clip: float, momentum: float = 0.0) -> float:
    """The longest step clipping allows: η c for SGD, η c / (1 - β) for heavy ball with momentum β."""
    return lr * clip / (1.0 - momentum)


@dataclass(frozen=True)
class WallHit:
    """One run's wall step: where it was, the raw step -η∇f and the step actually taken."""

    step: int
    point: np.ndarray
    raw: np.ndarray
    actual: np.ndarray

    @property
    def raw_length(self) -> float:
        """‖-η ∇f‖ at the wall step."""
        return float(np.hypot(*self.raw.astype(np.float64)))

    @property
    def actual_length(self) -> float:
        """‖x_{t+1} - x_t‖ at the wall step."""
        return float(np.hypot(*self.actual.astype(np.float64)))


def wall_hit(traj: Trajectory) -> WallHit | None:
    """The :class:`WallHit` of ``traj`` (None if it never moved)."""
    step = wall_step(traj)
    if step is None:
        return None
    return WallHit(step, traj.path[step], -traj.lr[step] * traj.grad[step], traj.update[step])


@dataclass(frozen=True)
class CliffStudy:
    """The page's runs (unclipped, clipped; then the same with momentum if asked) and their wall hits."""

    lr: float
    clip: float
    slope: float
    momentum: bool
    runs: tuple[Trajectory, ...]
    hits: tuple[WallHit | None, ...]
    longest: tuple[float, ...]
    """Longest step actually taken by each run."""
    bounds: tuple[float | None, ...]
    """The clipping bound on each run's steps (None for unclipped runs)."""


def cliff_runs(lr: float, clip: float, momentum: bool) -> list[OptimizerRun]:
    """SGD without and with clipping at ``clip``; with ``momentum``, heavy ball (β = 0.9) likewise."""
    runs = [
        OptimizerRun.build("sgd", {"lr": lr}, label=_("SGD, no clipping")),
        OptimizerRun.build(
            "sgd", {"lr": lr, "clip_norm": clip}, label=_("SGD, clipped at c = {clip}").format(clip=f"{clip:g}")
        ),
    ]
    if momentum:
        runs += [
            OptimizerRun.build("momentum", {"lr": lr, "momentum": MOMENTUM}, label=_("momentum, no clipping")),
            OptimizerRun.build(
                "momentum",
                {"lr": lr, "momentum": MOMENTUM, "clip_norm": clip},
                label=_("momentum, clipped at c = {clip}").format(clip=f"{clip:g}"),
            ),
        ]
    return runs


def start() -> tuple[float, float]:
    """The cliff's first listed start (on the gentle slope, left of the wall)."""
    x, y = landscapes.get(LANDSCAPE).starts[0]
    return (float(x), float(y))


def cliff_study(lr: float, clip: float, slope: float, momentum: bool = False, steps: int = STEPS) -> CliffStudy:
    """Run :func:`cliff_runs` on the cliff with wall slope ``slope`` and collect their wall hits."""
    runs = cliff_runs(lr, clip, momentum)
    trajectories = simulate(LANDSCAPE, runs, start=start(), steps=steps, landscape_params={"slope": slope})
    bounds = tuple(
        step_bound(lr, clip, run.values["momentum"] if run.key == "momentum" else 0.0)
        if run.values["clip_norm"] > 0
        else None
        for run in runs
    )
    return CliffStudy(
        lr=lr,
        clip=clip,
        slope=slope,
        momentum=momentum,
        runs=tuple(trajectories),
        hits=tuple(wall_hit(t) for t in trajectories),
        longest=tuple(float(step_lengths(t).max()) if t.steps else 0.0 for t in trajectories),
        bounds=bounds,
    )


def hit_sentences(study: CliffStudy) -> list[str]:
    """What happened at the wall, in words: the raw and clipped step lengths and the bound on every step."""
    lines = []
    raw_hit, clipped_hit = study.hits[0], study.hits[1]
    if raw_hit is not None:
        fate = (
            _("the run left the bound and diverged at step {step}").format(step=study.runs[0].diverged_at)
            if study.runs[0].diverged_at is not None
            else _("a jump of length {length}").format(length=f"{raw_hit.actual_length:.4g}")
        )
        lines.append(
            _("**Without clipping** SGD reaches the wall at step {step}: {fate}.").format(step=raw_hit.step, fate=fate)
        )
    if clipped_hit is not None:
        lines.append(
            _(
                "**With clipping at c = {clip}** SGD reaches the wall at step {step}. The raw step "
                "−η∇f there would be {raw} long; the step taken is {taken} long."
            ).format(
                clip=f"{study.clip:g}",
                step=clipped_hit.step,
                raw=f"{clipped_hit.raw_length:.4g}",
                taken=f"{clipped_hit.actual_length:.4g}",
            )
        )
    bound = study.bounds[1]
    if bound is not None:
        lines.append(
            _(
                "Longest step of the clipped SGD run: {longest}, against the bound η·c = {bound} "
                "(never longer, up to float32 rounding)."
            ).format(longest=f"{study.longest[1]:.6g}", bound=f"{bound:.6g}")
        )
    if study.momentum and study.bounds[3] is not None:
        lines.append(
            (
                _(
                    "With momentum the clipped gradients still add up in the buffer: its longest step is "
                    "{longest}, within η·c/(1 − β) = {bound} but beyond η·c."
                )
                if study.longest[3] > study.bounds[1]
                else _("With momentum the longest clipped step is {longest}, within η·c/(1 − β) = {bound}.")
            ).format(longest=f"{study.longest[3]:.4g}", bound=f"{study.bounds[3]:.4g}")
        )
    return lines


def playground_scenario(study: CliffStudy) -> Scenario:
    """The page's runs as a Playground scenario (same settings, start and steps)."""
    return Scenario(
        landscape=LANDSCAPE,
        landscape_params={"slope": study.slope},
        runs=tuple(cliff_runs(study.lr, study.clip, study.momentum)),
        start=start(),
        steps=max(run.steps for run in study.runs),
    )
