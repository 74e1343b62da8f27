"""Hyperparameter phase diagrams and start-point maps: many runs of one optimizer, one vmapped call.

A *sweep* runs one optimizer on one landscape over a grid of cells. On a
hyperparameter map each cell is a pair of settings (two axes of the optimizer's
own hyperparameters or shared options, log or linear each); on a start-point map
each cell is a start point. Every map is a single :func:`engine.simulate.simulate_many`
call, and a cell can be re-run on its own with :func:`engine.simulate.simulate`
(same settings, same start, same steps) to draw its path.
The convergence theory drawn over bowl maps is :mod:`engine.bowl_theory`; the values
the Sweeps page's range sliders offer are :mod:`ui.sweep_ranges`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.i18n import translator
from core.param import Param
from engine.config import OptimizerRun, all_params
from engine.scenario import Scenario
from engine.simulate import (
    Batch,
    Trajectory,
    best_loss,
    default_tolerance,
    resolve_landscape,
    simulate,
    simulate_many,
)
from landscapes.base import Landscape

_ = translator("app")

MAX_CELLS = 128
"""Largest number of cells along one axis of a map."""
MAX_SWEEP_STEPS = 2000
SWEEP_OPTIONS = ("weight_decay", "clip_norm")
"""Shared options that may be an axis (schedule settings are left out: the sweep keeps lr constant)."""
LOSS_FLOOR = 1e-12
"""Loss gaps below this are drawn as this (float32 cannot resolve much smaller gaps anyway)."""
METRICS = ("loss", "arrival", "diverged")
"""Hyperparameter-map metrics: log10 final loss gap, first step near the best minimum, divergence step."""
START_METRICS = ("basin", "arrival", "loss")
"""Start-point-map metrics: which minimum the run ends in, first arrival step, final loss gap."""
COUNTERPARTS = {"momentum": "beta1", "beta1": "momentum"}
"""Axes that play the same role in two optimizers (the decay of the gradient average), for compare mode."""
BASIN_ELSEWHERE = -1
BASIN_DIVERGED = -2


# ----------------------------------------------------------------------------- axes


@dataclass(frozen=True)
class SweepAxis:
    """One axis of a hyperparameter map: a setting name, its range and its spacing."""

    name: str
    low: float
    high: float
    log: bool

    def values(self, cells: int) -> np.ndarray:
        """The ``cells`` cell centres (float64), ``low`` and ``high`` included; log- or evenly spaced."""
        if cells == 1:
            return np.array([self.low])
        if self.log:
            return np.geomspace(self.low, self.high, cells)
        return np.linspace(self.low, self.high, cells)

    def to_plot(self, values: Any) -> np.ndarray:
        """Where values sit on the drawn axis: their log10 on a log axis (so cells are equally wide)."""
        values = np.asarray(values, np.float64)
        return np.log10(values) if self.log else values

    def from_plot(self, coords: Any) -> np.ndarray:
        """Axis values of drawn positions (the inverse of :meth:`to_plot`)."""
        coords = np.asarray(coords, np.float64)
        return 10.0**coords if self.log else coords

    def label(self, symbol: str | None = None) -> str:
        """Axis title, e.g. ``lr (log scale)``."""
        return f"{symbol or self.name}" + (" (" + _("log scale") + ")" if self.log else "")


def sweepable(key: str) -> list[str]:
    """Names that can be an axis for optimizer ``key``: its own hyperparameters, then weight decay and clipping."""
    run = OptimizerRun.build(key)
    return [p.name for p in run.spec.hypers if not p.integer] + list(SWEEP_OPTIONS)


def param_of(key: str, name: str) -> Param:
    """The :class:`core.param.Param` of setting ``name`` of optimizer ``key`` (``ValueError`` if unknown)."""
    params = all_params(OptimizerRun.build(key).spec)
    if name not in params:
        raise ValueError(f"{key} has no setting {name!r}; known: {sorted(params)}")
    return params[name]


def default_axis(key: str, name: str) -> SweepAxis:
    """A sensible default range for sweeping ``name`` of optimizer ``key``."""
    param = param_of(key, name)
    if name == "lr":
        return SweepAxis(name, 1e-3, min(10.0, param.high), True)
    if name == "clip_norm":
        return SweepAxis(name, 0.01, 100.0, True)
    if param.log:
        return SweepAxis(name, max(param.low, param.high * 1e-10), param.high, True)
    if param.high < 1.0 and param.low == 0.0:
        # Decay rates (momentum, betas, rho): the interesting part is below 0.99.
        return SweepAxis(name, 0.0, min(param.high, 0.99), False)
    return SweepAxis(name, param.low, param.high, False)


def default_y(key: str) -> str:
    """The second axis a map of ``key`` starts with: its first hyperparameter after lr (not eps), else weight decay."""
    for name in sweepable(key):
        if name not in ("lr", "eps"):
            return name
    return "weight_decay"


def make_axis(key: str, name: str, low: float, high: float, log: bool) -> SweepAxis:
    """A validated axis: ``name`` is a sweepable setting of ``key`` and ``low < high`` lie in its range.

    A log axis needs ``low > 0``. Raises ``ValueError`` naming the field and its allowed range.
    """
    if name not in sweepable(key):
        raise ValueError(f"{key} cannot sweep {name!r}; choose one of {sweepable(key)}")
    param = param_of(key, name)
    low = param.validate(low, key)
    high = param.validate(high, key)
    if not low < high:
        raise ValueError(f"{key}.{name}: the range needs low < high, got [{low:g}, {high:g}]")
    if log and low <= 0:
        raise ValueError(f"{key}.{name}: a log axis needs a positive low end, got {low:g}")
    return SweepAxis(name, float(low), float(high), bool(log))


def counterpart_axis(key: str, axis: SweepAxis) -> SweepAxis:
    """The axis a second optimizer ``key`` uses in compare mode for ``axis`` of the first.

    The same setting if ``key`` has it, else its counterpart (momentum <-> beta1, both the
    decay of the running gradient average), with the same range clipped to the setting's
    allowed range; failing both, ``key``'s default second axis.
    """
    names = sweepable(key)
    name = axis.name if axis.name in names else COUNTERPARTS.get(axis.name)
    if name in names:
        param = param_of(key, name)
        low, high = max(axis.low, param.low), min(axis.high, param.high)
        if low < high and (not axis.log or low > 0):
            return SweepAxis(name, low, high, axis.log)
        return default_axis(key, name)
    return default_axis(key, default_y(key))


def compare_axes(key: str, x: SweepAxis, y: SweepAxis) -> tuple[SweepAxis, SweepAxis]:
    """The (x, y) axes of the second optimizer ``key`` in compare mode (see :func:`counterpart_axis`).

    If both would land on the same setting, the y axis moves to the next setting ``key`` can sweep.
    """
    xb, yb = counterpart_axis(key, x), counterpart_axis(key, y)
    if xb.name == yb.name:
        other = next(n for n in sweepable(key) if n != xb.name)
        yb = default_axis(key, other)
    return xb, yb


def nearest_cell(
    xs: np.ndarray, ys: np.ndarray, x: SweepAxis, y: SweepAxis, point: tuple[float, float]
) -> tuple[int, int] | None:
    """The (row, col) whose centre is nearest ``point`` (axis values), or None if it lies off the map.

    "Off the map" means more than half a cell beyond the first or last centre on either axis,
    measured on the drawn scale (log10 on a log axis).
    """
    found = []
    for axis, centres, value in ((y, ys, point[1]), (x, xs, point[0])):
        if axis.log and value <= 0:
            return None
        scale = np.log10 if axis.log else (lambda v: v)
        coords = scale(np.asarray(centres, np.float64))
        where = float(scale(float(value)))
        half = abs(coords[-1] - coords[0]) / (len(coords) - 1) / 2 if len(coords) > 1 else 0.5
        if where < coords.min() - half - 1e-12 or where > coords.max() + half + 1e-12:
            return None
        found.append(int(np.argmin(np.abs(coords - where))))
    return found[0], found[1]


# ----------------------------------------------------------------------------- hyperparameter maps


@dataclass(frozen=True)
class SweepMap:
    """The result of a hyperparameter sweep; arrays are indexed ``[row (y), column (x)]``.

    ``final`` (ny, nx, 2) and ``final_loss`` (ny, nx) are the last good point and its loss;
    ``first_hit`` and ``diverged_at`` (ny, nx) use -1 for never. ``reference`` is the loss
    the gap is measured from (the best known minimum, or the lowest loss on the map).
    """

    landscape: str
    landscape_params: Mapping[str, float]
    optimizer: str
    settings: Mapping[str, Any]
    x: SweepAxis
    y: SweepAxis
    xs: np.ndarray
    ys: np.ndarray
    start: tuple[float, float]
    steps: int
    batch_size: int | None
    final: np.ndarray
    final_loss: np.ndarray
    first_hit: np.ndarray
    diverged_at: np.ndarray
    reference: float

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) = (y cells, x cells)."""
        return (len(self.ys), len(self.xs))

    def metric(self, name: str) -> np.ndarray:
        """The (ny, nx) float map of metric ``name`` (see :data:`METRICS`), NaN where it does not apply.

        ``loss``: log10 of the final loss above the reference (NaN for diverged runs);
        ``arrival``: first step within tolerance of the best minimum (NaN if never);
        ``diverged``: the step the run left the map (NaN if it never did).
        """
        return _metric(name, self.final_loss, self.reference, self.first_hit, self.diverged_at)

    def cell_settings(self, row: int, col: int) -> dict[str, Any]:
        """The full optimizer settings of cell (row, col): the fixed ones plus both axis values."""
        return {**self.settings, self.x.name: float(self.xs[col]), self.y.name: float(self.ys[row])}

    def _cell(self, row: int, col: int) -> tuple[Any, ...]:
        """Everything that defines cell (row, col) as a single run, in ``run_cell``'s argument order."""
        return (
            self.landscape,
            self.landscape_params,
            self.optimizer,
            self.cell_settings(row, col),
            self.start,
            self.steps,
            self.batch_size,
        )

    def cell_run(self, row: int, col: int) -> Trajectory:
        """Re-run cell (row, col) alone with :func:`engine.simulate.simulate` (its path, for drawing)."""
        return run_cell(*self._cell(row, col))

    def cell_scenario(self, row: int, col: int) -> Scenario:
        """The Playground scenario of cell (row, col)."""
        return cell_scenario(*self._cell(row, col))

    def best_cell(self) -> tuple[int, int]:
        """The cell that first came near the best minimum (ties: lower final loss); else the lowest final loss."""
        return _best_cell(self.final_loss, self.first_hit, self.diverged_at)


