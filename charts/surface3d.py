"""The 3D view: the loss surface with every run's path drawn on it."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from charts.contour import COLOURSCALE, defined_values
from charts.encoding import typed
from charts.palette import run_colour
from charts.scale import LossScale
from engine.grid import LossGrid
from engine.simulate import Trajectory
from landscapes.base import Landscape

MAX_PATH_POINTS = 400
GRID_RESOLUTION = 70
"""Grid points per side of the 3D surface."""


def surface_figure(
    landscape: Landscape, values: Mapping[str, float], runs: Sequence[Trajectory], grid: LossGrid, *, height: int = 620
) -> dict[str, Any]:
    """Surface (on the same colour scale as the contour) with the paths lifted onto it.

    ``grid`` is the loss at ``values`` (:data:`GRID_RESOLUTION` per side is plenty for a 3D mesh);
    a cell where it is NaN is a hole, not a peak.
    """
    xs, ys, z = grid
    scale = LossScale.fit(defined_values(z))
    data: list[dict[str, Any]] = [
        {
            "type": "surface",
            "x": typed(xs),
            "y": typed(ys),
            "z": typed(scale.apply(z)),
            "colorscale": COLOURSCALE,
            "showscale": False,
            "opacity": 0.85,
            "hoverinfo": "skip",
            "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": True}, "width": 1}},
        }
    ]
    lift = 0.01 * float(np.ptp(scale.apply(defined_values(z))) or 1.0)
    for i, run in enumerate(runs):
        idx = np.unique(np.round(np.linspace(0, run.steps, min(MAX_PATH_POINTS, run.steps + 1))).astype(int))
        pts = run.path[idx]
        label = html.escape(run.label)
        data.append(
            {
                "type": "scatter3d",
                "mode": "lines",
                "x": typed(pts[:, 0]),
                "y": typed(pts[:, 1]),
                "z": typed(scale.apply(run.loss[idx]) + lift),
                "name": label,
                "line": {"color": run_colour(i), "width": 6},
            }
        )
    (x0, x1), (y0, y1) = landscape.domain
    zaxis: dict[str, Any] = {"title": {"text": scale.title}}
    ticks = scale.ticks(defined_values(z))
    if ticks:
        zaxis.update(tickvals=ticks[0], ticktext=ticks[1])
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
            "scene": {
                "xaxis": {"title": {"text": "x"}, "range": [x0, x1]},
                "yaxis": {"title": {"text": "y"}, "range": [y0, y1]},
                "zaxis": zaxis,
                "aspectmode": "manual",
                "aspectratio": {"x": 1, "y": 1, "z": 0.6},
            },
            "legend": {"orientation": "h"},
            "uirevision": landscape.key,
        },
    }
