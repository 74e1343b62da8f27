"""The learning-rate-schedule lesson: nine settings (surface, optimizer, peak rate, steps, the schedules'
shape, batch size) and everything drawn for them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import landscapes
import optimizers
from charts.lessons.schedules import lr_figure, paths_overlay, paths_surface
from charts.live_map import SurfaceLayer, figure_surface
from charts.loss_curve import loss_figure
from core.i18n import N_, language
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import schedules as sch
from engine.scenario import Scenario
from ui.page_form import cached_builder

SURFACES = {landscapes.get(k).name: k for k in sch.LANDSCAPES}
"""The surfaces offered, by display name. Links hold the display name ("sched.land=Rosenbrock valley")."""
OPTIMIZERS = {optimizers.get(k).name: k for k in sch.OPTIMIZERS}
"""The optimizers offered, by display name (as links hold them)."""
LRS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def surface_text(name: str) -> str:
    """A surface's shown name (the link keeps the English display name) in the interface's language."""
    return landscapes.get(SURFACES[name]).name_text()


def optimizer_text(name: str) -> str:
    """An optimizer's shown name (the link keeps the English display name) in the interface's language."""
    return optimizers.get(OPTIMIZERS[name]).name_text()


@dataclass(frozen=True)
class ScheduleScenario(PageScenario, page="sched"):
    """The schedule lesson's settings: what is trained, the peak rate and length, the schedules' shape, the batch."""

    land: str = setting(landscapes.get("minibatch").name, N_("Surface"), options=tuple(SURFACES), format=surface_text)
    opt: str = setting(
        optimizers.get("momentum").name, N_("Optimizer"), options=tuple(OPTIMIZERS), format=optimizer_text
    )
    lr: float = setting(0.02, N_("Peak learning rate η"), options=LRS, format=exact_text)
    steps: int = setting(500, N_("Steps T"), options=(100, 200, 500, 1000, 2000))
    every: int = setting(100, N_("Decay period s (step, exponential)"), low=10, high=1000, step=10)
    rate: float = setting(0.5, N_("Factor per period γ (step, exponential)"), low=0.05, high=0.95, step=0.05)
    warmup: int = setting(50, N_("Warm-up steps w"), low=0, high=1000, step=10)
    alpha: float = setting(0.0, N_("Final lr ratio α (cosine)"), low=0.0, high=0.5, step=0.01)
    batch: int = setting(
        4,
        N_("Batch size B"),
        options=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        help=N_("Only the minibatch surface is a data set; the others have exact gradients."),
    )

    @property
    def landscape(self) -> str:
        """The surface's registry key."""
        return SURFACES[self.land]

    @property
    def optimizer(self) -> str:
        """The optimizer's registry key."""
        return OPTIMIZERS[self.opt]

    def schedule_settings(self) -> dict[str, float]:
        """The shared options that shape the five schedules, under the engine's names."""
        return {
            "decay_every": float(self.every),
            "decay_rate": float(self.rate),
            "warmup_steps": float(self.warmup),
            "final_lr_ratio": float(self.alpha),
        }


def uses_batches(surface: str) -> bool:
    """Whether the surface with display name ``surface`` is a data set (so the batch size applies)."""
    return landscapes.get(SURFACES[surface]).is_dataset


def seed_count(scenario: ScheduleScenario) -> int:
    """How many minibatch seeds the study runs for ``scenario`` (one unless minibatches are drawn)."""
    return sch.seed_count(scenario.landscape, scenario.batch)


@dataclass(frozen=True)
class SchedulePage:
    """What the page shows for one scenario: the five runs, the map's layers, both charts, the verdict and table."""

    study: sch.ScheduleStudy
    surface: SurfaceLayer
    paths: list[dict]
    """The map's overlay: the five paths, their ends, the start."""
    lr: dict
    """The learning rate each run used at every step."""
    loss: dict
    """The loss per step of each run."""
    outcome: str
    """What the runs show, in words (Markdown)."""
    summary: list[dict[str, str]]
    playground: Scenario


@st.cache_resource(show_spinner=False, max_entries=8)
def surface_layer(landscape: str, lang: str) -> SurfaceLayer:
    """The map's surface layer for ``landscape`` at its default parameters, shared, never mutated.

    Its own cache, keyed on the surface only: every other setting (a new page view) reuses the
    layer instead of drawing the contours and digesting them again. ``lang`` (the interface's
    language) is part of the key: the layer holds translated labels.
    """
    land = landscapes.get(landscape)
    values = land.resolve()
    return figure_surface(paths_surface(landscape, values, surface_grid(land, values)))


def build(scenario: ScheduleScenario) -> SchedulePage:
    """Train the optimizer with the five schedules (over several minibatch seeds on a data set) and draw the runs."""
    study = sch.schedule_study(
        scenario.landscape,
        scenario.optimizer,
        scenario.lr,
        scenario.steps,
        scenario.schedule_settings(),
        scenario.batch,
    )
    return SchedulePage(
        study=study,
        surface=surface_layer(scenario.landscape, language()),
        paths=paths_overlay(study),
        lr=lr_figure(sch.lr_curves(study)),
        loss=loss_figure(study.trajectories, study.best),
        outcome=sch.outcome(study),
        summary=sch.summary(study),
        playground=sch.playground_scenario(study),
    )


page_view = cached_builder(ScheduleScenario, build)
