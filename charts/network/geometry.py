"""Figures of the network geometry pages: loss slices (contour and 3D), paths on the PCA plane, sharpness, batch study.

Charts only draw: they get finished numpy data (slices, projected coordinates, eigenvalues per
step, per-seed measures) and build plain Plotly dicts. Every title and axis label goes through
the ``network_geometry`` translator.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.contour import COLOURSCALE, defined_values, filled_contour
from charts.encoding import typed
from charts.lessons.grid_maps import line_trace, map_layout, point_trace
from charts.markers import MINIMUM
from charts.scale import LossScale
from core.i18n import translator

_ = translator("network_geometry")

LINE_COLOURS = ("#E69F00", "#56B4E9", "#FF4D4D", "#CC79A7", "#009E73", "#B66DFF")
"""Colours for lines on a plain background (the palette's white is left out: it vanishes there)."""
MAP_HEIGHT = 520


def line_colour(index: int) -> str:
    """Colour of the ``index``-th line (run, learning rate, optimizer) of a chart."""
    return LINE_COLOURS[index % len(LINE_COLOURS)]


def slice_contour(
    a: np.ndarray,
    b: np.ndarray,
    z: np.ndarray,
    *,
    titles: tuple[str, str],
    height: int = MAP_HEIGHT,
) -> dict[str, Any]:
    """The loss ``z[i, j]`` at ``(a[j], b[i])`` as a filled contour on equal axes, with the slice's centre marked."""
    scale = LossScale.fit(defined_values(z))
    contour = filled_contour(a, b, z, scale)
    contour["colorbar"]["title"]["text"] = _("training loss")
    layout = map_layout((float(a[0]), float(a[-1])), (float(b[0]), float(b[-1])), height=height, titles=titles)
    return {"data": [contour], "layout": layout}


def with_centre(figure: dict[str, Any], name: str) -> dict[str, Any]:
    """``figure`` with a star at the origin of its plane (the weights the slice goes through)."""
    star = point_trace(np.zeros((1, 2)), name=name, colour="#ffffff", symbol=MINIMUM, size=16)
    return {**figure, "data": [*figure["data"], star]}


def slice_surface(a: np.ndarray, b: np.ndarray, z: np.ndarray, *, titles: tuple[str, str], height: int = MAP_HEIGHT):
    """The same slice as a 3D surface, on the contour's colour scale (the z axis in loss units)."""
    scale = LossScale.fit(defined_values(z))
    zaxis: dict[str, Any] = {"title": {"text": _("loss")}}
    ticks = scale.ticks(defined_values(z))
    if ticks:
        zaxis.update(tickvals=ticks[0], ticktext=ticks[1])
    trace = {
        "type": "surface",
        "x": typed(a),
        "y": typed(b),
        "z": typed(scale.apply(z)),
        "colorscale": COLOURSCALE,
        "showscale": False,
        "hovertemplate": "(%{x:.3~g}, %{y:.3~g})<extra></extra>",
        "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": True}, "width": 1}},
    }
    return {
        "data": [trace],
        "layout": {
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
            "scene": {
                "xaxis": {"title": {"text": titles[0]}},
                "yaxis": {"title": {"text": titles[1]}},
                "zaxis": zaxis,
                "aspectmode": "manual",
                "aspectratio": {"x": 1, "y": 1, "z": 0.6},
                # Seen from a little farther than plotly's default, so the z axis title is not cut off.
                "camera": {"eye": {"x": 1.7, "y": -1.7, "z": 1.0}},
            },
        },
    }


def path_overlay(coords: np.ndarray, steps: np.ndarray, *, label: str, colour: str) -> list[dict[str, Any]]:
    """A run's projected path (start marked) on a plane, its snapshots as dots with their step on hover."""
    pts = np.asarray(coords, np.float64)
    line = line_trace(pts, name=label, colour=colour, width=2.5)
    dots = {
        "type": "scatter",
        "mode": "markers",
        "x": typed(pts[:, 0]),
        "y": typed(pts[:, 1]),
        "marker": {"size": 5, "color": colour},
        "customdata": typed(np.asarray(steps, np.float64)),
        "hovertemplate": html.escape(_("step")) + " %{customdata:d}<extra></extra>",
        "showlegend": False,
        "name": label,
    }
    start = point_trace(pts[:1], name=_("start"), colour=colour, symbol="circle-open", size=12)
    return [line, dots, start]


def endpoints_overlay(coords: np.ndarray, labels: Sequence[str]) -> list[dict[str, Any]]:
    """One star per optimizer's endpoint on the plane through them, each in its optimizer's colour."""
    return [
        point_trace(np.asarray(coords[i])[None], name=labels[i], colour=line_colour(i), symbol=MINIMUM, size=16)
        for i in range(len(labels))
    ]