def _metric(
    name: str, final_loss: np.ndarray, reference: float, first_hit: np.ndarray, diverged_at: np.ndarray
) -> np.ndarray:
    if name == "loss":
        gap = np.maximum(final_loss.astype(np.float64) - reference, LOSS_FLOOR)
        return np.where(diverged_at < 0, np.log10(gap), np.nan)
    if name == "arrival":
        return np.where(first_hit >= 0, first_hit, np.nan).astype(np.float64)
    if name == "diverged":
        return np.where(diverged_at >= 0, diverged_at, np.nan).astype(np.float64)
    raise ValueError(f"metric must be one of {list(METRICS)}, got {name!r}")


def _best_cell(final_loss: np.ndarray, first_hit: np.ndarray, diverged_at: np.ndarray) -> tuple[int, int]:
    # Earliest arrival first; among equals (or if nothing arrived) the lowest final loss; diverged runs last.
    arrival = np.where((first_hit >= 0) & (diverged_at < 0), first_hit, np.iinfo(np.int32).max).ravel()
    loss = np.where(diverged_at < 0, final_loss.astype(np.float64), np.inf).ravel()
    index = int(np.lexsort((loss, arrival))[0])
    row, col = np.unravel_index(index, final_loss.shape)
    return int(row), int(col)


