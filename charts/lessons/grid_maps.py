"""Small trace builders shared by the regularization lesson maps (plain dicts, float32 typed arrays).

The registered landscapes get their contour from :func:`charts.contour.contour_traces`;
these helpers draw what is not a registered landscape (an expected loss, a
rescaled regression), single contour lines through a point, regions, paths and
markers, and the equal-scale axes every map uses.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.contour import colour_bar, filled_contour
from charts.encoding import typed
from charts.markers import DIVERGED
from charts.scale import LossScale, tick_label
from core.i18n import translator

Window = tuple[tuple[float, float], tuple[float, float]]
"""A map's axis ranges: ``((x0, x1), (y0, y1))``."""

_ = translator("app")


def grid_contour(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    scale: LossScale,
    *,
    zrange: tuple[float, float] | None = None,
    name: str | None = None,
    showscale: bool = True,
) -> dict[str, Any]:
    """A filled contour of ``z`` (losses) on the colour ``scale``; ``zrange`` pins the colours (in loss units).

    With ``zrange`` the colour bar spans that range, so its round ticks are placed over
    the whole range, not only over the part ``z`` reaches.
    """
    trace = filled_contour(xs, ys, z, scale, name=name, colorbar=showscale)
    trace["showscale"] = showscale
    if zrange is not None:
        low, high = scale.apply(np.asarray(zrange, np.float64))
        trace.update(zmin=float(low), zmax=float(high), zauto=False)
        if showscale:
            trace["colorbar"] = colour_bar(scale, np.asarray(zrange, np.float64))
    return trace


def level_line(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, level: float, *, colour: str, name: str, dash: str = "solid"
) -> dict[str, Any]:
    """The single contour line ``z = level`` (raw loss values), drawn in ``colour``."""
    return {
        "type": "contour",
        "x": typed(xs),
        "y": typed(ys),
        "z": typed(z),
        "autocontour": False,
        "contours": {"start": float(level), "end": float(level), "size": 1.0, "coloring": "none"},
        "line": {"color": colour, "width": 2.5, "dash": dash},
        "showscale": False,
        "hoverinfo": "skip",
        "name": name,
        "showlegend": True,
    }


def line_trace(
    points: np.ndarray, *, name: str, colour: str, width: float = 2.5, dash: str = "solid", showlegend: bool = True
) -> dict[str, Any]:
    """A polyline through ``points`` (shape (n, 2))."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    label = html.escape(name)
    return {
        "type": "scatter",
        "mode": "lines",
        "x": typed(pts[:, 0]),
        "y": typed(pts[:, 1]),
        "name": label,
        "line": {"color": colour, "width": width, "dash": dash},
        "hovertemplate": f"{label}<br>(%{{x:.4~g}}, %{{y:.4~g}})<extra></extra>",
        "showlegend": showlegend,
    }


def region_trace(outline: np.ndarray, *, name: str, colour: str, fill: str) -> dict[str, Any]:
    """A closed, filled region bounded by ``outline`` (shape (n, 2), first point repeated last)."""
    trace = line_trace(outline, name=name, colour=colour, width=2.5)
    trace.update(fill="toself", fillcolor=fill, hoverinfo="skip")
    trace.pop("hovertemplate")
    return trace


def point_trace(
    points: np.ndarray, *, name: str, colour: str, symbol: str = "circle", size: int = 13, text: str | None = None
) -> dict[str, Any]:
    """Markers at ``points`` (shape (n, 2)) with a black outline, so they read on any colour."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    label = html.escape(name)
    return {
        "type": "scatter",
        "mode": "markers",
        "x": typed(pts[:, 0]),
        "y": typed(pts[:, 1]),
        "name": label,
        "marker": {"symbol": symbol, "size": size, "color": colour, "line": {"width": 1.5, "color": "black"}},
        "hovertemplate": f"{html.escape(text or name)}<br>(%{{x:.4~g}}, %{{y:.4~g}})<extra></extra>",
    }


def diverged_trace(point: np.ndarray, *, label: str, step: int, colour: str, size: int = 14) -> dict[str, Any]:
    """An x on the last point a run reached before it left the map: the only thing drawn as an x."""
    return point_trace(
        np.asarray(point)[None],
        name=_("{label} diverged (step {step})").format(label=label, step=step),
        colour=colour,
        symbol=DIVERGED,
        size=size,
    )


def map_layout(
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    height: int = 480,
    titles: tuple[str, str] = ("w₁", "w₂"),
    title: str | None = None,
) -> dict[str, Any]:
    """Fixed ranges at equal scale on both axes (angles and tangencies look true), legend below."""
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 40 if title else 10, "b": 40},
        "xaxis": {
            "range": list(map(float, x_range)),
            "title": {"text": titles[0]},
            "constrain": "domain",
            "showgrid": False,
            "zeroline": True,
            "zerolinecolor": "rgba(255,255,255,0.6)",
        },
        "yaxis": {
            "range": list(map(float, y_range)),
            "title": {"text": titles[1]},
            "constrain": "domain",
            "scaleanchor": "x",
            "scaleratio": 1,
            "showgrid": False,
            "zeroline": True,
            "zerolinecolor": "rgba(255,255,255,0.6)",
        },
        "legend": {"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0},
    }
    if title:
        layout["title"] = {"text": title, "x": 0.02, "font": {"size": 15}}
    return layout


