"""Figures for the minibatch-noise lesson: the map (fan, cloud of runs, GD) and the spread chart."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from charts.contour import axes_layout, contour_traces
from charts.encoding import typed
from charts.palette import run_colour
from charts.paths import start_trace
from engine.lessons.noise import Fan, SpreadCurve
from engine.simulate import Batch, Trajectory
from landscapes.base import Landscape

CLICK_GRID = 30
PATH_POINTS = 60
"""Points kept per path of the cloud (denser near the start, where the paths move fast)."""
FAN_LENGTH = 0.25
"""Display length of the longest gradient arrow, as a share of the domain's diagonal."""
CLOUD_COLOUR = "rgba(255,255,255,0.10)"
END_COLOUR = "#E69F00"
FAN_COLOUR = "#56B4E9"
GD_COLOUR = "#ff4d4d"


def click_grid(landscape: Landscape, cells: int = CLICK_GRID) -> dict[str, Any]:
    """A faint grid of markers over the map: clicking one returns its point (contours return none)."""
    (x0, x1), (y0, y1) = landscape.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, cells), np.linspace(y0, y1, cells))
    return {
        "type": "scatter",
        "mode": "markers",
        "x": typed(gx.ravel()),
        "y": typed(gy.ravel()),
        "name": "click to move the point",
        "marker": {"size": 9, "color": "white", "opacity": 0.07},
        "selected": {"marker": {"opacity": 0.6}},
        "unselected": {"marker": {"opacity": 0.07}},
        "hovertemplate": "move the point here<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
        "showlegend": False,
    }


def path_indices(steps: int, points: int = PATH_POINTS) -> np.ndarray:
    """Which path points to draw: geometric spacing from step 0 to ``steps`` (both kept)."""
    if steps + 1 <= points:
        return np.arange(steps + 1)
    inner = np.geomspace(1, steps, points - 1).round().astype(int)
    return np.unique(np.concatenate([[0], inner, [steps]]))


def joined(paths: np.ndarray) -> np.ndarray:
    """Many paths (M, T, 2) as one polyline with a NaN row between paths (one Plotly trace)."""
    m, t, _ = paths.shape
    out = np.full((m, t + 1, 2), np.nan, np.float32)
    out[:, :t] = paths
    return out.reshape(-1, 2)


