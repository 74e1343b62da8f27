"""Loss against step for every run, on a log axis, with divergence marked."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.palette import run_colour
from core.i18n import translator
from engine.simulate import Trajectory

_ = translator("app")

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


FLOOR = 1e-12
"""The smallest gap to the best loss plotted (a log axis has no zero)."""


@dataclass(frozen=True)
class LossCurves:
    """What a loss chart plots: each run's curve (to its last finite step), its axes and their titles."""

    runs: tuple[Trajectory, ...]
    curves: tuple[np.ndarray, ...]
    """Per run, the values plotted at steps 0, 1, ...: the loss, or its gap to ``best`` (floored at FLOOR)."""
    best: float | None
    log: bool

    @classmethod
    def of(cls, runs: Sequence[Trajectory], best: float | None) -> LossCurves:
        curves = []
        for run in runs:
            end = run.steps + 1 if run.diverged_at is None else run.diverged_at
            y = run.loss[:end].astype(np.float64)
            curves.append(np.maximum(y - best, FLOOR) if best is not None else y)
        log = best is not None or all(float(np.min(r.loss)) > 0 for r in runs)
        return cls(tuple(runs), tuple(curves), best, log)

    def layout(self, height: int, surface: tuple[float, float] | None = None) -> dict[str, Any]:
        """The chart's layout: axes whose ranges snap outward to whole decades (log) or round steps (linear).

        Snapped ranges change only when the curves cross a decade or a step, so the live chart
        (:func:`ui.live_map.live_chart`) redraws its axes rarely; its curves move on every rerun.
        ``surface`` (the lowest and highest loss on the map) fixes the axis for the surface: from
        the floor (or the lowest loss, or the curves' lowest point if lower) to the highest loss,
        so a new start or an lr move never redraws the axes (40-75 ms of plotly.js per click,
        ``benchmarks/live_map_bench.py``); a curve above the highest loss on the map is cut.
        """
        shown = np.concatenate([np.empty(0), *self.curves])
        shown = shown[np.isfinite(shown) & (shown > 0 if self.log else True)]
        if surface is not None and all(math.isfinite(v) for v in surface):
            lowest, highest = surface
            if self.best is not None:
                lowest, highest = FLOOR, max(highest - self.best, FLOOR * 10)
            if shown.size:
                lowest = min(lowest, float(shown.min()))
            if not self.log or lowest > 0:
                shown = np.array([lowest, highest])
        title = _("loss − best known loss") if self.best is not None else _("loss")
        title += " (" + _("log") + ")" if self.log else ""
        yaxis: dict[str, Any] = {"title": {"text": title}, "type": "log" if self.log else "linear"}
        if shown.size:
            if self.log:
                low, high = math.floor(math.log10(shown.min())), math.ceil(math.log10(shown.max()))
                high = max(high, low + 1)
                yaxis["range"] = [low - 0.15, high + 0.15]  # a curve on the floor stays in view
                values, labels = log_ticks(10.0**low, 10.0**high)
                if values:
                    yaxis["tickvals"], yaxis["ticktext"] = values, labels
            else:
                yaxis["range"] = list(round_range(float(shown.min()), float(shown.max())))
        steps = max((run.steps for run in self.runs), default=1)
        return {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("step")}, "range": [0, max(steps, 1)]},
            "yaxis": yaxis,
            "legend": {"orientation": "h", "y": -0.25},
            "hovermode": False,
        }


def round_range(lo: float, hi: float, strides: int = 5) -> tuple[float, float]:
    """``[lo, hi]`` widened outward to whole multiples of a round stride (1, 2 or 5 times a power of ten)."""
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    raw = span / strides
    power = 10.0 ** math.floor(math.log10(raw))
    stride = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return math.floor(lo / stride) * stride, math.ceil(hi / stride) * stride if hi > lo else lo + stride


def diverged_note(run: Trajectory) -> str:
    """The words beside a diverged run's last point."""
    return _("diverged at step {step}").format(step=run.diverged_at)


def loss_payload(loss: LossCurves) -> dict[str, Any]:
    """The curves as the live chart draws them (:func:`charts.live_map.runs_payload`'s format): (step, value) pairs.

    Only a diverged run shows its last point, an x with the step it diverged at.
    """
    return {
        "runs": [
            {
                "name": html.escape(run.label),
                "colour": run_colour(i),
                "xy": typed(np.stack([np.arange(len(y)), y], axis=1).reshape(-1)),
                "steps": len(y) - 1,
                "diverged_at": run.diverged_at,
                "note": None if run.diverged_at is None else diverged_note(run),
            }
            for i, (run, y) in enumerate(zip(loss.runs, loss.curves, strict=True))
        ],
        "frames": [max((len(y) - 1 for y in loss.curves), default=0)],
        "arrows": [],
        "start": None,
        "heads": "diverged",
        "tip": "step",
    }


def loss_figure(runs: Sequence[Trajectory], best: float | None, *, height: int = 320) -> dict[str, Any]:
    """Loss curves as a plotly figure; with a known best value ``best`` the y axis is the gap ``f - f*`` (log)."""
    loss = LossCurves.of(runs, best)
    step_x = _("step {step}").format(step="%{x}")
    data = []
    for i, (run, y) in enumerate(zip(loss.runs, loss.curves, strict=True)):
        label = html.escape(run.label)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(y))),
                "y": typed(y),
                "name": label,
                "line": {"color": run_colour(i), "width": 2},
                "hovertemplate": f"%{{fullData.name}}<br>{step_x}<br>%{{y:.4~g}}<extra></extra>",
            }
        )
        if run.diverged_at is not None:
            at_step = _("at step {step}").format(step=run.diverged_at)
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers+text",
                    "x": [len(y) - 1],
                    "y": [float(y[-1]) if len(y) else 1.0],
                    "text": [diverged_note(run)],
                    "textposition": "top center",
                    "marker": {"symbol": "x", "size": 14, "color": run_colour(i), "line": {"width": 2}},
                    "name": f"{label} " + _("diverged"),
                    "showlegend": False,
                    "hovertemplate": f"%{{fullData.name}} {at_step}<extra></extra>",
                }
            )
    return {"data": data, "layout": {**loss.layout(height), "hovermode": "x unified"}}