def covering_window(points: np.ndarray, *, margin: float = 0.05) -> Window:
    """The smallest axis ranges holding every finite point of ``points`` (shape (n, 2)), widened by ``margin``.

    The margin is a fraction of the larger side on both axes, so nothing drawn touches
    an edge; the map's equal scale (see :func:`map_layout`) keeps the shapes true.
    """
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    low, high = pts.min(axis=0), pts.max(axis=0)
    pad = margin * float(np.max(high - low))
    return (float(low[0] - pad), float(high[0] + pad)), (float(low[1] - pad), float(high[1] + pad))


def zoom_box(
    points: np.ndarray, *, margin: float = 0.15, min_half: float = 0.5
) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square window (equal scale) around ``points`` (shape (n, 2)) with a relative ``margin``."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    low, high = pts.min(axis=0), pts.max(axis=0)
    centre = (low + high) / 2.0
    half = max(float(np.max(high - low)) / 2.0 * (1.0 + 2.0 * margin), min_half)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def side_by_side(left: dict[str, Any], right: dict[str, Any], *, colorbar: bool = True) -> dict[str, Any]:
    """Two map figures (from :func:`map_layout`) as one figure with two equal-scale panels.

    The right panel's traces move to axes ``x2``/``y2`` and a legend entry already shown
    on the left is not repeated (:func:`panel_traces`); the panel titles become annotations.
    """
    gap = 0.08
    half = (1.0 - gap) / 2.0
    data = panel_traces(left["data"], right["data"], colorbar=colorbar)
    layout = {k: v for k, v in left["layout"].items() if k not in ("title", "xaxis", "yaxis")}
    layout["margin"] = {**layout.get("margin", {}), "t": 40}
    annotations = []
    for suffix, fig, start in (("", left, 0.0), ("2", right, 1.0 - half)):
        axis_id = "x" + suffix
        layout["xaxis" + suffix] = {**fig["layout"]["xaxis"], "domain": [start, start + half], "anchor": "y" + suffix}
        layout["yaxis" + suffix] = {**fig["layout"]["yaxis"], "scaleanchor": axis_id, "anchor": axis_id}
        title = fig["layout"].get("title", {}).get("text")
        if title:
            annotations.append(
                {
                    "text": f"<b>{title}</b>",
                    "xref": "paper",
                    "yref": "paper",
                    "x": start,
                    "y": 1.03,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 15},
                }
            )
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


def panel_traces(
    left: Sequence[dict[str, Any]], right: Sequence[dict[str, Any]], *, colorbar: bool = True
) -> list[dict[str, Any]]:
    """The traces of two panels as :func:`side_by_side` draws them (copies; the inputs are not mutated).

    The right panel's traces move to axes ``x2``/``y2``; a legend entry already shown on
    the left is not repeated. Only the right panel keeps a colour bar (both panels must
    then share one colour scale), or none with ``colorbar=False``. A live map calls it
    twice, once for the panels' surfaces and once for what is drawn over them.
    """
    data: list[dict[str, Any]] = []
    shown: set[str] = set()
    for side, traces in (("left", left), ("right", right)):
        for trace in traces:
            copy = dict(trace)
            if side == "right":
                copy.update(xaxis="x2", yaxis="y2")
            if copy.get("type") == "contour" and "colorbar" in copy:
                copy["showscale"] = bool(colorbar and side == "right")
            name = copy.get("name", "")
            if copy.get("showlegend", True) and copy.get("type") != "contour":
                if name in shown:
                    copy["showlegend"] = False
                shown.add(name)
            data.append(copy)
    return data


def log_axis_ticks(
    low: float, high: float, mantissas: tuple[float, ...] = (1.0, 2.0, 5.0)
) -> tuple[list[float], list[str]]:
    """Ticks for a log axis over ``[low, high]`` (both > 0): ``m * 10**k`` per mantissa, written plainly.

    Plotly's own log ticks label 20 and 50 as "2" and "5" after the "10"; these read 1, 2, 5, 10, 20, 50.
    """
    values = [
        m * 10.0**k
        for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
        for m in mantissas
        if low <= m * 10.0**k <= high
    ]
    return values, [tick_label(v) for v in values]


def step_chart_layout(
    height: int, ytitle: str, yrange: list[float], *, legend_y: float = -0.2, **yaxis: Any
) -> dict[str, Any]:
    """Layout of a 'quantity against step' chart with a log y axis (distances, gaps), legend below."""
    return {
        "height": height,
        "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
        "xaxis": {"title": {"text": _("step")}},
        "yaxis": {"type": "log", "title": {"text": ytitle}, "range": yrange, **yaxis},
        "legend": {"orientation": "h", "y": legend_y},
    }