def _arrows(base: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Segments base -> base + v for each row of ``vectors``, NaN-separated, as (3K, 2)."""
    out = np.full((len(vectors), 3, 2), np.nan, np.float32)
    out[:, 0] = base
    out[:, 1] = base + vectors
    return out.reshape(-1, 2)


def arrow_scale(fan: Fan, landscape: Landscape) -> float:
    """One factor for every arrow: the longest of the full and minibatch gradients gets ``FAN_LENGTH``."""
    (x0, x1), (y0, y1) = landscape.domain
    longest = float(np.max(np.hypot(*np.vstack([fan.minibatch, fan.full[None]]).T)))
    return 0.0 if longest == 0 or not math.isfinite(longest) else FAN_LENGTH * math.hypot(x1 - x0, y1 - y0) / longest


def end_view(batch: Batch, gd: Trajectory, landscape: Landscape) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square window around the end points (and GD's end), wide enough to show their scatter."""
    ok = batch.diverged_at < 0
    ends = np.vstack([batch.final[ok], gd.path[-1:]]).astype(np.float64)
    centre = np.median(ends, axis=0)
    reach = np.percentile(np.max(np.abs(ends - centre), axis=1), 99)
    (x0, x1), (y0, y1) = landscape.domain
    half = max(1.3 * float(reach), 0.02 * max(x1 - x0, y1 - y0))
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def noise_map(
    landscape: Landscape,
    values: Mapping[str, float],
    fan: Fan,
    batch: Batch,
    gd: Trajectory,
    batch_size: int,
    *,
    zoom: bool = False,
    height: int = 620,
) -> dict[str, Any]:
    """Contour map with the gradient fan at the point, the cloud of paths, their end points and GD.

    ``zoom`` frames the end points instead of the whole domain (the contour is the same).
    """
    data, _ = contour_traces(landscape, values)
    data.append(click_grid(landscape))
    assert batch.paths is not None
    steps = batch.paths.shape[1] - 1
    cloud = joined(batch.paths[:, path_indices(steps)])
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": typed(cloud[:, 0]),
            "y": typed(cloud[:, 1]),
            "name": f"minibatch SGD, B = {batch_size} ({len(batch.final)} seeds)",
            "line": {"color": CLOUD_COLOUR, "width": 0.6},
            "hoverinfo": "skip",
        }
    )
    ok = batch.diverged_at < 0
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": typed(batch.final[ok, 0]),
            "y": typed(batch.final[ok, 1]),
            "name": "end points",
            "marker": {"size": 5, "color": END_COLOUR, "opacity": 0.6},
            "hovertemplate": "end point (%{x:.4g}, %{y:.4g})<extra></extra>",
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": typed(gd.path[:, 0]),
            "y": typed(gd.path[:, 1]),
            "name": "GD (B = N), every seed",
            "line": {"color": GD_COLOUR, "width": 2.5},
            "hovertemplate": "GD (%{x:.4g}, %{y:.4g})<extra></extra>",
        }
    )
    scale = arrow_scale(fan, landscape)
    tips = _arrows(fan.point, -scale * fan.minibatch)
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(tips[:, 0]),
            "y": typed(tips[:, 1]),
            "name": f"−∇ of {len(fan.minibatch)} minibatches (B = {batch_size})",
            "line": {"color": FAN_COLOUR, "width": 1.2},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 7, 0] * len(fan.minibatch)},
            "hoverinfo": "skip",
        }
    )
    full = _arrows(fan.point, -scale * fan.full[None])
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(full[:, 0]),
            "y": typed(full[:, 1]),
            "name": "−∇f, full batch",
            "line": {"color": "white", "width": 3.5},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 14, 0], "color": "white"},
            "hoverinfo": "skip",
        }
    )
    point = (float(fan.point[0]), float(fan.point[1]))
    data.append(start_trace(point, name="the point (start of every run)", hover="point"))
    layout = {
        **axes_layout(landscape),
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "legend": {"orientation": "h", "y": -0.1, "x": 0},
        "clickmode": "event+select",
        "dragmode": "pan",
        "uirevision": "noise",
    }
    layout["yaxis"] = {**layout["yaxis"], "scaleanchor": "x", "scaleratio": 1}
    if zoom:
        xr, yr = end_view(batch, gd, landscape)
        layout["xaxis"] = {**layout["xaxis"], "range": list(xr)}
        layout["yaxis"] = {**layout["yaxis"], "range": list(yr)}
    return {"data": data, "layout": layout}


def spread_figure(curve: SpreadCurve, selected: int, *, height: int = 340) -> dict[str, Any]:
    """RMS spread of the end points against batch size (log axis); the selected size is ringed."""
    sizes = np.asarray(curve.sizes, np.float64)
    ok = np.isfinite(curve.spread)
    labels = [f"{int(s)} of {curve.seeds} diverged" if s else "" for s in curve.diverged]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(sizes[ok]),
            "y": typed(curve.spread[ok]),
            "text": [labels[i] for i in np.flatnonzero(ok)],
            "name": "spread of the end points",
            "line": {"color": run_colour(0), "width": 2.5},
            "marker": {"size": 8},
            "hovertemplate": "B = %{x}<br>RMS spread %{y:.4g}<br>%{text}<extra></extra>",
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
                    "name": f"B = {selected} (shown on the map)",
                    "marker": {"size": 18, "color": "rgba(0,0,0,0)", "line": {"width": 2.5, "color": "white"}},
                    "hoverinfo": "skip",
                }
            )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {
                "title": {"text": "batch size B"},
                "type": "log",
                "tickvals": list(map(float, sizes)),
                "ticktext": [str(int(s)) for s in sizes],
            },
            "yaxis": {"title": {"text": "end-point spread (RMS)"}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.3},
            "showlegend": True,
        },
    }
