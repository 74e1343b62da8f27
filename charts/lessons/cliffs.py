"""Figures for the cliff lesson: the map with the raw and the clipped step at the wall, and step lengths."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

import landscapes
from charts.contour import contour_traces, marker_traces
from charts.encoding import typed
from charts.lessons.grid_maps import line_trace, map_layout, point_trace
from charts.markers import CHECKPOINT
from charts.palette import run_colour
from charts.paths import run_traces, start_trace
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.cliffs import LANDSCAPE, CliffStudy
from landscapes.cliff import WALL_X

_ = translator("lessons_hard")

RAW_COLOUR = "#ff66ff"
"""Magenta: apart from every run colour the page uses (the fourth run, clipped momentum, is light red)."""
CLIPPED_COLOUR = "#00e5ff"
ARROWHEAD = "arrow"
"""The head of a drawn vector (as on the Playground's arrows)."""
EDGE_MARGIN = 0.02
"""An arrow longer than the map stops this share of the map's side inside its edge."""
Domain = tuple[tuple[float, float], tuple[float, float]]
MAP_HEIGHT = 520
LENGTH_FLOOR = 1e-8
"""Zero-length steps (after a run has stopped) are drawn at this height on the log axis."""


def arrow_traces(
    base: np.ndarray, vector: np.ndarray, *, name: str, colour: str, dash: str = "solid", group: str
) -> list[dict[str, Any]]:
    """A straight arrow from ``base`` along ``vector``: the shaft (named, in the legend) and its head at the tip.

    The head is its own marker trace turned to the vector's direction (the map has equal scale on
    both axes, so data and screen angles agree) and is never clipped, so a tip on the map's edge
    still shows whole; the legend shows just the shaft's line, no marker.
    """
    tip = (base + vector).astype(np.float64)
    shaft = line_trace(np.stack([base, tip]), name=name, colour=colour, width=3, dash=dash)
    shaft["legendgroup"] = group
    head = {
        "type": "scatter",
        "mode": "markers",
        "x": [float(tip[0])],
        "y": [float(tip[1])],
        "name": _("{name} (head)").format(name=name),
        "legendgroup": group,
        "showlegend": False,
        "marker": {
            "symbol": ARROWHEAD,
            "angle": float(np.degrees(np.arctan2(vector[0], vector[1]))),
            "size": 16,
            "color": colour,
        },
        "cliponaxis": False,
        "hoverinfo": "skip",
    }
    return [shaft, head]


def inside(base: np.ndarray, vector: np.ndarray, domain: Domain, margin: float = EDGE_MARGIN) -> float:
    """The largest share t ≤ 1 of ``vector`` such that ``base + t·vector`` stays ``margin`` inside ``domain``.

    ``margin`` is a share of each side's length, so an arrowhead at the edge is still drawn on the map.
    """
    share = 1.0
    for axis, (low, high) in enumerate(domain):
        pad = margin * (high - low)
        lo, hi = low + pad, high - pad
        end = base[axis] + vector[axis]
        if end < lo and vector[axis] < 0:
            share = min(share, (lo - base[axis]) / vector[axis])
        elif end > hi and vector[axis] > 0:
            share = min(share, (hi - base[axis]) / vector[axis])
    return float(np.clip(share, 0.0, 1.0))


def cliff_surface(slope: float, grid: LossGrid, *, height: int = MAP_HEIGHT) -> dict[str, Any]:
    """The map's static part for wall slope ``slope``: the contours of ``grid`` (the cliff's losses at that
    slope), the foot of the wall, the axes.

    Only the slope shapes it, so the learning rate, the threshold and momentum leave it as it was.
    """
    land = landscapes.get(LANDSCAPE)
    base, _unused = contour_traces(land, {"slope": slope}, grid)
    (x0, x1), (y0, y1) = land.domain
    wall = line_trace(
        np.array([[WALL_X, y0], [WALL_X, y1]]), name=_("foot of the wall"), colour="white", width=1, dash="dot"
    )
    return {"data": [base[0], wall], "layout": map_layout((x0, x1), (y0, y1), height=height, titles=("x", "y"))}


def _raw_share(study: CliffStudy) -> float:
    """How much of the raw step at the clipped SGD run's wall hit fits on the map (1 when all of it does)."""
    hit = study.hits[1]
    return inside(hit.point.astype(np.float64), hit.raw.astype(np.float64), landscapes.get(LANDSCAPE).domain)


def cliff_paths(study: CliffStudy) -> list[dict[str, Any]]:
    """What the map draws over :func:`cliff_surface`: each run's path; at the clipped SGD run's wall step both arrows.

    Clipped runs are drawn first (solid, wide) and unclipped ones dashed on top, so where the
    two share a stretch (before the wall, when clipping does not act) both stay visible. A raw
    step longer than the map is cut at the map's edge and says so in its label.
    """
    land = landscapes.get(LANDSCAPE)
    data: list[dict[str, Any]] = []
    order = [i for i in range(len(study.runs)) if study.bounds[i] is not None]
    order += [i for i in range(len(study.runs)) if study.bounds[i] is None]
    for i in order:
        run = study.runs[i]
        clipped = study.bounds[i] is not None
        line, head = run_traces(run, i, end="end")
        line["line"].update(width=5 if clipped else 2.5, dash="solid" if clipped else "dash")
        line["legendrank"] = head["legendrank"] = 100 + i
        data += [line, head]
    hit = study.hits[1]
    if hit is not None:
        share = _raw_share(study)
        data += arrow_traces(
            hit.point,
            hit.raw * share,
            name=(
                _("raw step −η∇f at step {step}: length {length} (cut at the map edge)")
                if share < 1.0
                else _("raw step −η∇f at step {step}: length {length}")
            ).format(step=hit.step, length=f"{hit.raw_length:.4g}"),
            colour=RAW_COLOUR,
            dash="dot",
            group="raw",
        )
        data += arrow_traces(
            hit.point,
            hit.actual,
            name=_("clipped step at step {step}: length {length}").format(
                step=hit.step, length=f"{hit.actual_length:.4g}"
            ),
            colour=CLIPPED_COLOUR,
            group="clipped",
        )
        data.append(
            point_trace(
                hit.point[None],
                name=_("wall step of clipped SGD (step {step})").format(step=hit.step),
                colour=CLIPPED_COLOUR,
                symbol=CHECKPOINT,
                size=11,
            )
        )
    minimum, _unused = marker_traces(land, {"slope": study.slope})
    data.append({**minimum, "name": _("minimum (foot of the wall)")})
    data.append(start_trace(study.runs[0].path[0].tolist()))
    return data


def cliff_annotations(study: CliffStudy) -> list[dict[str, Any]]:
    """The map's notes on the clipped SGD run's wall step: where it hits the wall, and a raw step that runs off the map.

    They are layout annotations (a dark backing, an arrow to the point), which the live map
    draws with its surface layer: the page puts them there.
    """
    hit = study.hits[1]
    if hit is None:
        return []
    (x0, x1), _unused = landscapes.get(LANDSCAPE).domain
    annotations = [
        {
            "x": float(hit.point[0]),
            "y": float(hit.point[1]),
            "text": _("clipped run hits the wall (step {step})").format(step=hit.step),
            "showarrow": True,
            "arrowhead": 2,
            "arrowcolor": "white",
            "ax": -90,
            "ay": -70,
            "font": {"color": "white", "size": 12},
            "bgcolor": "rgba(0,0,0,0.5)",
        }
    ]
    share = _raw_share(study)
    if share < 1.0:
        tip = hit.point.astype(np.float64) + hit.raw.astype(np.float64) * share
        annotations.append(
            {
                "x": float(tip[0]),
                "y": float(tip[1]),
                "text": _("raw step: {length} long, runs off the map").format(length=f"{hit.raw_length:.4g}"),
                "showarrow": False,
                "xanchor": "left" if tip[0] < (x0 + x1) / 2 else "right",
                "yanchor": "bottom",
                "yshift": 8,
                "font": {"color": RAW_COLOUR, "size": 12},
                "bgcolor": "rgba(0,0,0,0.5)",
            }
        )
    return annotations


def step_length_figure(study: CliffStudy, lengths: Sequence[np.ndarray], *, height: int = 380) -> dict[str, Any]:
    """‖xₜ₊₁ − xₜ‖ of every run against the step (log axis), with each clipped run's bound.

    ``lengths`` holds one array per run of ``study``: the length of each step it took
    (:func:`engine.lessons.cliffs.step_lengths`).
    """
    data: list[dict[str, Any]] = []
    steps = max((run.steps for run in study.runs), default=1)
    for i, (run, taken) in enumerate(zip(study.runs, lengths, strict=True)):
        shown = np.maximum(taken, LENGTH_FLOOR)
        label = html.escape(run.label)
        dash = "solid" if study.bounds[i] is not None else "dash"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(shown))),
                "y": typed(shown),
                "name": label,
                "line": {"color": run_colour(i), "width": 2, "dash": dash},
                "hovertemplate": label
                + "<br>"
                + _("step")
                + " %{x}<br>"
                + _("step length")
                + " %{y:.4~g}<extra></extra>",
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
                "name": _("bound {kind} = {bound}").format(kind=kind, bound=f"{bound:.4g}"),
                "line": {"color": run_colour(i), "width": 1.5, "dash": "dot"},
                "hoverinfo": "skip",
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("step")}},
            "yaxis": {
                "type": "log",
                "title": {"text": _("step length ‖xₜ₊₁ − xₜ‖")},
                "exponentformat": "power",
                "dtick": 1,
            },
            "legend": {"orientation": "h", "y": -0.2},
        },
    }
