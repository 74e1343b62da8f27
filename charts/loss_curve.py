"""Loss against step for every run, on a log axis, with divergence marked."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.palette import run_colour
from engine.simulate import Trajectory

SUPERSCRIPT_MINUS = "\u2212"


def log_tick_label(value: float, plain: bool) -> str:
    """A tick of a log axis: plain (0.5, 20) or as a power of ten (10^-6, 2x10^-7) in HTML."""
    if plain:
        return f"{value:.6f}".rstrip("0").rstrip(".")
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10.0**exponent)
    if exponent in (0, 1) and mantissa == 1:
        return "1" if exponent == 0 else "10"
    power = f"10<sup>{str(exponent).replace('-', SUPERSCRIPT_MINUS)}</sup>"
    return power if mantissa == 1 else f"{mantissa}×{power}"


def log_ticks(lo: float, hi: float, most: int = 8) -> tuple[list[float], list[str]]:
    """Round tick values and labels for a log axis showing ``[lo, hi]`` (both > 0); empty if none fit.

    Over three decades or more: powers of ten, every k-th decade so that at most ``most``
    show. Over fewer: 1, 2 and 5 times powers of ten (1 to 9 times on a very short axis).
    Every label reads as its value, in one style: Plotly's own labels mix 10^-1 with bare
    5 and 2 for the ticks between powers.
    """
    low, high = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if math.log10(hi / lo) >= 3:
        every = math.ceil((high - low) / (most - 1))
        values = [10.0**e for e in range(low, high + 1) if e % every == 0]
    else:
        for mantissas in ((1, 2, 5), range(1, 10)):
            values = [float(f"{m * 10.0**e:.12g}") for e in range(low, high + 1) for m in mantissas]
            if sum(lo <= v <= hi for v in values) >= 2:
                break
        else:
            return [], []
        values = [v for v in values if lo / 2 <= v <= hi * 2]  # Plotly pads the range a little
    plain = all(1e-3 <= v < 1e4 for v in values)
    return values, [log_tick_label(v, plain) for v in values]


def loss_figure(runs: Sequence[Trajectory], best: float | None, *, height: int = 320) -> dict[str, Any]:
    """Loss curves; with a known best value ``best`` the y axis is the gap ``f - f*`` (log)."""
    data = []
    plotted: list[np.ndarray] = []
    floor = 1e-12
    for i, run in enumerate(runs):
        end = run.steps + 1 if run.diverged_at is None else run.diverged_at
        y = run.loss[:end].astype(np.float64)
        if best is not None:
            y = np.maximum(y - best, floor)
        plotted.append(y)
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
    yaxis: dict[str, Any] = {
        "title": {"text": ytitle + (" (log)" if use_log else "")},
        "type": "log" if use_log else "linear",
        "exponentformat": "power",
    }
    shown = np.concatenate([np.empty(0), *plotted])
    shown = shown[np.isfinite(shown) & (shown > 0)]
    ticks = log_ticks(float(shown.min()), float(shown.max())) if use_log and shown.size else ([], [])
    if ticks[0]:
        yaxis["tickvals"], yaxis["ticktext"] = ticks
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": "step"}},
            "yaxis": yaxis,
            "legend": {"orientation": "h", "y": -0.25},
            "hovermode": "x unified",
        },
    }
