"""The L1/L2 lesson: one setting (the penalty weight α) and everything drawn for it."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from charts.lessons.grid_maps import panel_traces, side_by_side
from charts.lessons.regularization import coefficient_figure, fence_window, geometry_overlay, geometry_surface
from charts.live_map import SurfaceLayer, figure_surface
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.lessons.regularization import LANDSCAPE_KEY, PenaltyView, penalty_view, zero_onset
from landscapes import get as get_landscape
from ui.page_form import cached_builder
from ui.param_widgets import log_grid


@dataclass(frozen=True)
class PenaltyScenario(PageScenario, page="reg"):
    """The L1/L2 lesson's settings."""

    alpha: float = setting(
        0.05,
        "Penalty weight α (log scale)",
        options=log_grid(1e-3, 10.0),
        format=exact_text,
        help="Larger α means a smaller fence s: the optimum is pulled towards the origin.",
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


@st.cache_resource(show_spinner=False, max_entries=1)
def maps_surface() -> SurfaceLayer:
    """Both panels' loss contours over the one window that holds every α's fences (shared, never mutated)."""
    values = get_landscape(LANDSCAPE_KEY).resolve()
    window = fence_window(values)
    return figure_surface(side_by_side(geometry_surface("l1", values, window), geometry_surface("l2", values, window)))


def build(scenario: PenaltyScenario) -> PenaltyPage:
    """Solve both penalized problems at α and along the whole path (proximal gradient, vmapped) and draw them."""
    values = get_landscape(LANDSCAPE_KEY).resolve()
    l1, l2 = penalty_view(scenario.alpha, "l1"), penalty_view(scenario.alpha, "l2")
    return PenaltyPage(
        l1=l1,
        l2=l2,
        surface=maps_surface(),
        overlay=panel_traces(geometry_overlay(l1, values), geometry_overlay(l2, values)),
        paths=coefficient_figure((l1, l2)),
        zero_onset=zero_onset(l1.path_alphas, l1.path),
    )


page_view = cached_builder(PenaltyScenario, build)
