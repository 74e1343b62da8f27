"""Figures for the weight-decay lesson: four paths on one map, and the distance within each pair."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import landscapes
from charts.contour import contour_traces
from charts.encoding import typed
from charts.lessons.grid_maps import (
    Window,
    diverged_trace,
    line_trace,
    log_axis_ticks,
    map_layout,
    point_trace,
    step_chart_layout,
    zoom_box,
)
from charts.markers import MINIMUM
from charts.palette import run_colour
from charts.paths import start_trace
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.regularization import LANDSCAPE_KEY
from engine.lessons.weight_decay import FLOAT32_EPS
from engine.simulate import Trajectory

_ = translator("lessons_reg")
DASHES = ("solid", "dash", "solid", "dash")
COLOURS = (run_colour(0), run_colour(1), run_colour(2), run_colour(3))
DECAYED_MINIMUM_COLOUR = run_colour(5)
"""Yellow: apart from the four runs' colours and from the white star of the training minimum."""
MAP_HEIGHT = 560
ZERO_FLOOR = 1e-12
"""Exact zeros cannot sit on a log axis; they are drawn here and the tick says "0"."""


def paths_window(runs: Sequence[Trajectory], values: Mapping[str, float], decayed_min: np.ndarray) -> Window:
    """The map's axis ranges: a square around the four paths, both minima and the start (what lies on the surface).

    The paths set it, but it seldom moves with them: its edges are mostly set by the start
    and the training minimum, so most changes of a setting keep the same window.
    """
    land = landscapes.get(LANDSCAPE_KEY)
    (x0, x1), (y0, y1) = land.domain
    focus = np.concatenate([*(run.path for run in runs), decayed_min[None], land.minima(values)])
    inside = (focus[:, 0] >= x0) & (focus[:, 0] <= x1) & (focus[:, 1] >= y0) & (focus[:, 1] <= y1)
    (wx0, wx1), (wy0, wy1) = zoom_box(focus[inside], margin=0.1) if inside.any() else ((x0, x1), (y0, y1))
    return (float(wx0), float(wx1)), (float(wy0), float(wy1))


def paths_surface(values: Mapping[str, float], window: Window, grid: LossGrid) -> dict[str, Any]:
    """The map's static part: the training-loss contours (``grid``, at ``values``) and its minimum, seen through
    ``window``."""
    land = landscapes.get(LANDSCAPE_KEY)
    base = contour_traces(land, values, grid)[0]
    data = [base[0], {**base[1], "name": _("training minimum (no decay)")}]
    return {"data": data, "layout": map_layout(*window, height=MAP_HEIGHT)}


def paths_overlay(runs: Sequence[Trajectory], decayed_min: np.ndarray) -> list[dict[str, Any]]:
    """What the map draws over :func:`paths_surface`: the four paths, the decayed loss's minimum, the start.

    The two runs of a pair share a colour family (solid and dashed).
    """
    data = []
    for i, run in enumerate(runs):
        end = run.steps + 1 if run.diverged_at is None else max(run.diverged_at, 1)
        label = _(run.label)
        data.append(line_trace(run.path[:end], name=label, colour=COLOURS[i], dash=DASHES[i], width=3 - i % 2))
        if run.diverged_at is not None:
            data.append(diverged_trace(run.path[end - 1], label=label, step=run.diverged_at, colour=COLOURS[i]))
    data.append(
        point_trace(
            decayed_min[None],
            name=_("minimum of f + (λ/2)‖w‖²"),
            colour=DECAYED_MINIMUM_COLOUR,
            symbol=MINIMUM,
            size=16,
        )
    )
    data.append(start_trace(runs[0].path[0].tolist(), size=12))
    return data


def distance_figure(distances: Mapping[str, np.ndarray], *, height: int = 520) -> dict[str, Any]:
    """Distance within each pair against the step, on a log axis; float32 epsilon marked, zeros at the floor."""
    data = []
    top = ZERO_FLOOR
    step_word, distance_word = _("step"), _("distance")
    for i, (name, d) in enumerate(distances.items()):
        shown = np.maximum(np.asarray(d, np.float64), ZERO_FLOOR)
        top = max(top, float(shown.max()))
        label = html.escape(_(name))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(shown))),
                "y": typed(shown),
                "name": label,
                "line": {"color": COLOURS[2 * i], "width": 2.5},
                "hovertemplate": f"{label}<br>{step_word} %{{x}}<br>{distance_word} %{{y:.3~g}}<extra></extra>",
            }
        )
    steps = max((len(d) for d in distances.values()), default=1)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": [0, max(steps - 1, 1)],
            "y": [FLOAT32_EPS, FLOAT32_EPS],
            "name": _("float32 machine ε = {eps}").format(eps=f"{FLOAT32_EPS:.2g}"),
            "line": {"color": "grey", "dash": "dot", "width": 1.5},
            "hoverinfo": "skip",
        }
    )
    upper = max(0.0, math.ceil(math.log10(top)) + 0.2)
    ticks, text = log_axis_ticks(ZERO_FLOOR, 10.0**upper, mantissas=(1.0,))
    ticks, text = ticks[::2], [_("0 (exact)"), *text[2::2]]  # every second power of ten; the floor reads 0
    layout = step_chart_layout(
        height,
        _("distance between the paths (log)"),
        [math.log10(ZERO_FLOOR) - 0.3, upper],
        legend_y=-0.25,
        tickvals=ticks,
        ticktext=text,
    )
    return {"data": data, "layout": {**layout, "hovermode": "x unified"}}
