"""Figures for the saddles and local minima lesson: escape from a saddle, and basin maps side by side."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import landscapes
from charts.contour import contour_traces, marker_traces
from charts.encoding import typed
from charts.lessons.grid_maps import line_trace, map_layout, point_trace, step_chart_layout
from charts.markers import CHECKPOINT, MINIMUM
from charts.palette import run_colour
from charts.paths import start_trace
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.basins import DIVERGED, ESCAPE_RADIUS, NAMED_MINIMA, NO_MINIMUM, BasinMap, EscapeStudy

_ = translator("lessons_hard")

ESCAPE_MAP_HEIGHT = 480
DISTANCE_FLOOR = 1e-12
"""Distances below this (a run sitting on the saddle) are drawn at this height on the log axis."""
MINIMUM_COLOURS = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#CC79A7",
    "#0072B2",
    "#D55E00",
    "#F0E442",
    "#44AA99",
    "#882255",
    "#999933",
)
"""Okabe-Ito, then three of Paul Tol's muted colours: one per minimum (reused, never by neighbours, past ten)."""
NONE_COLOUR = "#d9d9d9"
DIVERGED_COLOUR = "#000000"


def escape_distance_figure(study: EscapeStudy, *, height: int = 380) -> dict[str, Any]:
    """Distance from the saddle against the step (log axis), the escape radius, and each escape step marked."""
    data: list[dict[str, Any]] = []
    sx, sy = study.saddle
    for i, (run, row) in enumerate(zip(study.runs, study.rows, strict=True)):
        d = np.hypot(run.path[:, 0].astype(np.float64) - sx, run.path[:, 1].astype(np.float64) - sy)
        d = np.maximum(d, DISTANCE_FLOOR)
        label = html.escape(run.label)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(d))),
                "y": typed(d),
                "name": label,
                "legendgroup": f"r{i}",
                "line": {"color": run_colour(i), "width": 2.5},
                "hovertemplate": label + "<br>" + _("step") + " %{x}<br>" + _("distance") + " %{y:.3~g}<extra></extra>",
            }
        )
        if row.escape is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [row.escape],
                    "y": [float(d[row.escape])],
                    "name": _("{label} escapes").format(label=label),
                    "legendgroup": f"r{i}",
                    "showlegend": False,
                    "marker": {
                        "symbol": CHECKPOINT,
                        "size": 10,
                        "color": run_colour(i),
                        "line": {"width": 1.5, "color": "black"},
                    },
                    "hovertemplate": _("{label} escapes at step {step}").format(label=label, step=row.escape)
                    + "<extra></extra>",
                }
            )
    steps = max((run.steps for run in study.runs), default=1)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": [0, steps],
            "y": [ESCAPE_RADIUS, ESCAPE_RADIUS],
            "name": _("escape radius R = {radius}").format(radius=f"{ESCAPE_RADIUS:g}"),
            "line": {"color": "#9e9e9e", "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        }
    )
    layout = step_chart_layout(
        height, _("distance from the saddle"), [float(np.log10(DISTANCE_FLOOR)) - 0.3, 1.0], exponentformat="power"
    )
    # The shared layout's x title is still English ("step"); this page's catalog shows it translated.
    return {"data": data, "layout": layout}


def escape_surface(landscape: str, grid: LossGrid, *, height: int = ESCAPE_MAP_HEIGHT) -> dict[str, Any]:
    """The escape map's static part: the saddle surface ``landscape`` (its loss on ``grid``), the escape circle
    around its saddle, the axes.

    Only the surface shapes it, so the offset and the learning rate leave it as it was.
    """
    land = landscapes.get(landscape)
    values = land.resolve()
    base, _unused = contour_traces(land, values, grid)
    sx, sy = (float(v) for v in land.saddles(land.resolve())[0])
    theta = np.linspace(0.0, 2.0 * np.pi, 121)
    circle = np.stack([sx + ESCAPE_RADIUS * np.cos(theta), sy + ESCAPE_RADIUS * np.sin(theta)], 1)
    data = [
        base[0],
        line_trace(
            circle,
            name=_("escape circle, R = {radius}").format(radius=f"{ESCAPE_RADIUS:g}"),
            colour="white",
            width=1.5,
            dash="dash",
        ),
    ]
    (x0, x1), (y0, y1) = land.domain
    return {"data": data, "layout": map_layout((x0, x1), (y0, y1), height=height, titles=("x", "y"))}


def escape_paths(study: EscapeStudy) -> list[dict[str, Any]]:
    """What the escape map draws over :func:`escape_surface`: each optimizer's path, the minima, saddle and start."""
    land = landscapes.get(study.landscape)
    data = []
    for i, run in enumerate(study.runs):
        end = run.steps + 1 if run.diverged_at is None else max(run.diverged_at, 1)
        data.append(line_trace(run.path[:end], name=run.label, colour=run_colour(i), width=2.5))
    minima, saddles = marker_traces(land, land.resolve())
    data += [{**minima, "name": _("minimum")}, {**saddles, "name": _("saddle point")}]
    data.append(start_trace(study.start, size=11))
    return data


