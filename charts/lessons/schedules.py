"""Figures for the learning-rate-schedule lesson: five paths on one map, and the lr against step."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import landscapes
from charts.contour import axes_layout, contour_traces
from charts.encoding import typed
from charts.palette import run_colour
from charts.paths import run_traces, start_trace
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.schedules import ScheduleStudy

_ = translator("lessons_hard")

MAP_HEIGHT = 560
MAX_POINTS = 600
"""At most this many points of each path are drawn (first and last kept)."""


def _thin(path: np.ndarray) -> np.ndarray:
    if len(path) <= MAX_POINTS:
        return path
    return path[np.unique(np.linspace(0, len(path) - 1, MAX_POINTS).round().astype(int))]


def paths_surface(
    landscape: str, values: Mapping[str, float], grid: LossGrid, *, height: int = MAP_HEIGHT
) -> dict[str, Any]:
    """The map's static part: the contour of ``grid`` (the landscape's losses at ``values``), minima, saddles, axes.

    Only the surface shapes it, so the optimizer, the learning rate, the schedules' settings,
    the steps and the batch size leave it as it was.
    """
    land = landscapes.get(landscape)
    data, _unused = contour_traces(land, values, grid)
    return {
        "data": data,
        "layout": {
            **axes_layout(land),
            "height": height,
            "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": -0.12, "x": 0},
        },
    }


def paths_overlay(study: ScheduleStudy) -> list[dict[str, Any]]:
    """What the map draws over :func:`paths_surface`: the five paths (a colour per schedule), their ends, the start."""
    data: list[dict[str, Any]] = []
    for i, run in enumerate(study.trajectories):
        data += run_traces(run, i, path=_thin(run.path), end="end")
    data.append(start_trace(study.start))
    return data


def lr_figure(curves: Sequence[tuple[str, np.ndarray, np.ndarray]], *, height: int = 300) -> dict[str, Any]:
    """The learning rate each run used at every step; dotted: the plan after a divergence.

    ``curves`` holds (label, lr used per step, planned lr per step) for each run, as
    :func:`engine.lessons.schedules.lr_curves` gives them.
    """
    data = []
    for i, (label, used, planned) in enumerate(curves):
        name = html.escape(label)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(used))),
                "y": typed(used),
                "name": name,
                "legendgroup": f"run{i}",
                "line": {"color": run_colour(i), "width": 2},
                "hovertemplate": name + "<br>" + _("step") + " %{x}<br>η = %{y:.4~g}<extra></extra>",
            }
        )
        if len(used) < len(planned):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": typed(np.arange(len(used), len(planned))),
                    "y": typed(planned[len(used) :]),
                    "name": _("{name} (planned, after divergence)").format(name=name),
                    "legendgroup": f"run{i}",
                    "showlegend": False,
                    "line": {"color": run_colour(i), "width": 1.5, "dash": "dot"},
                    "hovertemplate": _("{name}, planned").format(name=name)
                    + "<br>"
                    + _("step")
                    + " %{x}<br>η = %{y:.4~g}<extra></extra>",
                }
            )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("step")}},
            "yaxis": {"title": {"text": _("learning rate ηₜ")}, "rangemode": "tozero", "exponentformat": "power"},
            "legend": {"orientation": "h", "y": -0.3},
            "hovermode": "x unified",
        },
    }
