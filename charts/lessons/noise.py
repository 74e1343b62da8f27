"""Figures for the minibatch-noise lesson: the map (cloud of runs, GD), the gradient fan, the spread chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from charts.contour import axes_layout, contour_traces
from charts.encoding import typed
from charts.markers import CHECKPOINT, DIVERGED, END, REFERENCE
from charts.palette import run_colour
from charts.paths import start_trace
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.noise import Fan, SpreadCurve
from landscapes.base import Landscape

_ = translator("lessons_hard")

CLOUD_COLOUR = "rgba(255,255,255,0.10)"
END_COLOUR = "#E69F00"
FAN_COLOUR = "#56B4E9"
GD_COLOUR = "#ff4d4d"


def joined(paths: np.ndarray) -> np.ndarray:
    """Many paths (M, T, 2) as one polyline with a NaN row between paths (one Plotly trace)."""
    m, t, _unused = paths.shape
    out = np.full((m, t + 1, 2), np.nan, np.float32)
    out[:, :t] = paths
    return out.reshape(-1, 2)


def _arrows(base: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Segments base -> base + v for each row of ``vectors``, NaN-separated, as (3K, 2)."""
    out = np.full((len(vectors), 3, 2), np.nan, np.float32)
    out[:, 0] = base
    out[:, 1] = base + vectors
    return out.reshape(-1, 2)


Window = tuple[tuple[float, float], tuple[float, float]]


def end_view(finals: np.ndarray, gd_end: np.ndarray, landscape: Landscape) -> Window:
    """A square window around the end points (and GD's end), wide enough to show their scatter."""
    ends = np.vstack([finals, gd_end[None]]).astype(np.float64)
    centre = np.median(ends, axis=0)
    reach = np.percentile(np.max(np.abs(ends - centre), axis=1), 99)
    (x0, x1), (y0, y1) = landscape.domain
    half = max(1.3 * float(reach), 0.02 * max(x1 - x0, y1 - y0))
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def zoom_window(curve: SpreadCurve, batch_size: int, landscape: Landscape) -> Window | None:
    """The "end points" view's window for ``batch_size`` (:func:`end_view`), or None when every run diverged."""
    _unused, finals, diverged = curve.cloud(batch_size)
    ok = ~diverged
    if not np.any(ok):
        return None
    xr, yr = end_view(finals[ok], curve.full_batch_path()[-1], landscape)
    return (float(xr[0]), float(xr[1])), (float(yr[0]), float(yr[1]))


def noise_surface(
    landscape: Landscape,
    values: Mapping[str, float],
    grid: LossGrid,
    *,
    window: Window | None = None,
    height: int = 620,
) -> dict[str, Any]:
    """The map's surface: the contour of ``grid``, its colour bar and the known minima, on the whole domain
    or ``window``.

    It depends only on the surface and the window, so a rerun that only moves the runs
    (another batch size, learning rate or point) keeps it and the live map does not
    send it again (:func:`charts.live_map.split_figure`).
    """
    data, _unused = contour_traces(landscape, values, grid)
    layout = {
        **axes_layout(landscape),
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "legend": {"orientation": "h", "y": -0.1, "x": 0},
        "dragmode": "pan",
        # A new window is a new view: a pan or zoom made on the old one must not hold the axes.
        "uirevision": f"noise:{window}",
    }
    layout["yaxis"] = {**layout["yaxis"], "scaleanchor": "x", "scaleratio": 1}
    if window is not None:
        (xr, yr) = window
        layout["xaxis"] = {**layout["xaxis"], "range": list(xr)}
        layout["yaxis"] = {**layout["yaxis"], "range": list(yr)}
    return {"data": data, "layout": layout}


def noise_overlay(point: tuple[float, float], curve: SpreadCurve, batch_size: int) -> list[dict[str, Any]]:
    """What the map draws over the surface: the cloud of paths at ``batch_size`` from the point, their ends and GD.

    The gradients at the point have their own figure (:func:`fan_figure`), whose axes fit
    every arrow: on the map they would run off the edge whenever the point is near it.
    """
    data: list[dict[str, Any]] = []
    paths, finals, diverged = curve.cloud(batch_size)
    gd = curve.full_batch_path()
    cloud = joined(paths)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": typed(cloud[:, 0]),
            "y": typed(cloud[:, 1]),
            "name": _("minibatch SGD, B = {batch} ({seeds} seeds)").format(batch=batch_size, seeds=curve.seeds),
            "line": {"color": CLOUD_COLOUR, "width": 0.6},
            "hoverinfo": "skip",
        }
    )
    ok = ~diverged
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": typed(finals[ok, 0]),
            "y": typed(finals[ok, 1]),
            "name": _("end points"),
            "marker": {"symbol": END, "size": 5, "color": END_COLOUR, "opacity": 0.6},
            "hovertemplate": _("end point") + " (%{x:.4~g}, %{y:.4~g})<extra></extra>",
        }
    )
    if np.any(diverged):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": typed(finals[diverged, 0]),
                "y": typed(finals[diverged, 1]),
                "name": _("diverged (last finite point)"),
                "marker": {"symbol": DIVERGED, "size": 7, "color": END_COLOUR},
                "hovertemplate": _("diverged after") + " (%{x:.4~g}, %{y:.4~g})<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": typed(gd[:, 0]),
            "y": typed(gd[:, 1]),
            "name": _("GD (B = N), every seed"),
            "line": {"color": GD_COLOUR, "width": 2.5},
            "hovertemplate": "GD (%{x:.4~g}, %{y:.4~g})<extra></extra>",
        }
    )
    point = (float(point[0]), float(point[1]))
    # Not clipped: the point may sit on the edge of the domain, and half a ring reads as something else.
    data.append({**start_trace(point, name=_("the point (start of every run)"), hover=_("point")), "cliponaxis": False})
    return data