def _check_cells(cells: int, field: str) -> int:
    if isinstance(cells, bool) or not isinstance(cells, (int, np.integer)) or not (2 <= cells <= MAX_CELLS):
        raise ValueError(f"{field} must be a whole number in [2, {MAX_CELLS}], got {cells!r}")
    return int(cells)


def _check_sweep_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not (1 <= steps <= MAX_SWEEP_STEPS):
        raise ValueError(f"steps must be a whole number in [1, {MAX_SWEEP_STEPS}], got {steps!r}")
    return int(steps)


def _reference(land: Landscape, values: Mapping[str, float], final_loss: np.ndarray, diverged: np.ndarray) -> float:
    known = best_loss(land, values)
    if known is not None:
        return float(known)
    finite = final_loss[(diverged < 0) & np.isfinite(final_loss)]
    return float(finite.min()) if finite.size else 0.0


def _grid_outcome(batch: Batch, shape: tuple[int, int], land: Landscape, values: Mapping[str, float]) -> dict[str, Any]:
    """The per-cell results of ``batch`` reshaped to the map's ``shape``, and the reference loss (map fields)."""
    diverged = batch.diverged_at.reshape(shape)
    final_loss = batch.final_loss.reshape(shape)
    return {
        "final": batch.final.reshape((*shape, 2)),
        "final_loss": final_loss,
        "first_hit": batch.first_hit.reshape(shape),
        "diverged_at": diverged,
        "reference": _reference(land, values, final_loss, diverged),
    }


