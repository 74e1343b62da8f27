"""Saddles and local minima: who escapes a saddle and when, and which minimum each start ends in.

Two computations back the saddle page. :func:`escape_study` starts several
optimizers a hair off a saddle point and reports, per optimizer, the first step
whose distance from the saddle exceeds :data:`ESCAPE_RADIUS` (the *escape step*).
:func:`basin_map` runs one optimizer from every cell of a grid of start points in
one vmapped engine call and labels each start by the minimum its run ends in
(:func:`classify`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

import landscapes
import optimizers
from core.i18n import N_, translator
from engine.config import OptimizerRun
from engine.scenario import Scenario
from engine.simulate import Trajectory, default_tolerance, simulate, simulate_many
from landscapes.base import Landscape

_ = translator("lessons_hard")

SADDLE_LANDSCAPES = ("saddle", "monkey_saddle")
ESCAPE_RADIUS = 0.5
"""A run has escaped once it is farther than this from the saddle (both surfaces' minima are ≥ 1.4 away)."""
ESCAPE_STEPS = 1000
ESCAPE_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton")
"""Every optimizer but Newton runs with the page's learning rate; Newton keeps its own (η, δ)."""
OWN_SETTINGS = ("newton",)

BASIN_LANDSCAPES = ("himmelblau", "six_hump_camel", "styblinski_tang", "rastrigin")
BASIN_STEPS = 500
RESOLUTIONS = (100, 150, 200)
NO_MINIMUM = -1
"""Class of a run that ended away from every known minimum (stalled on a slope, at a saddle or a maximum)."""
DIVERGED = -2
"""Class of a run that went non-finite or out of bounds."""
NAMED_MINIMA = 8
"""With more minima than this (Rastrigin's pits) legends and tables name only the global one."""


# ---------------------------------------------------------------- escaping a saddle


def escape_start(landscape: str, offset: float) -> tuple[float, float]:
    """The saddle point moved by ``offset`` along y (the escape direction of ``saddle``).

    Both saddle surfaces have their saddle at the origin; on the monkey saddle a
    push along y sends the run into the valley at 60°.
    """
    (sx, sy) = landscapes.get(landscape).saddles(landscapes.get(landscape).resolve())[0]
    return (float(sx), float(sy) + float(offset))


def escape_step(path: np.ndarray, saddle: Sequence[float], radius: float = ESCAPE_RADIUS) -> int | None:
    """First step whose point is farther than ``radius`` from ``saddle``, or None if none is."""
    far = np.hypot(path[:, 0] - saddle[0], path[:, 1] - saddle[1]) > radius
    return int(np.argmax(far)) if far.any() else None


def escape_runs(lr: float) -> list[OptimizerRun]:
    """The optimizers of the escape table: all at learning rate ``lr`` except those in :data:`OWN_SETTINGS`."""
    runs = []
    for key in ESCAPE_OPTIMIZERS:
        name = optimizers.get(key).name_text()  # the table's and legend's name, in the interface's language
        if key in OWN_SETTINGS:
            runs.append(OptimizerRun.build(key, label=name))
        else:
            runs.append(OptimizerRun.build(key, {"lr": lr}, label=name))
    return runs


def linear_escape_estimate(c: float, lr: float, offset: float, radius: float = ESCAPE_RADIUS) -> float:
    """GD's escape step predicted from the saddle's linearisation: ln(R/δ) / ln(1 + 2cη).

    Near the origin of ``x² - c y² + y⁴/4`` gradient descent multiplies y by
    ``1 + 2cη`` per step; the quartic term only slows the last few steps.
    """
    return math.log(radius / offset) / math.log1p(2.0 * c * lr)


@dataclass(frozen=True)
class EscapeRow:
    """One optimizer's run from the start near the saddle."""

    label: str
    settings: str
    escape: int | None
    final_distance: float
    diverged_at: int | None


@dataclass(frozen=True)
class EscapeStudy:
    """The escape table and the runs behind it."""

    landscape: str
    offset: float
    lr: float
    start: tuple[float, float]
    saddle: tuple[float, float]
    runs: tuple[Trajectory, ...]
    rows: tuple[EscapeRow, ...]
    escape_curvature: float | None
    """|λ₂|, the downward curvature at the saddle (ordinary saddle only; None on the monkey saddle)."""
    estimate: float | None
    """GD's linearised escape step ln(R/δ) / ln(1 + η|λ₂|) (None on the monkey saddle)."""
    per_decade: float | None
    """Steps the linearised estimate adds when δ shrinks tenfold: ln 10 / ln(1 + η|λ₂|)."""


SETTING_NAMES = {"lr": N_("lr"), "momentum": N_("momentum"), "damping": N_("damping")}
"""The hyperparameters the escape table lists, with their shown names (translated where shown)."""


def _settings_text(run: OptimizerRun) -> str:
    names = [p.name for p in run.spec.hypers if p.name in SETTING_NAMES]
    return ", ".join(_(SETTING_NAMES[name]) + f" = {run.values[name]:g}" for name in names)


def escape_study(landscape: str, offset: float, lr: float, steps: int = ESCAPE_STEPS) -> EscapeStudy:
    """Run :func:`escape_runs` from :func:`escape_start` and tabulate escape steps."""
    if landscape not in SADDLE_LANDSCAPES:
        raise ValueError(f"landscape must be one of {list(SADDLE_LANDSCAPES)}, got {landscape!r}")
    land = landscapes.get(landscape)
    values = land.resolve()
    sx, sy = land.saddles(values)[0]
    saddle = (float(sx), float(sy))
    start = escape_start(landscape, offset)
    runs = escape_runs(lr)
    trajectories = simulate(land, runs, start=start, steps=steps)
    rows = []
    for run, traj in zip(runs, trajectories, strict=True):
        end = traj.path[-1].astype(np.float64)
        rows.append(
            EscapeRow(
                label=run.label,
                settings=_settings_text(run),
                escape=escape_step(traj.path, saddle),
                final_distance=float(math.hypot(end[0] - saddle[0], end[1] - saddle[1])),
                diverged_at=traj.diverged_at,
            )
        )
    ordinary = landscape == "saddle"
    return EscapeStudy(
        landscape,
        offset,
        lr,
        start,
        saddle,
        tuple(trajectories),
        tuple(rows),
        escape_curvature=2.0 * values["c"] if ordinary else None,
        estimate=linear_escape_estimate(values["c"], lr, offset) if ordinary else None,
        per_decade=math.log(10.0) / math.log1p(2.0 * values["c"] * lr) if ordinary else None,
    )


# ---------------------------------------------------------------- basins of attraction


def rastrigin_pits(a: float, domain: tuple[float, float]) -> np.ndarray:
    """Every local minimum of the 1D term ``t² - A cos 2πt`` inside ``domain`` (ascending, float64).

    Newton's method on ``2t + 2πA sin 2πt = 0`` from each integer; a root counts
    when the curvature there is positive and it stayed within half a unit of its integer.
    """
    pits = []
    for k in range(math.ceil(domain[0]), math.floor(domain[1]) + 1):
        t = float(k)
        for _step in range(50):
            slope = 2.0 * t + 2.0 * math.pi * a * math.sin(2.0 * math.pi * t)
            curve = 2.0 + 4.0 * math.pi**2 * a * math.cos(2.0 * math.pi * t)
            if curve <= 0:
                break
            t -= slope / curve
        curve = 2.0 + 4.0 * math.pi**2 * a * math.cos(2.0 * math.pi * t)
        slope = 2.0 * t + 2.0 * math.pi * a * math.sin(2.0 * math.pi * t)
        if curve > 0 and abs(slope) < 1e-9 and abs(t - k) < 0.5 and domain[0] <= t <= domain[1]:
            pits.append(t)
    return np.unique(np.round(np.array(pits, np.float64), 12))


def basin_minima(landscape: Landscape, values: Mapping[str, float]) -> np.ndarray:
    """The minima a basin map colours by, shape (n, 2): the landscape's known minima, best first.

    Rastrigin lists only its global minimum, so its grid of local pits is computed
    here (:func:`rastrigin_pits` in each coordinate, the global one first).
    """
    if landscape.key == "rastrigin":
        (x0, x1), (y0, y1) = landscape.domain
        px, py = rastrigin_pits(values["A"], (x0, x1)), rastrigin_pits(values["A"], (y0, y1))
        grid = np.array([(x, y) for y in py for x in px], np.float64)
        order = np.argsort(np.hypot(grid[:, 0], grid[:, 1]), kind="stable")
        return grid[order]
    return np.asarray(landscape.minima(values), np.float64).reshape(-1, 2)


def classify(final: np.ndarray, diverged_at: np.ndarray, minima: np.ndarray, tol: float) -> np.ndarray:
    """Index of the nearest minimum within ``tol`` of each end point, :data:`NO_MINIMUM` or :data:`DIVERGED`.

    ``final`` (M, 2) are the runs' last points, ``diverged_at`` (M,) the engine's
    divergence steps (-1 for never), ``minima`` (n, 2).
    """
    final = np.asarray(final, np.float64).reshape(-1, 2)
    labels = np.full(final.shape[0], NO_MINIMUM, np.int32)
    if len(minima):
        gap = np.linalg.norm(final[:, None, :] - np.asarray(minima, np.float64)[None, :, :], axis=2)
        nearest = np.argmin(gap, axis=1)
        labels = np.where(gap[np.arange(len(final)), nearest] <= tol, nearest, NO_MINIMUM).astype(np.int32)
    return np.where(np.asarray(diverged_at) >= 0, DIVERGED, labels).astype(np.int32)


def grid_starts(landscape: Landscape, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell-centre start points over the domain: (xs, ys, starts) with starts (res², 2), row-major in y."""
    (x0, x1), (y0, y1) = landscape.domain
    dx, dy = (x1 - x0) / resolution, (y1 - y0) / resolution
    xs = np.linspace(x0 + dx / 2, x1 - dx / 2, resolution)
    ys = np.linspace(y0 + dy / 2, y1 - dy / 2, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


@dataclass(frozen=True)
class BasinMap:
    """Which minimum each grid start ends in: ``labels[i, j]`` for start ``(xs[j], ys[i])``."""

    landscape: str
    optimizer: str
    lr: float
    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    minima: np.ndarray
    tol: float

    def shares(self) -> dict[int, float]:
        """Fraction of starts per class (minimum index, :data:`NO_MINIMUM`, :data:`DIVERGED`), nonzero only."""
        values, counts = np.unique(self.labels, return_counts=True)
        return {int(v): float(c) / self.labels.size for v, c in zip(values, counts, strict=True)}


def basin_map(
    landscape: str, optimizer: str, lr: float, resolution: int = RESOLUTIONS[0], steps: int = BASIN_STEPS
) -> BasinMap:
    """Run ``optimizer`` (its defaults, with learning rate ``lr``) from every grid start in one vmapped call."""
    land = landscapes.get(landscape)
    values = land.resolve()
    xs, ys, starts = grid_starts(land, resolution)
    batch = simulate_many(land, (optimizer, {"lr": lr}), starts=starts, steps=steps)
    minima = basin_minima(land, values)
    tol = default_tolerance(land)
    labels = classify(batch.final, batch.diverged_at, minima, tol).reshape(resolution, resolution)
    return BasinMap(landscape, optimizer, lr, xs, ys, labels, minima, tol)


def class_label(index: int, minima: np.ndarray) -> str:
    """Name of a class: a minimum's coordinates, 'no minimum reached' or 'diverged'."""
    if index == NO_MINIMUM:
        return _("no minimum reached")
    if index == DIVERGED:
        return _("diverged")
    x, y = minima[index]
    return _("minimum ({x}, {y})").format(x=f"{x:.3g}", y=f"{y:.3g}")


def share_rows(maps: Sequence[BasinMap], titles: Sequence[str]) -> list[dict[str, str]]:
    """Share of starts per class, one column per map, for every class that occurs in any map.

    With more than :data:`NAMED_MINIMA` minima the non-global ones are summed into one row.
    """
    minima = maps[0].minima
    many = len(minima) > NAMED_MINIMA
    shares = []
    for bmap in maps:
        share = bmap.shares()
        if many:
            others = sum(v for c, v in share.items() if c > 0)
            share = {c: v for c, v in share.items() if c <= 0}
            if others:
                share[1] = others
        shares.append(share)
    classes = sorted({c for s in shares for c in s}, key=lambda c: (c < 0, abs(c)))

    def name(c: int) -> str:
        if many and c == 0:
            x, y = minima[0]
            return _("global minimum ({x}, {y})").format(x=f"{x:.3g}", y=f"{y:.3g}")
        return _("another local minimum") if many and c == 1 else class_label(c, minima)

    return [
        {_("ends in"): name(c), **{t: f"{100 * s.get(c, 0.0):.1f} %" for t, s in zip(titles, shares, strict=True)}}
        for c in classes
    ]


def escape_table(study: EscapeStudy) -> list[dict[str, str]]:
    """The escape rows formatted for display ('never' when a run stays inside the radius)."""
    steps = max((run.steps for run in study.runs), default=0)
    return [
        {
            _("optimizer"): row.label,
            _("settings"): row.settings,
            _("escape step (first beyond R = {radius})").format(radius=f"{ESCAPE_RADIUS:g}"): (
                _("never (in {steps} steps)").format(steps=steps) if row.escape is None else str(row.escape)
            ),
            _("distance from the saddle at the end"): f"{row.final_distance:.3g}",
            _("diverged at step"): "—" if row.diverged_at is None else str(row.diverged_at),
        }
        for row in study.rows
    ]


def escape_scenario(study: EscapeStudy) -> Scenario:
    """The escape experiment as a Playground scenario (same runs, start and steps)."""
    steps = max((run.steps for run in study.runs), default=ESCAPE_STEPS)
    return Scenario(
        landscape=study.landscape,
        landscape_params=landscapes.get(study.landscape).resolve(),
        runs=tuple(escape_runs(study.lr)),
        start=study.start,
        steps=steps,
    )


def basin_scenario(landscape: str, pairs: Sequence[tuple[str, float]], steps: int = BASIN_STEPS) -> Scenario:
    """The compared optimizers (key, lr) from the landscape's first listed start, as a Playground scenario."""
    land = landscapes.get(landscape)
    x, y = land.starts[0]
    runs = []
    for i, (key, lr) in enumerate(pairs):
        name = optimizers.get(key).name_text()
        runs.append(OptimizerRun.build(key, {"lr": lr}, label=f"{'AB'[i % 2]}: {name}, η = {lr:g}"[:40]))
    return Scenario(landscape=landscape, landscape_params=land.resolve(), runs=tuple(runs), start=(x, y), steps=steps)