def fan_figure(fan: Fan, predicted: float, batch_size: int, *, height: int = 360) -> dict[str, Any]:
    """The gradients at the point as arrows from it, in gradient units, on axes fitted to every tip.

    Blue: the negative minibatch gradients; white: the negative full gradient; a diamond on
    the average of the blue tips; a dotted circle of radius ``predicted`` (the RMS deviation
    the formula expects) around the white tip. Equal scale, so angles and lengths are true.
    """
    tips = -fan.minibatch
    full = -fan.full
    mean = tips.mean(axis=0)
    angle = np.linspace(0.0, 2 * np.pi, 73)
    ring = full + predicted * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    origin = np.zeros(2)
    arrows = _arrows(origin, tips)
    white = _arrows(origin, full[None])
    reach = np.vstack([tips, full[None], ring, origin[None]])
    low, high = reach.min(axis=0), reach.max(axis=0)
    centre = (low + high) / 2
    half = max(float(np.max(high - low)) / 2 * 1.12, 1e-6)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": typed(ring[:, 0]),
            "y": typed(ring[:, 1]),
            "name": _("expected scatter (RMS, from the formula)"),
            "line": {"color": "rgba(255,255,255,0.7)", "width": 1.2, "dash": "dot"},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(arrows[:, 0]),
            "y": typed(arrows[:, 1]),
            "name": _("−∇ of {count} minibatches (B = {batch})").format(count=len(tips), batch=batch_size),
            "line": {"color": FAN_COLOUR, "width": 1.2},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 7, 0] * len(tips)},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "x": [float(mean[0])],
            "y": [float(mean[1])],
            "name": _("average of the minibatch arrows"),
            "marker": {"symbol": REFERENCE, "size": 12, "color": FAN_COLOUR, "line": {"width": 1.5, "color": "black"}},
            "hovertemplate": _("average of the minibatch arrows") + " (%{x:.3~g}, %{y:.3~g})<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(white[:, 0]),
            "y": typed(white[:, 1]),
            "name": _("−∇f, full batch"),
            "line": {"color": "white", "width": 3.5},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 14, 0], "color": "white"},
            "hoverinfo": "skip",
        },
        start_trace((0.0, 0.0), name=_("the point (start of every run)"), hover=_("the point"), size=11),
    ]
    axis = {"showgrid": True, "gridcolor": "rgba(255,255,255,0.08)", "zeroline": False, "constrain": "domain"}
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 50},
            "xaxis": {**axis, "range": [centre[0] - half, centre[0] + half], "title": {"text": "−∂f/∂w"}},
            "yaxis": {
                **axis,
                "range": [centre[1] - half, centre[1] + half],
                "title": {"text": "−∂f/∂b"},
                "scaleanchor": "x",
                "scaleratio": 1,
            },
            "legend": {"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0},
        },
    }


def spread_figure(curve: SpreadCurve, selected: int, *, height: int = 340) -> dict[str, Any]:
    """RMS spread of the end points against batch size (log axis); the selected size is ringed."""
    sizes = np.asarray(curve.sizes, np.float64)
    ok = np.isfinite(curve.spread)
    diverged = _("{count} of {seeds} diverged")
    labels = [diverged.format(count=int(s), seeds=curve.seeds) if s else "" for s in curve.diverged]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(sizes[ok]),
            "y": typed(curve.spread[ok]),
            "text": [labels[i] for i in np.flatnonzero(ok)],
            "name": _("spread of the end points"),
            "line": {"color": run_colour(0), "width": 2.5},
            "marker": {"size": 8},
            "hovertemplate": "B = %{x}<br>" + _("RMS spread") + " %{y:.4~g}<br>%{text}<extra></extra>",
        }
    ]
    if selected in curve.sizes:
        k = curve.sizes.index(selected)
        if ok[k]:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(selected)],
                    "y": [float(curve.spread[k])],
                    "name": _("B = {batch} (shown on the map)").format(batch=selected),
                    "marker": {
                        "symbol": CHECKPOINT,
                        "size": 18,
                        "color": "rgba(0,0,0,0)",
                        "line": {"width": 2.5, "color": "white"},
                    },
                    "hoverinfo": "skip",
                }
            )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {
                "title": {"text": _("batch size B")},
                "type": "log",
                "tickvals": list(map(float, sizes)),
                "ticktext": [str(int(s)) for s in sizes],
            },
            "yaxis": {"title": {"text": _("end-point spread (RMS)")}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.3},
            "showlegend": True,
        },
    }
