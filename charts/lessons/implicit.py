"""Figures for the implicit-regularization lesson: flat share against batch size, and the modified loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import landscapes
from charts.contour import COLOURSCALE, axes_layout, colour_bar
from charts.encoding import typed
from charts.palette import run_colour
from charts.scale import LossScale
from engine.lessons.implicit import LANDSCAPE, FlatShare, ModifiedGrid, Prediction

LEVELS = 30
LOG_OFFSET = 0.01
"""Colour = log10(loss - lower minimum + this): levels crowd near the floors, where the valleys differ."""


def share_figure(shares: Sequence[FlatShare], *, height: int = 460) -> dict[str, Any]:
    """Share of runs ending in the flat minimum against batch size, one line per lr, Wilson 95% bars."""
    data = []
    sizes: tuple[int, ...] = ()
    for i, s in enumerate(sorted(shares, key=lambda s: s.lr)):
        sizes = s.sizes
        share = s.share
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": typed(np.asarray(s.sizes, np.float64)),
                "y": typed(share),
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": typed(s.high - share),
                    "arrayminus": typed(share - s.low),
                    "thickness": 1.5,
                    "width": 4,
                },
                "customdata": np.stack([s.flat, s.low, s.high], axis=1).round(4).tolist(),
                "name": f"η = {s.lr:g}",
                "line": {"color": run_colour(i), "width": 2.5},
                "marker": {"size": 8},
                "hovertemplate": (
                    f"η = {s.lr:g}, B = %{{x}}<br>%{{customdata[0]:.0f}} of {s.seeds} runs in the flat minimum"
                    "<br>share %{y:.3f} (95%: %{customdata[1]:.3f}–%{customdata[2]:.3f})<extra></extra>"
                ),
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {
                "title": {"text": "batch size B (log scale)"},
                "type": "log",
                "tickvals": [float(b) for b in sizes],
                "ticktext": [str(b) for b in sizes],
            },
            "yaxis": {"title": {"text": "share of runs ending in the flat minimum"}, "range": [-0.03, 1.03]},
            "legend": {"orientation": "h", "y": -0.2, "x": 0},
            "hovermode": "closest",
        },
    }


def modified_map(grid: ModifiedGrid, pred: Prediction, start: Sequence[float], *, height: int = 460) -> dict[str, Any]:
    """The modified loss filled, the plain loss as dashed lines at the same levels, minima and start marked."""
    land = landscapes.get(LANDSCAPE)
    # A log scale (height above the lower minimum) puts most levels near the two floors, where the
    # penalty changes the valleys' shapes; a linear one would spend them on the far walls.
    scale = LossScale(log=True, floor=min(pred.depth), offset=LOG_OFFSET)
    shown = scale.apply(grid.modified)
    plain = scale.apply(grid.loss)
    low, high = float(shown.min()), float(shown.max())
    levels = {"start": low, "end": high, "size": (high - low) / LEVELS if high > low else 1.0}
    data: list[dict[str, Any]] = [
        {
            "type": "contour",
            "x": typed(grid.xs),
            "y": typed(grid.ys),
            "z": typed(shown),
            "colorscale": COLOURSCALE,
            "autocontour": False,
            "contours": {**levels, "coloring": "fill", "showlines": False},
            "colorbar": colour_bar(scale, grid.modified),
            "hoverinfo": "skip",
            "name": f"f + (η/4)‖∇f‖², η = {grid.lr:g}",
            "showlegend": False,
        },
        {
            "type": "contour",
            "x": typed(grid.xs),
            "y": typed(grid.ys),
            "z": typed(plain),
            "autocontour": False,
            "contours": {**levels, "coloring": "none"},
            "line": {"color": "rgba(255,255,255,0.55)", "width": 1, "dash": "dot"},
            "showscale": False,
            "hoverinfo": "skip",
            "name": "f alone (same levels)",
            "showlegend": True,
        },
    ]
    names = ("sharp", "flat")
    for k, (m, colour) in enumerate(zip(pred.minima, ("#ff4d4d", "#ffffff"), strict=True)):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(m[0])],
                "y": [float(m[1])],
                "name": f"{names[k]} minimum: curvature {pred.curvature[k]:.3g} → {pred.modified[k]:.3g}",
                "marker": {"symbol": "star", "size": 15, "color": colour, "line": {"width": 1.5, "color": "black"}},
                "hovertemplate": f"{names[k]} minimum (%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [float(start[0])],
            "y": [float(start[1])],
            "name": "start of every run",
            "marker": {"symbol": "circle-open", "size": 13, "color": "white", "line": {"width": 3}},
            "hovertemplate": "start (%{x:.3g}, %{y:.3g})<extra></extra>",
        }
    )
    layout = {
        **axes_layout(land),
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "legend": {"orientation": "h", "y": -0.12, "x": 0},
    }
    layout["xaxis"] = {**layout["xaxis"], "range": [float(grid.xs[0]), float(grid.xs[-1])]}
    layout["yaxis"] = {
        **layout["yaxis"],
        "range": [float(grid.ys[0]), float(grid.ys[-1])],
        "scaleanchor": "x",
        "scaleratio": 1,
    }
    return {"data": data, "layout": layout}
