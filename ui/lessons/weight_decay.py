"""The weight-decay lesson: four settings (λ, both learning rates, steps) and everything drawn for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

import landscapes
from charts.lessons.grid_maps import Window
from charts.lessons.weight_decay import distance_figure, paths_overlay, paths_surface, paths_window
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language, translator
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import weight_decay as wd
from engine.lessons.regularization import LANDSCAPE_KEY
from engine.scenario import Scenario
from engine.simulate import Trajectory
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

_ = translator("lessons_reg")


@dataclass(frozen=True)
class WeightDecayScenario(PageScenario, page="wd"):
    """The weight-decay lesson's settings: one λ for all four runs, a learning rate per optimizer, the steps."""

    decay: float = setting(0.1, N_("Weight decay λ"), options=log_grid(1e-3, 1.0), format=exact_text)
    sgd_lr: float = setting(0.5, N_("SGD learning rate"), options=log_grid(1e-3, 3.0), format=exact_text)
    adam_lr: float = setting(0.05, N_("Adam learning rate"), options=log_grid(1e-3, 1.0), format=exact_text)
    steps: int = setting(500, N_("Steps"), low=50, high=2000, step=50)


@dataclass(frozen=True)
class WeightDecayPage:
    """What the page shows for one scenario: the four runs, how far apart each pair gets, the map and the chart."""

    runs: tuple[Trajectory, ...]
    """SGD + L2, SGD + decoupled, Adam + L2, AdamW (:data:`engine.lessons.weight_decay.LABELS`)."""
    distances: dict[str, np.ndarray]
    """Distance within the SGD pair and within the Adam pair at every step."""
    sgd_gap: float
    """The SGD pair's largest distance."""
    adam_gap: float
    """The Adam pair's largest distance."""
    tolerance: float
    """What "equal to machine precision" allows for the SGD pair."""
    sgd_within_tolerance: bool
    end_gaps: tuple[float, ...]
    """Each run's end point's distance to the minimum of f + (λ/2)‖w‖²."""
    surface: SurfaceLayer
    paths: list[dict]
    """The map's overlay: the four paths, the decayed loss's minimum, the start."""
    distance: dict
    """The distance within each pair against the step."""
    playground: Scenario


@st.cache_resource(show_spinner=False, max_entries=16)
def training_layer(values: tuple[tuple[str, float], ...], window: Window, lang: str) -> SurfaceLayer:
    """The map's surface layer: the training loss at ``values`` seen through ``window``, shared, never mutated.

    Its own cache, keyed on the window: the window frames the paths but seldom moves with
    them, so most changes of a setting (a new page view) reuse the layer. ``lang`` keys the cache on
    the language its legend and axis titles are written in.
    """
    land = landscapes.get(LANDSCAPE_KEY)
    return figure_surface(paths_surface(dict(values), window, surface_grid(land, dict(values))))


def _end_gap(run: Trajectory, target: np.ndarray) -> float:
    return float(np.hypot(*(run.path[-1].astype(np.float64) - target)))


def build(scenario: WeightDecayScenario) -> WeightDecayPage:
    """Run SGD and Adam, each with L2 and with decoupled weight decay, and compare each pair's paths."""
    experiment = wd.scenario(scenario.decay, scenario.sgd_lr, scenario.adam_lr, scenario.steps)
    runs = tuple(experiment.run())
    distances = wd.pair_distances(runs)
    sgd_gap, adam_gap = (float(np.max(d)) for d in distances.values())
    tolerance = wd.sgd_tolerance(runs)
    target = wd.decayed_minimum(scenario.decay)
    values: Mapping[str, float] = experiment.landscape_params
    return WeightDecayPage(
        runs=runs,
        distances=distances,
        sgd_gap=sgd_gap,
        adam_gap=adam_gap,
        tolerance=tolerance,
        sgd_within_tolerance=sgd_gap <= tolerance,
        end_gaps=tuple(_end_gap(run, target) for run in runs),
        surface=training_layer(tuple(sorted(values.items())), paths_window(runs, values, target), language()),
        paths=paths_overlay(runs, target),
        distance=distance_figure(distances),
        playground=replace(experiment, runs=tuple(replace(r, label=_(r.label)) for r in experiment.runs)),
    )


page_view = cached_builder(WeightDecayScenario, build)
