"""Figures for the L1/L2 geometry lesson: the budget region on the loss map, and the coefficient paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import landscapes
from charts.contour import marker_traces
from charts.encoding import typed
from charts.lessons.grid_maps import (
    Window,
    covering_window,
    grid_contour,
    line_trace,
    log_axis_ticks,
    map_layout,
    point_trace,
    region_trace,
)
from charts.markers import MINIMUM
from charts.palette import run_colour
from charts.scale import LossScale
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.regularization import LANDSCAPE_KEY, PenaltyView

_ = translator("lessons_reg")
PENALTY_COLOURS = {"l1": run_colour(0), "l2": run_colour(1)}
PENALTY_NAMES = {"l1": "L1", "l2": "L2"}
REGION_FILL = {"l1": "rgba(230,159,0,0.22)", "l2": "rgba(86,180,233,0.22)"}


def region_outline(kind: str, budget: float, points: int = 241) -> np.ndarray:
    """The boundary of ``|w1| + |w2| <= s`` (a diamond) or ``w1² + w2² <= s`` (a circle of radius √s), closed."""
    if kind == "l1":
        return np.array([[budget, 0.0], [0.0, budget], [-budget, 0.0], [0.0, -budget], [budget, 0.0]])
    theta = np.linspace(0.0, 2.0 * np.pi, points)
    radius = np.sqrt(max(budget, 0.0))
    return np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)


def fence_window(domain: Window, budgets: Mapping[str, float]) -> Window:
    """One window for every panel and every α: the landscape's ``domain``, widened until each whole fence shows.

    At small α the L1 diamond reaches ``-s`` on both axes, beyond the domain's left
    edge; a fence cut off there would hide the corner the lesson is about. The fences
    are largest at α = 0, where they pass through the unpenalized minimum w*, and shrink
    as α grows (the penalized optimum's norm falls with α), so the window holds both
    fences at α = 0 and never has to move: the map's surface stays the same for every α.
    ``budgets`` holds those largest fences: each penalty's ``s`` at w* (``{"l1": ..., "l2": ...}``).
    """
    (x0, x1), (y0, y1) = domain
    corners = np.array([[x0, y0], [x1, y1]])
    outlines = [region_outline(kind, budget) for kind, budget in budgets.items()]
    return covering_window(np.concatenate([corners, *outlines]), margin=0.04)


def geometry_surface(kind: str, grid: LossGrid, window: Window) -> dict[str, Any]:
    """One panel's surface: the loss contours of ``grid`` (computed over ``window``), axes and title.

    Panels drawn side by side share ``window`` (from :func:`fence_window`) and ``grid``, and
    so share one colour scale. It depends on the window alone, so a new α keeps the surface.
    """
    penalty = "‖w‖₁" if kind == "l1" else "‖w‖₂²"
    title = f"{PENALTY_NAMES[kind]}: f(w) + α·{penalty}"
    contour = grid_contour(grid.xs, grid.ys, grid.z, LossScale.fit(grid.z))
    return {"data": [contour], "layout": map_layout(*window, height=470, title=title)}


def geometry_overlay(view: PenaltyView, values: Mapping[str, float], level_set: np.ndarray) -> list[dict[str, Any]]:
    """What one panel draws over its surface: the fence, the loss contour through the optimum, the path, the minima.

    ``level_set`` is the contour through the optimum, the exact ellipse ``f = view.level`` of
    the quadratic loss (:meth:`engine.lessons.regularization.LeastSquares.level_set`): a few
    hundred points, sent with every α, where a contour trace would resend the whole loss grid.
    """
    land = landscapes.get(LANDSCAPE_KEY)
    minima = marker_traces(land, values)[0]
    colour = PENALTY_COLOURS[view.kind]
    name = PENALTY_NAMES[view.kind]
    symbol = "|w₁| + |w₂|" if view.kind == "l1" else "w₁² + w₂²"
    penalty = "‖w‖₁" if view.kind == "l1" else "‖w‖₂²"
    contour = line_trace(
        level_set,
        name=_("loss contour f = {level}").format(level=f"{view.level:.3g}"),
        colour="white",
        dash="dot",
    )
    contour.pop("hovertemplate")
    contour["hoverinfo"] = "skip"
    return [
        region_trace(
            region_outline(view.kind, view.budget),
            name=f"{symbol} ≤ s = {view.budget:.3g}",
            colour=colour,
            fill=REGION_FILL[view.kind],
        ),
        contour,
        line_trace(
            view.path, name=_("{name} path (α from 0 to 100)").format(name=name), colour=colour, width=2, dash="dash"
        ),
        {**minima, "name": _("unpenalized minimum")},
        point_trace(
            view.optimum[None],
            name=_("{name} optimum: minimum of f + α{penalty}").format(name=name, penalty=penalty),
            colour=colour,
            symbol=MINIMUM,
            size=17,
            text=_("{name} optimum at α = {alpha}").format(name=name, alpha=f"{view.alpha:.3g}"),
        ),
    ]


def coefficient_figure(views: tuple[PenaltyView, ...]) -> dict[str, Any]:
    """Each weight of each penalized optimum against alpha (log axis), with the chosen alpha marked."""
    data: list[dict[str, Any]] = []
    for view in views:
        keep = view.path_alphas > 0
        name = PENALTY_NAMES[view.kind]
        for j, dash in ((0, "solid"), (1, "dot")):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": typed(view.path_alphas[keep]),
                    "y": typed(view.path[keep, j]),
                    "name": f"{name}: w{'₁₂'[j]}",
                    "line": {"color": PENALTY_COLOURS[view.kind], "width": 2.5, "dash": dash},
                    "hovertemplate": f"{name} w{'₁₂'[j]}<br>α = %{{x:.3~g}}<br>%{{y:.4~g}}<extra></extra>",
                }
            )
    if views:
        low = min(float(v.path[:, :].min()) for v in views)
        high = max(float(v.path[:, :].max()) for v in views)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [views[0].alpha, views[0].alpha],
                "y": [low, high],
                "name": _("α = {alpha} (slider)").format(alpha=f"{views[0].alpha:g}"),
                "line": {"color": "grey", "dash": "dash", "width": 1.5},
                "hoverinfo": "skip",
            }
        )
    alphas = np.concatenate([v.path_alphas[v.path_alphas > 0] for v in views]) if views else np.array([1.0])
    ticks, labels = log_axis_ticks(float(alphas.min()), float(alphas.max()), mantissas=(1.0,))
    return {
        "data": data,
        "layout": {
            "height": 330,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {
                "type": "log",
                "title": {"text": _("penalty weight α (log)")},
                "tickvals": ticks,
                "ticktext": labels,
            },
            "yaxis": {"title": {"text": _("weight at the optimum")}, "zeroline": True},
            "legend": {"orientation": "h", "y": -0.25},
            "hovermode": "x unified",
        },
    }
