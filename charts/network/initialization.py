"""Figures of the network initialization page: the spread between hidden units, the hidden weights, and the
per-layer gradient norms of differently scaled starts.

They take finished numbers and only draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.network.training import log_ticks, step_layout
from charts.palette import run_colour
from core.i18n import translator
from engine.network.train import TrainResult

_ = translator("network_training")

HEIGHT = 360
LAYER_DASHES = ("solid", "dash", "dot", "dashdot")


def spread_figure(steps: Sequence[np.ndarray], spreads: Sequence[np.ndarray], names: Sequence[str]) -> dict[str, Any]:
    """The largest difference between two hidden units' parameters against the step, one line per run."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed(s),
            "y": typed(v),
            "name": name,
            "line": {"color": run_colour(index), "width": 2.5},
            "marker": {"size": 5},
        }
        for index, (s, v, name) in enumerate(zip(steps, spreads, names, strict=True))
    ]
    layout = step_layout(_("largest difference between hidden units"), height=HEIGHT)
    layout["yaxis"]["rangemode"] = "tozero"
    return {"data": data, "layout": layout}


def weights_figure(weights: np.ndarray, title: str, *, height: int = 300) -> dict[str, Any]:
    """The hidden units' incoming weights as a heatmap: one row per unit, one column per pixel.

    ``weights`` is ``(pixels, units)`` (the first layer's ``W``); the colour scale is symmetric about 0.
    """
    rows = np.asarray(weights, np.float32).T
    top = float(np.max(np.abs(rows))) or 1.0
    return {
        "data": [
            {
                "type": "heatmap",
                "z": typed(rows),
                "colorscale": "RdBu",
                "zmin": -top,
                "zmax": top,
                "zmid": 0.0,
                "colorbar": {"title": {"text": _("weight")}, "thickness": 12},
                "hovertemplate": _("unit %{y}, pixel %{x}: %{z:.3~g}") + "<extra></extra>",
            }
        ],
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 30, "b": 40},
            "title": {"text": title, "font": {"size": 14}, "x": 0.01},
            "xaxis": {"title": {"text": _("input pixel (8 × 8 image, row by row)")}},
            "yaxis": {"title": {"text": _("hidden unit")}, "autorange": "reversed"},
        },
    }


def gradient_figure(results: Sequence[TrainResult], *, height: int = HEIGHT) -> dict[str, Any]:
    """Each layer's full training-gradient norm against the step (log axis): colour per run, dash per layer.

    Points where a norm is exactly 0 are left out (a log axis has no 0).
    """
    data = []
    for index, r in enumerate(results):
        n = r.valid
        for layer in range(r.grad_norms.shape[1]):
            values = r.grad_norms[:n, layer]
            keep = values > 0
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": typed(r.steps[:n][keep]),
                    "y": typed(values[keep]),
                    "name": _("{run}: layer {layer}").format(run=r.label, layer=layer + 1),
                    "legendgroup": r.label,
                    "line": {"color": run_colour(index), "width": 2.2, "dash": LAYER_DASHES[layer % 4]},
                    "hovertemplate": _("layer {layer}").format(layer=layer + 1) + ": %{y:.3~g}<extra></extra>",
                }
            )
    layout = step_layout(_("gradient norm per layer (log scale)"), log=True, height=height)
    layout["yaxis"].update(log_ticks([r.grad_norms[: r.valid] for r in results]))
    return {"data": data, "layout": layout}
