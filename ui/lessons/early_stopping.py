"""The early-stopping lesson: patience, restoring, learning rate, batch size and steps, and all it draws."""

from __future__ import annotations

from dataclasses import dataclass

import landscapes
from charts.lessons.early_stopping import (
    curves_figure,
    training_map_overlay,
    training_map_surface,
    training_map_window,
)
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import early_stopping as es
from engine.lessons.regularization import LANDSCAPE_KEY
from engine.scenario import Scenario
from ui.page_form import cached_builder
from ui.param_widgets import log_grid


@dataclass(frozen=True)
class EarlyStoppingScenario(PageScenario, page="early"):
    """The early-stopping lesson's settings (the field names are the old links' keys: ``early.patience`` ...)."""

    patience: int = setting(20, N_("Patience P (steps without improvement)"), low=1, high=400)
    restore: bool = setting(
        False,
        N_("Restore the best weights"),
        help=N_("Off: keep the weights of the step where training stopped. On: go back to the best step seen by then."),
    )
    lr: float = setting(0.1, N_("Learning rate"), options=log_grid(1e-3, 3.0), format=exact_text)
    batch: int = setting(
        16,
        N_("Batch size (16 = full batch)"),
        low=1,
        high=16,
        help=N_("Smaller batches make the path, and so the validation curve, noisy."),
    )
    steps: int = setting(1000, N_("Steps"), low=100, high=3000, step=100)


@dataclass(frozen=True)
class EarlyStoppingPage:
    """What the page shows: the run and what early stopping makes of it, the map's layers and the loss curves."""

    result: es.EarlyStopping
    surface: SurfaceLayer
    """The training loss and the ridge path in the run's window: patience and restoring keep it."""
    overlay: list[dict]
    curves: dict
    playground: Scenario
    """The run shown, for the Playground: (minibatch) SGD on ``train_val`` from the origin."""


def build(scenario: EarlyStoppingScenario) -> EarlyStoppingPage:
    """Run SGD, measure the validation loss at every step, apply the patience rule and draw the map and curves."""
    run = es.scenario(scenario.lr, scenario.steps, scenario.batch)
    values = run.landscape_params
    result = es.early_stopping(run, scenario.patience, scenario.restore)
    grid = surface_grid(landscapes.get(LANDSCAPE_KEY), values)
    window = training_map_window(result, values)
    return EarlyStoppingPage(
        result=result,
        surface=figure_surface(training_map_surface(grid, result.ridge_path, window)),
        overlay=training_map_overlay(result, values),
        curves=curves_figure(result),
        playground=run,
    )


page_view = cached_builder(EarlyStoppingScenario, build)