def minimum_colours(minima: np.ndarray) -> list[str]:
    """A colour per minimum: :data:`MINIMUM_COLOURS` in order, or, past ten, greedily so neighbours differ.

    Past ten, the first (global) minimum keeps the first colour to itself and the
    others share the rest, never with a neighbour: minima closer than 1.5 × the
    typical nearest-neighbour spacing (Rastrigin's pits: the eight around each one).
    """
    n = len(minima)
    if n <= len(MINIMUM_COLOURS):
        return list(MINIMUM_COLOURS[:n])
    gap = np.linalg.norm(minima[:, None, :] - minima[None, :, :], axis=2)
    np.fill_diagonal(gap, np.inf)
    near = gap < 1.5 * float(np.median(gap.min(axis=1)))
    chosen = [0]
    for i in range(1, n):
        taken = {chosen[j] for j in np.nonzero(near[i, :i])[0]}
        chosen.append(next(c for c in range(1, len(MINIMUM_COLOURS)) if c not in taken))
    return [MINIMUM_COLOURS[c] for c in chosen]


def _colour_slots(labels: np.ndarray, colours: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Heatmap values: the colour slot of each cell, and the slots' colours (minima, none, diverged)."""
    palette = list(dict.fromkeys(colours))
    slot_of = np.array([palette.index(c) for c in colours] + [len(palette), len(palette) + 1], np.float32)
    index = np.where(labels == NO_MINIMUM, len(colours), np.where(labels == DIVERGED, len(colours) + 1, labels))
    return slot_of[index], [*palette, NONE_COLOUR, DIVERGED_COLOUR]


def _discrete_scale(colours: Sequence[str]) -> list[list[Any]]:
    n = len(colours)
    scale: list[list[Any]] = []
    for k, colour in enumerate(colours):
        scale += [[k / n, colour], [(k + 1) / n, colour]]
    return scale


def basin_figure(
    maps: Sequence[BasinMap], titles: Sequence[str], class_names: Mapping[int, str], *, height: int | None = None
) -> dict[str, Any]:
    """Basin maps side by side: each start coloured by the minimum its run ends in; minima starred.

    ``class_names`` names the legend's classes: the first :data:`NAMED_MINIMA` minima by index,
    :data:`NO_MINIMUM` and :data:`DIVERGED`. Without a ``height``, it follows the domain's aspect
    ratio (a wide domain gets a shorter figure), so the panels, which fill their area, stay close
    to true scale.
    """
    minima = maps[0].minima
    colours = minimum_colours(minima)
    land = landscapes.get(maps[0].landscape)
    (x0, x1), (y0, y1) = land.domain
    if height is None:
        height = int(np.clip(150 + 380 * (y1 - y0) / (x1 - x0), 300, 530))
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        # The legend sits a fixed 35 px below the plots, whatever the figure's height.
        "legend": {"orientation": "h", "y": -35.0 / (height - 80), "yanchor": "top", "x": 0},
        "annotations": [],
    }
    gap = 0.06
    width = (1.0 - gap * (len(maps) - 1)) / len(maps)
    for k, (bmap, title) in enumerate(zip(maps, titles, strict=True)):
        suffix = "" if k == 0 else str(k + 1)
        z, palette = _colour_slots(bmap.labels, colours)
        data.append(
            {
                "type": "heatmap",
                "x": typed(bmap.xs),
                "y": typed(bmap.ys),
                "z": typed(z),
                "zmin": -0.5,
                "zmax": len(palette) - 0.5,
                "colorscale": _discrete_scale(palette),
                "showscale": False,
                "name": html.escape(title),
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "hovertemplate": _("start") + " (%{x:.3~g}, %{y:.3~g})<extra></extra>",
            }
        )
        size = 11 if len(minima) <= NAMED_MINIMA else 6
        stars = point_trace(minima, name=_("known minima"), colour="white", symbol=MINIMUM, size=size)
        stars.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}", showlegend=False)
        data.append(stars)
        domain = [k * (width + gap), k * (width + gap) + width]
        layout[f"xaxis{suffix}"] = {
            "domain": domain,
            "range": [x0, x1],
            "showgrid": False,
            "zeroline": False,
        }
        layout[f"yaxis{suffix}"] = {
            "range": [y0, y1],
            "title": {"text": _("start point (x, y)") if k == 0 else ""},
            "showgrid": False,
            "zeroline": False,
        }
        layout["annotations"].append(
            {
                "text": html.escape(title),
                "xref": f"x{suffix} domain",
                "yref": f"y{suffix} domain",
                "x": 0.5,
                "y": 1.0,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 14},
            }
        )
    legend = [(class_names[i], colours[i]) for i in range(min(len(minima), NAMED_MINIMA))]
    if len(minima) > NAMED_MINIMA:
        legend = [
            (_("global {name}").format(name=class_names[0]), colours[0]),
            (_("other local minima (colours repeat)"), "#888888"),
        ]
    legend += [(class_names[NO_MINIMUM], NONE_COLOUR), (class_names[DIVERGED], DIVERGED_COLOUR)]
    for name, colour in legend:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [None],
                "y": [None],
                "name": html.escape(name),
                "marker": {"symbol": "square", "size": 12, "color": colour, "line": {"width": 1, "color": "#555"}},
                "hoverinfo": "skip",
            }
        )
    return {"data": data, "layout": layout}
