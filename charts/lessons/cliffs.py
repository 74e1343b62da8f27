"""Figures for the cliff lesson: the map with the raw and the clipped step at the wall, and step lengths."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

import landscapes
from charts.contour import contour_traces
from charts.encoding import typed
from charts.lessons.grid_maps import line_trace, map_layout, point_trace
from charts.palette import run_colour
from engine.lessons.cliffs import LANDSCAPE, CliffStudy, step_lengths
from landscapes.cliff import WALL_X

RAW_COLOUR = "#ff4d4d"
CLIPPED_COLOUR = "#00e5ff"
LENGTH_FLOOR = 1e-8
"""Zero-length steps (after a run has stopped) are drawn at this height on the log axis."""


def arrow_trace(base: np.ndarray, vector: np.ndarray, *, name: str, colour: str, dash: str = "solid") -> dict[str, Any]:
    """A straight arrow from ``base`` along ``vector`` (true length, arrowhead at the tip)."""
    pts = np.stack([base, base + vector]).astype(np.float64)
    trace = line_trace(pts, name=name, colour=colour, width=3, dash=dash)
    trace.update(
        mode="lines+markers",
        marker={"symbol": ["circle", "arrow"], "angleref": "previous", "size": [6, 16], "color": colour},
        cliponaxis=True,
    )
    return trace


def cliff_map(study: CliffStudy, *, height: int = 520) -> dict[str, Any]:
    """The cliff's contours, the wall, every run's path, and at the clipped SGD run's wall step both arrows."""
    land = landscapes.get(LANDSCAPE)
    base, _ = contour_traces(land, {"slope": study.slope})
    (x0, x1), (y0, y1) = land.domain
    data = [base[0]]
    data.append(
        line_trace(np.array([[WALL_X, y0], [WALL_X, y1]]), name="foot of the wall", colour="white", width=1, dash="dot")
    )
    for i, run in enumerate(study.runs):
        end = run.steps + 1 if run.diverged_at is None else max(run.diverged_at, 1)
        dash = "solid" if study.bounds[i] is not None else "dash"
        trace = line_trace(run.path[:end], name=run.label, colour=run_colour(i), width=2.5, dash=dash)
        trace.update(mode="lines+markers", marker={"size": 4, "color": run_colour(i)})
        data.append(trace)
    hit = study.hits[1]
    if hit is not None:
        data.append(
            arrow_trace(
                hit.point,
                hit.raw,
                name=f"raw step −η∇f at step {hit.step}: length {hit.raw_length:.4g}",
                colour=RAW_COLOUR,
                dash="dot",
            )
        )
        data.append(
            arrow_trace(
                hit.point,
                hit.actual,
                name=f"clipped step at step {hit.step}: length {hit.actual_length:.4g}",
                colour=CLIPPED_COLOUR,
            )
        )
    data.append({**base[1], "name": "minimum (foot of the wall)"})
    data.append(point_trace(np.asarray(study.runs[0].path[:1]), name="start", colour="white", size=10))
    layout = map_layout((x0, x1), (y0, y1), height=height, titles=("x", "y"))
    if hit is not None:
        layout["annotations"] = [
            {
                "x": float(hit.point[0]),
                "y": float(hit.point[1]),
                "text": f"clipped run hits the wall (step {hit.step})",
                "showarrow": True,
                "arrowhead": 2,
                "arrowcolor": "white",
                "ax": -90,
                "ay": -70,
                "font": {"color": "white", "size": 12},
                "bgcolor": "rgba(0,0,0,0.5)",
            }
        ]
    return {"data": data, "layout": layout}


def step_length_figure(study: CliffStudy, *, height: int = 380) -> dict[str, Any]:
    """‖xₜ₊₁ − xₜ‖ of every run against the step (log axis), with each clipped run's bound."""
    data: list[dict[str, Any]] = []
    steps = max((run.steps for run in study.runs), default=1)
    for i, run in enumerate(study.runs):
        lengths = np.maximum(step_lengths(run), LENGTH_FLOOR)
        label = html.escape(run.label)
        dash = "solid" if study.bounds[i] is not None else "dash"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(lengths))),
                "y": typed(lengths),
                "name": label,
                "line": {"color": run_colour(i), "width": 2, "dash": dash},
                "hovertemplate": f"{label}<br>step %{{x}}<br>step length %{{y:.4g}}<extra></extra>",
            }
        )
    for i, bound in enumerate(study.bounds):
        if bound is None:
            continue
        kind = "ηc" if study.runs[i].key == "sgd" else "ηc/(1−β)"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [0, steps],
                "y": [bound, bound],
                "name": f"bound {kind} = {bound:.4g}",
                "line": {"color": run_colour(i), "width": 1.5, "dash": "dot"},
                "hoverinfo": "skip",
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": "step"}},
            "yaxis": {"type": "log", "title": {"text": "step length ‖xₜ₊₁ − xₜ‖"}, "exponentformat": "power"},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }
