"""Figures for the early-stopping lesson: the path on the training map, and both losses along it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import landscapes
from charts.contour import defined_values, filled_contour, marker_traces
from charts.encoding import typed
from charts.lessons.grid_maps import (
    Window,
    diverged_trace,
    line_trace,
    log_axis_ticks,
    map_layout,
    point_trace,
    zoom_box,
)
from charts.markers import CHECKPOINT, MINIMUM, REFERENCE
from charts.palette import run_colour
from charts.scale import LossScale
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.early_stopping import EarlyStopping
from engine.lessons.regularization import LANDSCAPE_KEY
from landscapes.train_val import validation_minimum

_ = translator("lessons_reg")
PATH_COLOUR = run_colour(0)
VALIDATION_COLOUR = run_colour(1)
BEST_COLOUR = run_colour(5)
"""Yellow: the best step is a minimum (of the validation curve), apart from the training minimum's white star."""
STOP_COLOUR = run_colour(3)
RIDGE_COLOUR = "#ffffff"
MAP_HEIGHT = 600


def best_name(step: int) -> str:
    """The legend name of the best step, on both charts: the minimum of the validation curve."""
    return _("best step {step}: validation minimum along the path").format(step=step)


def training_map_window(result: EarlyStopping, values: Mapping[str, float]) -> Window:
    """The map's axis ranges: a square around the path (after the stop too), both minima and the nearest ridge point.

    The run sets it, but patience and restoring leave it alone: they only move the stop along the same path.
    """
    land = landscapes.get(LANDSCAPE_KEY)
    path = result.run.path[: len(result.validation)]
    (x0, x1), (y0, y1) = land.domain
    focus = np.concatenate([path, [validation_minimum(values)], land.minima(values), [result.ridge_point]])
    focus = focus[(focus[:, 0] >= x0) & (focus[:, 0] <= x1) & (focus[:, 1] >= y0) & (focus[:, 1] <= y1)]
    (wx0, wx1), (wy0, wy1) = zoom_box(focus) if len(focus) else ((x0, x1), (y0, y1))
    return (float(wx0), float(wx1)), (float(wy0), float(wy1))


def training_map_surface(grid: LossGrid, ridge_path: np.ndarray, window: Window) -> dict[str, Any]:
    """The map's static part in ``window``: the training-loss contours of ``grid`` and the ridge path (points
    (n, 2), α from 0 up), both set by the data alone.
    """
    contour = filled_contour(grid.xs, grid.ys, grid.z, LossScale.fit(defined_values(grid.z)))
    line = line_trace(ridge_path, name=_("ridge (L2) path, α from 0 to ∞"), colour=RIDGE_COLOUR, width=1.5, dash="dot")
    return {"data": [contour, line], "layout": map_layout(*window, height=MAP_HEIGHT)}


def training_map_overlay(result: EarlyStopping, values: Mapping[str, float]) -> list[dict[str, Any]]:
    """What the map draws over :func:`training_map_surface`: the path, the minima, the best and stopping points,
    and the nearest ridge point.
    """
    land = landscapes.get(LANDSCAPE_KEY)
    run = result.run
    path = run.path[: len(result.validation)]
    kept = result.kept_point
    minimum = marker_traces(land, values)[0]
    data = [
        line_trace(path[: result.stop_step + 1], name=_("path until the stop"), colour=PATH_COLOUR, width=2.5),
        line_trace(
            path[result.stop_step :], name=_("path after the stop (not run)"), colour=PATH_COLOUR, width=1.5, dash="dot"
        ),
        {**minimum, "name": _("training minimum")},
        point_trace(
            np.asarray(validation_minimum(values))[None],
            name=_("validation minimum (lowest held-out loss anywhere)"),
            colour=VALIDATION_COLOUR,
            symbol=MINIMUM,
            size=19,
        ),
        point_trace(
            path[result.best_step][None], name=best_name(result.best_step), colour=BEST_COLOUR, symbol=MINIMUM, size=14
        ),
        point_trace(
            path[result.stop_step][None],
            name=_("stop (step {step})").format(step=result.stop_step),
            colour=STOP_COLOUR,
            symbol=CHECKPOINT,
        ),
        line_trace(
            np.stack([kept, result.ridge_point]),
            name=_("gap to the ridge path"),
            colour=RIDGE_COLOUR,
            width=2,
            showlegend=False,
        ),
        point_trace(
            result.ridge_point[None],
            name=_("nearest ridge solution (α = {alpha}), {distance} away").format(
                alpha=f"{result.ridge_alpha:.2g}", distance=f"{result.ridge_distance:.3g}"
            ),
            colour=RIDGE_COLOUR,
            symbol=REFERENCE,
            size=12,
        ),
    ]
    if run.diverged_at is not None:
        data.append(diverged_trace(path[-1], label="SGD", step=run.diverged_at, colour=PATH_COLOUR))
    return data


def _vertical(step: int, low: float, high: float, colour: str, dash: str, name: str) -> dict[str, Any]:
    # A trace rather than a layout shape: shape coordinates on log axes are easy to get wrong.
    return {
        "type": "scatter",
        "mode": "lines",
        "x": [max(step, 1), max(step, 1)],
        "y": [low, high],
        "name": name,
        "line": {"color": colour, "dash": dash, "width": 1.5},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def curves_figure(result: EarlyStopping, *, height: int = 600) -> dict[str, Any]:
    """Training and validation loss against the step (log axis, from step 1); best and stop steps marked.

    The steps after the stop (which early stopping would not have run) are drawn faint.
    """
    steps = np.arange(len(result.validation))
    stop = result.stop_step
    low = float(min(result.train.min(), result.validation.min()))
    high = float(max(result.train[1:].max(initial=low), result.validation[1:].max(initial=low)))
    data: list[dict[str, Any]] = []
    for values, name, colour in (
        (result.train, _("training loss"), PATH_COLOUR),
        (result.validation, _("validation loss"), VALIDATION_COLOUR),
    ):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(steps[1 : stop + 1]),
                "y": typed(values[1 : stop + 1]),
                "name": name,
                "line": {"color": colour, "width": 2.5},
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(steps[stop:]),
                "y": typed(values[stop:]),
                "name": _("{name} after the stop (not run)").format(name=name),
                "line": {"color": colour, "width": 1.5, "dash": "dot"},
                "opacity": 0.6,
                "showlegend": False,
            }
        )
    data += [
        _vertical(result.best_step, low, high, BEST_COLOUR, "dash", _("best step")),
        _vertical(stop, low, high, STOP_COLOUR, "solid", _("stop step")),
        {
            "type": "scatter",
            "mode": "markers",
            "x": [max(result.best_step, 1)],
            "y": [float(result.validation[result.best_step])],
            "name": best_name(result.best_step),
            "marker": {"color": BEST_COLOUR, "size": 15, "symbol": MINIMUM, "line": {"width": 1.5, "color": "black"}},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "x": [max(stop, 1)],
            "y": [float(result.validation[stop])],
            "name": _("stop (step {step})").format(step=stop),
            "marker": {
                "color": STOP_COLOUR,
                "size": 12,
                "symbol": CHECKPOINT,
                "line": {"width": 1.5, "color": "black"},
            },
        },
    ]
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {
                "type": "log",
                "title": {"text": _("step (log scale)")},
                **dict(zip(("tickvals", "ticktext"), log_axis_ticks(1, max(len(steps) - 1, 1)), strict=True)),
            },
            "yaxis": {"title": {"text": _("loss")}},
            "legend": {"orientation": "h", "y": -0.2, "yanchor": "top"},
            "hovermode": "x unified",
        },
    }
