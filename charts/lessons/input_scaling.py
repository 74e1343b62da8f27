"""Figures for the input-scaling lesson: the raw and the standardized bowl, and GD's progress on each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.lessons.grid_maps import (
    Window,
    diverged_trace,
    grid_contour,
    line_trace,
    log_axis_ticks,
    map_layout,
    point_trace,
)
from charts.markers import MINIMUM
from charts.palette import run_colour
from charts.paths import start_trace
from charts.scale import LossScale
from core.i18n import N_, translator
from engine.grid import LossGrid
from engine.lessons.input_scaling import START, ScalingView

COLOURS = {"raw": run_colour(0), "standardized": run_colour(1)}
_ = translator("lessons_reg")
TITLES = {"raw": N_("Raw inputs"), "standardized": N_("Standardized inputs")}
GAP_FLOOR = 1e-12
"""Gaps below this (down to float rounding) are drawn on it; its tick reads "≤ 1e-12"."""


def bowl_surface(view: ScalingView, grid: LossGrid, window: Window) -> dict[str, Any]:
    """One problem's loss contours (``grid``, over ``window``), its axes and title (with κ).

    It depends on the problem alone (the scale s and the correlation ρ), not on the step
    size or the steps, so a rerun that only changes the run keeps it.
    """
    title = _(TITLES[view.name]) + f": κ = {view.kappa:.4g}"
    data = [grid_contour(grid.xs, grid.ys, grid.z, LossScale.fit(grid.z))]
    return {"data": data, "layout": map_layout(*window, height=470, title=title)}


def bowl_overlay(view: ScalingView) -> list[dict[str, Any]]:
    """What one problem's panel draws over its surface: the GD path, the start, the minimum, an x if it diverged."""
    end = len(view.path) if view.diverged_at is None else max(view.diverged_at, 1)
    label = _("GD, η = {lr}").format(lr=f"{view.lr:.3g}")
    data = [
        line_trace(view.path[:end], name=label, colour=COLOURS[view.name]),
        start_trace(START, size=12),
        point_trace(
            view.minimum[None], name=_("minimum (least-squares weights)"), colour="white", symbol=MINIMUM, size=15
        ),
    ]
    if view.diverged_at is not None:
        data.append(diverged_trace(view.path[end - 1], label=label, step=view.diverged_at, colour=COLOURS[view.name]))
    return data


def gap_figure(views: Sequence[ScalingView], *, height: int = 320) -> dict[str, Any]:
    """``f(w_t) - f*`` against the step for both problems (log axis)."""
    data = []
    for view in views:
        gap = np.maximum(view.gap, GAP_FLOOR)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(np.arange(len(gap))),
                "y": typed(gap),
                "name": _(TITLES[view.name]) + f" (κ = {view.kappa:.3g})",
                "line": {"color": COLOURS[view.name], "width": 2.5},
            }
        )
    top = max([GAP_FLOOR * 10, *(float(np.max(view.gap)) for view in views)])
    ticks, text = log_axis_ticks(GAP_FLOOR, top, mantissas=(1.0,))
    ticks, text = ticks[::3], text[::3]  # every third power of ten, from the floor (which reads "at most")
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("step")}},
            "yaxis": {
                "type": "log",
                "title": {"text": _("loss − minimum loss (log)")},
                "range": [np.log10(GAP_FLOOR) - 0.3, np.log10(top) + 0.2],
                "tickvals": ticks,
                "ticktext": [f"≤ {text[0]}", *text[1:]],
            },
            "legend": {"orientation": "h", "y": -0.25},
            "hovermode": "x unified",
        },
    }
