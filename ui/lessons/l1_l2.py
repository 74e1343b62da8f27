"""The L1/L2 lesson: one setting (the penalty weight α) and everything drawn for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from charts.lessons.grid_maps import Window, panel_traces, side_by_side
from charts.lessons.regularization import coefficient_figure, fence_window, geometry_overlay, geometry_surface
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import LossGrid, loss_grid
from engine.lessons.regularization import (
    LANDSCAPE_KEY,
    PENALTIES,
    PenaltyView,
    penalty,
    penalty_view,
    training_problem,
    zero_onset,
)
from landscapes import get as get_landscape
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

MAP_RESOLUTION = 160
"""Points per side of the loss grid under both panels (finer than the default: the window is wider)."""


@dataclass(frozen=True)
class PenaltyScenario(PageScenario, page="reg"):
    """The L1/L2 lesson's settings."""

    alpha: float = setting(
        0.05,
        N_("Penalty weight α (log scale)"),
        options=log_grid(1e-3, 10.0),
        format=exact_text,
        help=N_("Larger α means a smaller fence s: the optimum is pulled towards the origin."),
    )


@dataclass(frozen=True)
class PenaltyPage:
    """What the page shows for one α: both solutions, the maps' layers and the coefficient paths."""

    l1: PenaltyView
    l2: PenaltyView
    surface: SurfaceLayer
    overlay: list[dict]
    paths: dict
    zero_onset: tuple[float, int] | None
    """Where along the L1 path a weight first becomes exactly zero (α, weight index), if it does."""


def maps_window(values: Mapping[str, float]) -> Window:
    """The one window of both panels for every α: it holds each fence at α = 0, its largest (see fence_window)."""
    unpenalized = training_problem(values).minimum()
    budgets = {kind: float(penalty(unpenalized, kind)) for kind in PENALTIES}
    return fence_window(get_landscape(LANDSCAPE_KEY).domain, budgets)


@st.cache_resource(show_spinner=False, max_entries=4)
def maps_surface(lang: str) -> SurfaceLayer:
    """Both panels' loss contours over the one window that holds every α's fences (shared, never mutated).

    Cached apart from the builder: it depends on no setting, so every α shares it; keyed on the
    language ``lang`` only because its axis and colour-bar titles are translated.
    """
    land = get_landscape(LANDSCAPE_KEY)
    values = land.resolve()
    window = maps_window(values)
    grid = LossGrid(*loss_grid(land, values, MAP_RESOLUTION, domain=window))
    return figure_surface(side_by_side(geometry_surface("l1", grid, window), geometry_surface("l2", grid, window)))


def build(scenario: PenaltyScenario) -> PenaltyPage:
    """Solve both penalized problems at α and along the whole path (proximal gradient, vmapped) and draw them."""
    values = get_landscape(LANDSCAPE_KEY).resolve()
    problem = training_problem(values)
    l1, l2 = penalty_view(scenario.alpha, "l1"), penalty_view(scenario.alpha, "l2")
    overlays = [geometry_overlay(view, values, problem.level_set(view.level)) for view in (l1, l2)]
    return PenaltyPage(
        l1=l1,
        l2=l2,
        surface=maps_surface(language()),
        overlay=panel_traces(*overlays),
        paths=coefficient_figure((l1, l2)),
        zero_onset=zero_onset(l1.path_alphas, l1.path),
    )


page_view = cached_builder(PenaltyScenario, build)
