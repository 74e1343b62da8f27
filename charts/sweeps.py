"""Figures of the Sweeps page: metric heatmaps with a clickable cell layer, and a cell's path on the live map.

A log axis is drawn in log10 coordinates on a linear Plotly axis (ticks labelled in
real values), so heatmap cells, theory curves and the click layer share one frame and
cells stay equally wide. Traces :data:`CLICK_TRACES` of every heatmap figure hold a
transparent marker per cell (split by outcome, so each group has its own hover text
without a string per cell): Plotly returns no point when a heatmap is clicked, but it
does for markers, and the marker's position names the cell.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from charts.contour import axes_layout, contour_traces
from charts.encoding import typed
from charts.markers import CHECKPOINT, DIVERGED, END, REFERENCE
from charts.palette import run_colour
from charts.paths import start_trace
from charts.scale import tick_label
from core.i18n import N_, translator
from core.numbers import number_text
from engine.bowl_theory import Overlay
from engine.grid import LossGrid
from engine.simulate import Trajectory
from engine.sweeps import BASIN_DIVERGED, SweepAxis
from landscapes.base import Landscape

_ = translator("app")

CLICK_TRACES = (1, 2, 3)
"""Indices of the transparent click layers of every heatmap figure (cells that diverged, arrived, neither)."""
NAN_COLOUR = "#8c8c8c"
"""Cells a metric does not apply to (diverged on the loss map, never arrived, never diverged)."""
DIVERGED_COLOUR = "#b2182b"
ELSEWHERE_COLOUR = "#3b3b3b"
METRIC_TITLES = {
    "loss": N_("final loss − best (log10)"),
    "arrival": N_("first step near the best minimum"),
    "diverged": N_("step it diverged"),
    "basin": N_("minimum reached"),
}
MISSING_LABELS = {"loss": N_("diverged"), "arrival": N_("never arrived"), "diverged": N_("did not diverge")}
COLOURSCALES = {"loss": "Viridis", "arrival": "Cividis", "diverged": "Reds_r"}
HEIGHT = 470
SHARED_PLOT_WIDTH = 0.8
"""The share of a figure's width a map uses when two share one colour range (the rest holds the bar)."""
SHARED_BAR_AT = 0.83
"""Where that shared colour bar starts (a fraction of the figure's width)."""
MOST_COLOUR_TICKS = 6
"""A colour bar of decades shows at most this many ticks (every 1, 2, 5, 10, ... decades)."""


def plot_coords(axis: SweepAxis, values: Any) -> np.ndarray:
    """Where axis values sit on the drawn axis (see :meth:`engine.sweeps.SweepAxis.to_plot`)."""
    return axis.to_plot(values)


def axis_layout(axis: SweepAxis, values: np.ndarray, symbol: str | None = None) -> dict[str, Any]:
    """A Plotly axis spanning the cells of ``values`` (half a cell beyond the ends), real-valued tick labels."""
    coords = plot_coords(axis, values)
    half = (coords[-1] - coords[0]) / (len(coords) - 1) / 2 if len(coords) > 1 else 0.5
    layout: dict[str, Any] = {
        "range": [float(coords[0] - half), float(coords[-1] + half)],
        "title": {"text": axis.label(symbol)},
        "showgrid": False,
        "zeroline": False,
    }
    if axis.log:
        lo, hi = math.floor(coords[0] - half), math.ceil(coords[-1] + half)
        mantissas = (1.0,) if hi - lo > 2 else (1.0, 2.0, 5.0)
        ticks = [e + math.log10(m) for e in range(lo, hi + 1) for m in mantissas]
        ticks = [t for t in ticks if coords[0] - half <= t <= coords[-1] + half]
        layout.update(tickvals=ticks, ticktext=[number_text(10.0**t, 3) for t in ticks])
    return layout