def hyper_sweep(
    landscape: str,
    landscape_params: Mapping[str, float] | None,
    optimizer: str,
    settings: Mapping[str, Any],
    x: SweepAxis,
    y: SweepAxis,
    nx: int,
    ny: int,
    *,
    start: Sequence[float] | None = None,
    steps: int = 300,
    batch_size: int | None = None,
) -> SweepMap:
    """Run ``optimizer`` on every cell of the (x, y) grid in one vmapped call.

    ``settings`` fixes every other setting (validated by :class:`engine.config.OptimizerRun`);
    the axes must name two different settings (build them with :func:`make_axis`).
    ``start`` defaults to the landscape's first start; data-set landscapes use the full
    batch unless ``batch_size`` says otherwise (seed 0).
    """
    if x.name == y.name:
        raise ValueError(f"the two axes must be different settings, got {x.name!r} twice")
    nx, ny = _check_cells(nx, "nx"), _check_cells(ny, "ny")
    steps = _check_sweep_steps(steps)
    land = resolve_landscape(landscape)
    values = land.resolve(landscape_params)
    run = OptimizerRun.build(optimizer, settings)
    x = make_axis(optimizer, x.name, x.low, x.high, x.log)
    y = make_axis(optimizer, y.name, y.low, y.high, y.log)
    start_pt = tuple(float(v) for v in (land.starts[0] if start is None else start))
    xs, ys = x.values(nx), y.values(ny)
    gx, gy = np.meshgrid(xs, ys)
    batch: Batch = simulate_many(
        land,
        run,
        starts=start_pt,
        hyper_grid={x.name: gx.ravel(), y.name: gy.ravel()},
        batch_size=batch_size,
        steps=steps,
        landscape_params=values,
    )
    return SweepMap(
        landscape=land.key,
        landscape_params=values,
        optimizer=optimizer,
        settings=dict(run.settings()),
        x=x,
        y=y,
        xs=xs,
        ys=ys,
        start=start_pt,  # type: ignore[arg-type]
        steps=steps,
        batch_size=batch_size,
        **_grid_outcome(batch, (ny, nx), land, values),
    )


def run_cell(
    landscape: str,
    landscape_params: Mapping[str, float],
    optimizer: str,
    settings: Mapping[str, Any],
    start: Sequence[float],
    steps: int,
    batch_size: int | None = None,
) -> Trajectory:
    """One cell's run as a direct :func:`engine.simulate.simulate` call (seed 0, like the sweep)."""
    (trajectory,) = simulate(
        landscape,
        (optimizer, dict(settings)),
        start=tuple(start),
        steps=steps,
        batch_size=batch_size,
        landscape_params=landscape_params,
    )
    return trajectory


def cell_scenario(
    landscape: str,
    landscape_params: Mapping[str, float],
    optimizer: str,
    settings: Mapping[str, Any],
    start: Sequence[float],
    steps: int,
    batch_size: int | None = None,
) -> Scenario:
    """A Playground :class:`engine.scenario.Scenario` that reproduces one cell's run exactly."""
    land = resolve_landscape(landscape)
    values = land.resolve(landscape_params)
    data = land.data(values)
    return Scenario(
        landscape=land.key,
        landscape_params=values,
        runs=(OptimizerRun.build(optimizer, settings),),
        start=(float(start[0]), float(start[1])),
        steps=int(steps),
        seed=0,
        batch_size=None if data is None else int(batch_size or data.size),
    )


