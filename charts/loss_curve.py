"""Loss against step for every run, on a log axis, with divergence marked."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.palette import run_colour
from engine.simulate import Trajectory


def loss_figure(runs: Sequence[Trajectory], best: float | None, *, height: int = 320) -> dict[str, Any]:
    """Loss curves; with a known best value ``best`` the y axis is the gap ``f - f*`` (log)."""
    data = []
    floor = 1e-12
    for i, run in enumerate(runs):
        end = run.steps + 1 if run.diverged_at is None else run.diverged_at
        y = run.loss[:end].astype(np.float64)
        if best is not None:
            y = np.maximum(y - best, floor)
        label = html.escape(run.label)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(end)),
                "y": typed(y),
                "name": label,
                "line": {"color": run_colour(i), "width": 2},
                "hovertemplate": "%{fullData.name}<br>step %{x}<br>%{y:.4~g}<extra></extra>",
            }
        )
        if run.diverged_at is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers+text",
                    "x": [end - 1],
                    "y": [float(y[-1]) if len(y) else 1.0],
                    "text": [f"diverged at step {run.diverged_at}"],
                    "textposition": "top center",
                    "marker": {"symbol": "x", "size": 14, "color": run_colour(i), "line": {"width": 2}},
                    "name": f"{label} diverged",
                    "showlegend": False,
                    "hovertemplate": f"%{{fullData.name}} at step {run.diverged_at}<extra></extra>",
                }
            )
    ytitle = "loss − best known loss" if best is not None else "loss"
    use_log = best is not None or all(float(np.min(r.loss)) > 0 for r in runs)
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": "step"}},
            "yaxis": {
                "title": {"text": ytitle + (" (log)" if use_log else "")},
                "type": "log" if use_log else "linear",
                "exponentformat": "power",
            },
            "legend": {"orientation": "h", "y": -0.25},
            "hovermode": "x unified",
        },
    }