def click_layers(
    gx: np.ndarray,
    gy: np.ndarray,
    custom: np.ndarray,
    first_hit: np.ndarray,
    diverged_at: np.ndarray,
    head: str,
    marker_size: float,
) -> list[dict[str, Any]]:
    """Three transparent marker layers, one marker per cell: runs that diverged, that arrived, and neither.

    ``custom`` (cells, 3) holds what ``head`` (a hovertemplate prefix) shows; the step of the
    event is appended as a fourth column, so the hover can say when it happened.
    """
    hit, div = np.ravel(first_hit), np.ravel(diverged_at)
    groups = (
        (div >= 0, div, _("diverged at step {step}").format(step="%{customdata[3]:.0f}")),
        ((div < 0) & (hit >= 0), hit, _("near the best minimum from step {step}").format(step="%{customdata[3]:.0f}")),
        ((div < 0) & (hit < 0), hit, _("never near the best minimum")),
    )
    layers = []
    click = _("click to draw its path")
    for mask, step, status in groups:
        layers.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": typed(np.ravel(gx)[mask]),
                "y": typed(np.ravel(gy)[mask]),
                "customdata": typed(np.column_stack([custom[mask], step[mask]])),
                "name": _("cells"),
                "marker": {"size": marker_size, "symbol": "square", "color": "white", "opacity": 0.0},
                "selected": {"marker": {"opacity": 0.0}},
                "unselected": {"marker": {"opacity": 0.0}},
                "hovertemplate": f"{head}<br>{status}<extra>{click}</extra>",
                "showlegend": False,
            }
        )
    return layers


def _legend_swatch(name: str, colour: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [None],
        "y": [None],
        "name": name,
        "marker": {"symbol": "square", "size": 12, "color": colour},
        "hoverinfo": "skip",
    }


