"""The ill-conditioning lesson: three settings (κ, θ, your η) and everything drawn for them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import landscapes
from charts.lessons.conditioning import Bowl, bowl_paths, bowl_surface, distance_figure
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import conditioning as cond
from engine.scenario import Scenario
from ui.page_form import cached_builder

KAPPAS = (1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0, 200.0, 300.0, 500.0, 1000.0)
LRS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.2, 1.5, 1.8, 1.9, 1.95, 2.0, 2.05, 2.1, 2.2, 2.5)


@dataclass(frozen=True)
class ConditioningScenario(PageScenario, page="ill"):
    """The ill-conditioning lesson's settings: the bowl (κ, θ) and the learning rate of your GD run."""

    kappa: float = setting(
        10.0,
        N_("Condition number κ"),
        options=KAPPAS,
        format=exact_text,
        help=N_("λ_max / λ_min of the Hessian (here λ_max = 1 and λ_min = 1/κ)."),
    )
    angle: int = setting(
        30,
        N_("Rotation θ (degrees)"),
        low=-90,
        high=90,
        step=5,
        help=N_("0 lines the valley up with the axes; 45 is the worst case for per-coordinate methods."),
    )
    lr: float = setting(
        1.8,
        N_("Your GD learning rate η"),
        options=LRS,
        format=exact_text,
        help=N_("The stability limit 2/λ_max is 2 on this bowl."),
    )


@dataclass(frozen=True)
class ConditioningPage:
    """What the page shows for one scenario: the runs and rates, the map's layers, the chart and the tables."""

    study: cond.Study
    surface: SurfaceLayer
    paths: list[dict]
    """The map's overlay: the GD and heavy-ball paths, the minimum and the start."""
    distance: dict
    """Distance to the minimum against the step, with the theoretical rates."""
    gd_optimal: tuple[float, float]
    """(η*, rate) of the best constant-η GD."""
    heavy_ball_optimal: tuple[float, float, float]
    """(η*, β*, rate) of Polyak's tuning."""
    stability: str
    """Which side of the stability limit your η is on, in words."""
    rate_rows: list[dict[str, str]]
    arrival_rows: list[dict[str, str]]
    playground: Scenario


@st.cache_resource(show_spinner=False, max_entries=16)
def bowl_layer(kappa: float, angle: float, lang: str) -> SurfaceLayer:
    """The map's surface layer for the bowl (κ, θ), shared, never mutated.

    Its own cache, keyed on κ and θ only: η does not shape the bowl, so moving η (a new page
    view) reuses the layer instead of drawing the contours and digesting them again. ``lang``
    (the interface's language) is part of the key: the layer holds translated labels.
    """
    values = {"kappa": kappa, "angle": angle}
    grid = surface_grid(landscapes.get(cond.LANDSCAPE), values)
    return figure_surface(bowl_surface(values, Bowl(cond.curvature(kappa, angle), cond.bowl_start(angle)), grid))


def build(scenario: ConditioningScenario) -> ConditioningPage:
    """Run GD, heavy ball, RMSprop and Adam on the bowl, compare measured rates with theory, and draw them."""
    kappa, angle, lr = scenario.kappa, float(scenario.angle), scenario.lr
    study = cond.study(kappa, angle, lr)
    distances = [cond.distances(run.path, run.diverged_at) for run in study.runs[: len(study.rates)]]
    return ConditioningPage(
        study=study,
        surface=bowl_layer(kappa, angle, language()),
        paths=bowl_paths(study),
        distance=distance_figure(study, distances),
        gd_optimal=cond.gd_optimal(study.curvature),
        heavy_ball_optimal=cond.heavy_ball_optimal(study.curvature),
        stability=cond.stability_sentence(lr, study.limit),
        rate_rows=cond.rate_table(study),
        arrival_rows=cond.arrival_table(study),
        playground=cond.playground_scenario(study),
    )


page_view = cached_builder(ConditioningScenario, build)
