"""The input-scaling lesson: the scale s, the correlation ρ, the relative step and the steps, and all it draws."""

from __future__ import annotations

from dataclasses import dataclass

from charts.lessons.grid_maps import panel_traces, side_by_side
from charts.lessons.input_scaling import bowl_overlay, bowl_surface, gap_figure
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, translator
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import LossGrid
from engine.lessons import input_scaling as sc
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

_ = translator("lessons_reg")


@dataclass(frozen=True)
class ScalingScenario(PageScenario, page="scale"):
    """The input-scaling lesson's settings (the field names are the old links' keys: ``scale.s`` ...)."""

    s: float = setting(
        10.0, N_("Scale of the second input s (×)"), options=log_grid(1.0, sc.MAX_SCALE), format=exact_text
    )
    rho: float = setting(0.0, N_("Correlation ρ between the inputs"), low=0.0, high=sc.MAX_CORRELATION, step=0.05)
    r: float = setting(
        1.0,
        N_("Step size η·λ_max (same for both)"),
        low=0.1,
        high=2.1,
        step=0.05,
        help=N_("Each run uses η = this / λ_max of its own Hessian; above 2 gradient descent diverges."),
    )
    steps: int = setting(100, N_("Steps"), low=10, high=500, step=10)


@dataclass(frozen=True)
class ScalingPage:
    """What the page shows: both problems and their runs, the maps' layers, the progress plot and the links."""

    raw: sc.ScalingView
    standardized: sc.ScalingView
    standardized_kappa_formula: float
    """``(1 + ρ) / (1 − ρ)``: the standardized problem's condition number by the formula."""
    surface: SurfaceLayer
    overlay: list[dict]
    gap: dict
    raw_link: sc.BowlEquivalent
    standardized_link: sc.BowlEquivalent


def maps_surface(raw: sc.ScalingView, standardized: sc.ScalingView) -> SurfaceLayer:
    """Both bowls' contours side by side, each over its own window (they depend on s and ρ alone)."""
    panels = [bowl_surface(view, LossGrid(*sc.loss_surface(view)), sc.view_box(view)) for view in (raw, standardized)]
    return figure_surface(side_by_side(*panels, colorbar=False))


def build(scenario: ScalingScenario) -> ScalingPage:
    """Both problems and their GD runs (one engine call each), drawn, with their Playground bowls."""
    raw, std = sc.scaling_views(scenario.s, scenario.rho, scenario.r, scenario.steps)
    return ScalingPage(
        raw=raw,
        standardized=std,
        standardized_kappa_formula=(1 + scenario.rho) / (1 - scenario.rho),
        surface=maps_surface(raw, std),
        overlay=panel_traces(bowl_overlay(raw), bowl_overlay(std), colorbar=False),
        gap=gap_figure((raw, std)),
        raw_link=sc.bowl_equivalent(raw, scenario.r, scenario.steps, translate=_),
        standardized_link=sc.bowl_equivalent(std, scenario.r, scenario.steps, translate=_),
    )


page_view = cached_builder(ScalingScenario, build)