def sharpness_figure(
    runs: Sequence[tuple[str, np.ndarray, np.ndarray, float, bool, int]], *, height: int = 460
) -> dict[str, Any]:
    """Top Hessian eigenvalue against step: one line per run, the 2/eta line of each learning rate dotted.

    Each run is ``(label, steps, sharpness, limit, full_batch, colour index)``: full-batch GD solid,
    minibatch SGD dashed, the run's ``2/eta`` as a dotted line in its colour.
    """
    data: list[dict[str, Any]] = []
    limits_drawn: set[float] = set()
    top = 0.0
    x_max = max((float(r[1][-1]) for r in runs if len(r[1])), default=1.0)
    for label, steps, sharp, limit, full, colour in runs:
        c = line_colour(colour)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": typed(np.asarray(steps, np.float64)),
                "y": typed(np.asarray(sharp, np.float64)),
                "name": html.escape(label),
                "line": {"color": c, "width": 2.5 if full else 1.5, "dash": "solid" if full else "dash"},
                "marker": {"size": 4},
                "hovertemplate": html.escape(label) + "<br>" + _("step") + " %{x}: λ_max = %{y:.3~g}<extra></extra>",
            }
        )
        top = max(top, float(np.max(sharp, initial=0.0)))
        if limit not in limits_drawn:
            limits_drawn.add(limit)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [0.0, x_max],
                    "y": [limit, limit],
                    "name": f"2/η = {limit:.3g}",
                    "line": {"color": c, "width": 1.5, "dash": "dot"},
                    "hoverinfo": "skip",
                }
            )
    y_top = 1.15 * max(top, *(r[3] for r in runs)) if runs else 1.0
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("step")}, "range": [0, x_max]},
            "yaxis": {"title": {"text": _("top Hessian eigenvalue λ_max")}, "range": [0, y_top]},
            "legend": {"orientation": "h", "y": -0.18},
        },
    }


def loss_figure(runs: Sequence[tuple[str, np.ndarray, np.ndarray, bool, int]], *, height: int = 300) -> dict[str, Any]:
    """Training loss against step (log y): ``(label, steps, loss, full_batch, colour index)`` per run."""
    data = []
    for label, steps, loss, full, colour in runs:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.asarray(steps, np.float64)),
                "y": typed(np.maximum(np.asarray(loss, np.float64), 1e-6)),
                "name": html.escape(label),
                "line": {
                    "color": line_colour(colour),
                    "width": 2 if full else 1.5,
                    "dash": "solid" if full else "dash",
                },
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("step")}},
            "yaxis": {"type": "log", "title": {"text": _("training loss")}},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }


def study_figure(
    batch_sizes: Sequence[int],
    series: Sequence[tuple[str, Sequence[np.ndarray]]],
    titles: Sequence[str],
    *,
    height: int = 360,
) -> dict[str, Any]:
    """Panels side by side, one per measure: per-seed dots and mean ± sd against batch size (log x).

    ``series`` is one ``(label, per_batch_values)`` per learning rate, ``per_batch_values[m]``
    being, for measure ``m``, a list over batch sizes of the per-seed values.
    """
    n = len(titles)
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
        "legend": {"orientation": "h", "y": -0.25},
        "annotations": [],
    }
    gap = 0.08
    width = (1 - gap * (n - 1)) / n
    xs = np.asarray(batch_sizes, np.float64)
    for m, title in enumerate(titles):
        suffix = "" if m == 0 else str(m + 1)
        lo = m * (width + gap)
        layout[f"xaxis{suffix}"] = {
            "type": "log",
            "domain": [lo, lo + width],
            "title": {"text": _("batch size")},
            "tickvals": list(map(float, xs)),
            "ticktext": [str(int(v)) for v in xs],
            "anchor": f"y{suffix}",
        }
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "rangemode": "tozero" if m < n - 1 else "normal"}
        layout["annotations"].append(
            {
                "text": f"<b>{html.escape(title)}</b>",
                "x": lo + width / 2,
                "y": 1.08,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
            }
        )
        for k, (label, per_measure) in enumerate(series):
            values = per_measure[m]
            c = line_colour(k)
            means = np.array([v.mean() if v.size else np.nan for v in values])
            sds = np.array([v.std(ddof=1) if v.size > 1 else 0.0 for v in values])
            keep = np.isfinite(means)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": typed(xs[keep]),
                    "y": typed(means[keep]),
                    "error_y": {"type": "data", "array": typed(sds[keep]), "visible": True, "color": c},
                    "name": html.escape(label),
                    "legendgroup": label,
                    "showlegend": m == 0,
                    "line": {"color": c, "width": 2},
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "hovertemplate": "B = %{x}: %{y:.4~g}<extra></extra>",
                }
            )
            px = np.concatenate([np.full(v.size, x) for x, v in zip(xs, values, strict=True)])
            py = np.concatenate([np.asarray(v, np.float64) for v in values])
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": typed(px * (1.0 + 0.06 * (k - (len(series) - 1) / 2))),
                    "y": typed(py),
                    "marker": {"size": 6, "color": c, "opacity": 0.55, "symbol": "circle-open"},
                    "name": html.escape(label),
                    "legendgroup": label,
                    "showlegend": False,
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "hovertemplate": _("one seed") + ": %{y:.4~g}<extra></extra>",
                }
            )
    return {"data": data, "layout": layout}