def decade_ticks(lo: float, hi: float, most: int = MOST_COLOUR_TICKS) -> list[int]:
    """Whole decades (log10 values) in ``[lo, hi]``, every 1, 2, 5, 10, 20, ... decades: at most ``most`` ticks.

    The ticks sit on multiples of their spacing (-12, -8, -4, 0, not -11, -7, -3), so the
    labels are round and the same on every map with that spacing.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        return []
    spacing = 1
    for spacing in (k * 10**e for e in range(4) for k in (1, 2, 5)):
        if math.floor(hi / spacing) - math.ceil(lo / spacing) + 1 <= most:
            break
    return [k * spacing for k in range(math.ceil(lo / spacing), math.floor(hi / spacing) + 1)]


def _colourbar(metric: str, z: np.ndarray, zrange: tuple[float, float] | None) -> dict[str, Any]:
    bar: dict[str, Any] = {"title": {"text": _(METRIC_TITLES[metric]), "side": "right"}, "thickness": 12, "len": 0.85}
    if metric == "loss":
        lo, hi = zrange if zrange is not None else (np.nanmin(z), np.nanmax(z))
        ticks = decade_ticks(float(lo), float(hi))
        if ticks:
            bar.update(tickvals=ticks, ticktext=[tick_label(10.0**t) for t in ticks])
    else:
        bar["nticks"] = MOST_COLOUR_TICKS
    return bar


def sweep_figure(
    z: np.ndarray,
    x: SweepAxis,
    y: SweepAxis,
    xs: np.ndarray,
    ys: np.ndarray,
    metric: str,
    final_loss: np.ndarray,
    first_hit: np.ndarray,
    diverged_at: np.ndarray,
    *,
    overlay: Overlay | None = None,
    zrange: tuple[float, float] | None = None,
    title: str = "",
    symbols: Mapping[str, str] | None = None,
    colour_bar: bool = True,
) -> dict[str, Any]:
    """A hyperparameter map: heatmap of ``z`` (ny, nx; NaN = metric does not apply), click layer, theory overlay.

    ``zrange`` fixes the colour range: compare mode shares one between two maps drawn side by
    side, and draws its colour bar once (``colour_bar=False`` leaves it off a map). Such maps
    keep the bar's room free either way, so both plot areas have the same size.
    Hovering a cell shows both settings, the final loss and when it arrived or diverged.
    """
    symbols = dict(symbols or {})
    px, py = plot_coords(x, xs), plot_coords(y, ys)
    gx, gy = np.meshgrid(px, py)
    vx, vy = np.meshgrid(xs, ys)
    finite = z[np.isfinite(z)]
    lo, hi = zrange if zrange is not None else ((finite.min(), finite.max()) if finite.size else (0.0, 1.0))
    heat: dict[str, Any] = {
        "type": "heatmap",
        "x": typed(px),
        "y": typed(py),
        "z": typed(z),
        "zmin": float(lo),
        "zmax": float(hi) if hi > lo else float(lo) + 1.0,
        "colorscale": COLOURSCALES[metric],
        "hoverinfo": "skip",
        "name": _(METRIC_TITLES[metric]),
        "showlegend": False,
    }
    if colour_bar:
        heat["colorbar"] = _colourbar(metric, z, (float(lo), float(hi)))
        if zrange is not None:
            heat["colorbar"].update(x=SHARED_BAR_AT, xanchor="left")
    else:
        heat["showscale"] = False
    custom = np.stack([vx.ravel(), vy.ravel(), np.ravel(final_loss)], axis=1)
    xname, yname = html.escape(symbols.get(x.name, x.name)), html.escape(symbols.get(y.name, y.name))
    head = (
        f"{xname} = %{{customdata[0]:.4~g}}<br>{yname} = %{{customdata[1]:.4~g}}<br>"
        + _("final loss")
        + " = %{customdata[2]:.4~g}"
    )
    cells = max(len(xs), len(ys))
    data: list[dict[str, Any]] = [
        heat,
        *click_layers(gx, gy, custom, first_hit, diverged_at, head, max(4.0, 380.0 / cells)),
        _legend_swatch(_(MISSING_LABELS[metric]), NAN_COLOUR),
    ]
    if overlay is not None:
        for curve in overlay.curves:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": typed(plot_coords(x, curve.x)),
                    "y": typed(plot_coords(y, curve.y)),
                    "name": curve.name,
                    "line": {"color": "white", "width": 2.5, "dash": curve.dash},
                    "hoverinfo": "skip",
                }
            )
        if overlay.point is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(plot_coords(x, overlay.point[0]))],
                    "y": [float(plot_coords(y, overlay.point[1]))],
                    "name": overlay.point_name,
                    "marker": {
                        "symbol": REFERENCE,
                        "size": 14,
                        "color": "white",
                        "line": {"width": 1.5, "color": "black"},
                    },
                    "hoverinfo": "skip",
                }
            )
    layout: dict[str, Any] = {
        "xaxis": axis_layout(x, xs, symbols.get(x.name)),
        "yaxis": axis_layout(y, ys, symbols.get(y.name)),
        "height": HEIGHT,
        "margin": {"l": 60, "r": 10, "t": 40 if title else 20, "b": 50},
        "plot_bgcolor": NAN_COLOUR,
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "clickmode": "event+select",
        "dragmode": False,
        "hovermode": "closest",
    }
    if zrange is not None:
        layout["xaxis"]["domain"] = [0.0, SHARED_PLOT_WIDTH]
    if title:
        layout["title"] = {"text": html.escape(title), "x": 0.01, "font": {"size": 15}}
    return {"data": data, "layout": layout}


def start_figure(
    landscape: Landscape,
    values: Mapping[str, float],
    grid: LossGrid,
    z: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    metric: str,
    minima: Sequence[tuple[float, float]],
    final_loss: np.ndarray,
    first_hit: np.ndarray,
    diverged_at: np.ndarray,
) -> dict[str, Any]:
    """A start-point map over the landscape's domain: heatmap of ``z``, contour lines of ``grid``, minima, click layer.

    For ``basin`` the values of ``z`` are minimum indices with :data:`engine.sweeps.BASIN_ELSEWHERE`
    and :data:`engine.sweeps.BASIN_DIVERGED` as two more categories, each with its own colour.
    """
    gx, gy = np.meshgrid(xs, ys)
    heat: dict[str, Any] = {
        "type": "heatmap",
        "x": typed(xs),
        "y": typed(ys),
        "hoverinfo": "skip",
        "name": _(METRIC_TITLES[metric]),
        "showlegend": False,
    }
    legend: list[dict[str, Any]] = []
    if metric == "basin":
        colours = [DIVERGED_COLOUR, ELSEWHERE_COLOUR] + [run_colour(i) for i in range(len(minima))]
        count = len(colours)
        scale = []
        for i, colour in enumerate(colours):
            scale += [[i / count, colour], [(i + 1) / count, colour]]
        heat.update(
            z=typed(z),
            zmin=BASIN_DIVERGED - 0.5,
            zmax=BASIN_DIVERGED - 0.5 + count,
            colorscale=scale,
            showscale=False,
        )
        for i, (mx, my) in enumerate(minima):
            legend.append(
                _legend_swatch(
                    _("ends at {point}").format(point=f"({number_text(mx, 3)}, {number_text(my, 3)})"), run_colour(i)
                )
            )
        legend.append(_legend_swatch(_("ends elsewhere"), ELSEWHERE_COLOUR))
        legend.append(_legend_swatch(_("diverged"), DIVERGED_COLOUR))
    else:
        finite = z[np.isfinite(z)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        heat.update(
            z=typed(z),
            zmin=float(lo),
            zmax=float(hi) if hi > lo else float(lo) + 1.0,
            colorscale=COLOURSCALES[metric],
            colorbar=_colourbar(metric, z, (float(lo), float(hi))),
        )
        legend.append(_legend_swatch(_(MISSING_LABELS[metric]), NAN_COLOUR))
    custom = np.stack([gx.ravel(), gy.ravel(), np.ravel(final_loss)], axis=1)
    head = (
        _("start")
        + " (%{customdata[0]:.3~g}, %{customdata[1]:.3~g})<br>"
        + _("final loss")
        + " = %{customdata[2]:.4~g}"
    )
    contour, _scale = contour_traces(landscape, values, grid)
    lines = {
        **contour[0],
        "contours": {"coloring": "none", "showlines": True},
        "line": {"width": 0.6, "color": "rgba(255,255,255,0.45)"},
        "showscale": False,
    }
    lines.pop("colorbar", None)
    data = [
        heat,
        *click_layers(gx, gy, custom, first_hit, diverged_at, head, max(4.0, 380.0 / len(xs))),
        lines,
        *contour[1:],
        *legend,
    ]
    layout = {
        **axes_layout(landscape),
        "height": HEIGHT,
        "margin": {"l": 50, "r": 10, "t": 20, "b": 50},
        "plot_bgcolor": NAN_COLOUR,
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "clickmode": "event+select",
        "dragmode": False,
        "hovermode": "closest",
    }
    return {"data": data, "layout": layout}


def with_selection(figure: dict[str, Any], point: tuple[float, float] | None) -> dict[str, Any]:
    """A copy of ``figure`` with the chosen cell outlined at ``point`` (plot coordinates); never mutates.

    The outline is the marker language's square (a singled-out item), drawn open so the
    cell's own colour shows through.
    """
    if point is None:
        return figure
    marker = {
        "type": "scatter",
        "mode": "markers",
        "x": [float(point[0])],
        "y": [float(point[1])],
        "name": _("selected cell"),
        "marker": {"symbol": f"{CHECKPOINT}-open", "size": 16, "color": "white", "line": {"width": 3}},
        "hoverinfo": "skip",
    }
    return {**figure, "data": [*figure["data"], marker]}


def cell_path_surface(
    landscape: Landscape, values: Mapping[str, float], grid: LossGrid, *, height: int = HEIGHT
) -> dict[str, Any]:
    """The surface a cell's path is drawn on: the contour map of ``grid`` with the landscape's minima and saddles.

    It depends on the landscape and its parameters alone, so clicking another cell keeps
    it (the live map then sends only the new path). The page writes the path's title above
    the map: a title in the layout would change the surface with every cell.
    """
    traces, _scale = contour_traces(landscape, values, grid)
    return {
        "data": traces,
        "layout": {
            **axes_layout(landscape),
            "height": height,
            "margin": {"l": 50, "r": 10, "t": 10, "b": 80},
            # Below the x axis's title, not beside it (a two-column legend reached up to it).
            "legend": {"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0},
            "dragmode": "pan",
        },
    }


def cell_path_overlay(run: Trajectory) -> list[dict[str, Any]]:
    """One cell's path over :func:`cell_path_surface`: the line, its start and its last point (an x if it diverged)."""
    colour = run_colour(0)
    diverged = run.diverged_at is not None
    if diverged:
        last = _("diverged at step {step}").format(step=run.diverged_at)
    else:
        last = _("after {steps} steps").format(steps=run.steps)
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "x": typed(run.path[:, 0]),
            "y": typed(run.path[:, 1]),
            "name": html.escape(run.label),
            "line": {"color": colour, "width": 2.5},
            "hovertemplate": "(%{x:.4~g}, %{y:.4~g})<extra></extra>",
        },
        start_trace((float(run.path[0, 0]), float(run.path[0, 1])), size=13),
        {
            "type": "scatter",
            "mode": "markers",
            "x": [float(run.path[-1, 0])],
            "y": [float(run.path[-1, 1])],
            "name": _("diverged") if diverged else _("last point"),
            "marker": {
                "symbol": DIVERGED if diverged else END,
                "size": 12,
                "color": colour,
                "line": {"width": 1.5, "color": "black"},
            },
            "hovertemplate": _("last point ({when})").format(when=last) + "<br>(%{x:.4~g}, %{y:.4~g})<extra></extra>",
        },
    ]