def cell_from_click(
    point: Mapping[str, Any], xs: np.ndarray, ys: np.ndarray, x: SweepAxis, y: SweepAxis
) -> tuple[int, int] | None:
    """The (row, col) of the cell under a clicked marker, from a Plotly selection point; None if unusable.

    The point's ``x`` and ``y`` are drawn positions (log10 on a log axis); the nearest cell
    centre wins, and a point off the map gives None.
    """
    try:
        px, py = float(point["x"]), float(point["y"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(px) and math.isfinite(py)):
        return None
    return nearest_cell(xs, ys, x, y, (float(x.from_plot(px)), float(y.from_plot(py))))


# ----------------------------------------------------------------------------- start-point maps


@dataclass(frozen=True)
class StartMap:
    """A start-point sweep: one run per start on an n x n grid over the landscape's domain.

    ``xs``/``ys`` are the cell centres; ``basin`` (n, n) is the index into ``minima`` of
    the known minimum a run ended within tolerance of, :data:`BASIN_ELSEWHERE` if it
    ended near none, :data:`BASIN_DIVERGED` if it left the map.
    """

    landscape: str
    landscape_params: Mapping[str, float]
    optimizer: str
    settings: Mapping[str, Any]
    xs: np.ndarray
    ys: np.ndarray
    steps: int
    batch_size: int | None
    minima: tuple[tuple[float, float], ...]
    final: np.ndarray
    final_loss: np.ndarray
    first_hit: np.ndarray
    diverged_at: np.ndarray
    basin: np.ndarray
    reference: float
    tolerance: float = field(default=0.0)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (len(self.ys), len(self.xs))

    def metric(self, name: str) -> np.ndarray:
        """The (n, n) float map of metric ``name`` (see :data:`START_METRICS`), NaN where it does not apply."""
        if name == "basin":
            return np.where(self.basin >= 0, self.basin, np.nan).astype(np.float64)
        return _metric(name, self.final_loss, self.reference, self.first_hit, self.diverged_at)

    @property
    def axes(self) -> tuple[SweepAxis, SweepAxis]:
        """Linear x and y axes through the cell centres (to find the cell under a click or a point)."""
        return (
            SweepAxis("x", float(self.xs[0]), float(self.xs[-1]), False),
            SweepAxis("y", float(self.ys[0]), float(self.ys[-1]), False),
        )

    def cell_start(self, row: int, col: int) -> tuple[float, float]:
        """The start point of cell (row, col)."""
        return (float(self.xs[col]), float(self.ys[row]))

    def cell_run(self, row: int, col: int) -> Trajectory:
        """Re-run cell (row, col) alone with :func:`engine.simulate.simulate`."""
        return run_cell(
            self.landscape,
            self.landscape_params,
            self.optimizer,
            self.settings,
            self.cell_start(row, col),
            self.steps,
            self.batch_size,
        )

    def cell_scenario(self, row: int, col: int) -> Scenario:
        """The Playground scenario of cell (row, col)."""
        return cell_scenario(
            self.landscape,
            self.landscape_params,
            self.optimizer,
            self.settings,
            self.cell_start(row, col),
            self.steps,
            self.batch_size,
        )

    def best_cell(self) -> tuple[int, int]:
        """The start that first came near the best minimum (ties: lower final loss); else the lowest final loss."""
        return _best_cell(self.final_loss, self.first_hit, self.diverged_at)


def cell_centres(low: float, high: float, cells: int) -> np.ndarray:
    """Centres of ``cells`` equal cells tiling [low, high] (so the map covers the domain exactly)."""
    width = (high - low) / cells
    return low + width * (np.arange(cells) + 0.5)


def basins(final: np.ndarray, diverged: np.ndarray, minima: Sequence[Sequence[float]], tol: float) -> np.ndarray:
    """Per run: index of the known minimum within ``tol`` of its last point, else -1; -2 if it diverged."""
    final = np.asarray(final, np.float64).reshape(-1, 2)
    pts = np.asarray(minima, np.float64).reshape(-1, 2)
    out = np.full(final.shape[0], BASIN_ELSEWHERE, np.int32)
    if len(pts):
        dist = np.linalg.norm(final[:, None, :] - pts[None, :, :], axis=-1)
        nearest = np.argmin(dist, axis=1)
        near = dist[np.arange(len(final)), nearest] <= tol
        out = np.where(near, nearest, BASIN_ELSEWHERE).astype(np.int32)
    return np.where(np.asarray(diverged).reshape(-1) >= 0, BASIN_DIVERGED, out).astype(np.int32)


def start_sweep(
    landscape: str,
    landscape_params: Mapping[str, float] | None,
    optimizer: str,
    settings: Mapping[str, Any],
    cells: int,
    *,
    steps: int = 300,
    batch_size: int | None = None,
) -> StartMap:
    """Run ``optimizer`` from every start of a ``cells`` x ``cells`` grid over the domain, in one vmapped call."""
    cells = _check_cells(cells, "cells")
    steps = _check_sweep_steps(steps)
    land = resolve_landscape(landscape)
    values = land.resolve(landscape_params)
    run = OptimizerRun.build(optimizer, settings)
    (x0, x1), (y0, y1) = land.domain
    xs, ys = cell_centres(x0, x1, cells), cell_centres(y0, y1, cells)
    gx, gy = np.meshgrid(xs, ys)
    batch = simulate_many(
        land,
        run,
        starts=np.stack([gx.ravel(), gy.ravel()], axis=1),
        batch_size=batch_size,
        steps=steps,
        landscape_params=values,
    )
    shape = (cells, cells)
    minima = tuple((float(a), float(b)) for a, b in land.minima(values))
    tol = default_tolerance(land)
    return StartMap(
        landscape=land.key,
        landscape_params=values,
        optimizer=optimizer,
        settings=dict(run.settings()),
        xs=xs,
        ys=ys,
        steps=steps,
        batch_size=batch_size,
        minima=minima,
        basin=basins(batch.final, batch.diverged_at, minima, tol).reshape(shape),
        tolerance=tol,
        **_grid_outcome(batch, shape, land, values),
    )
