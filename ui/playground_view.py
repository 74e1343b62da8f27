"""Everything the Playground draws for one scenario, computed once and cached by scenario.

The cache key is the scenario's canonical query string, so two sessions looking at
the same link share one entry, and a rerun that changed nothing (a click on an
unrelated widget) costs a dictionary lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from charts.loss_curve import loss_figure
from charts.paths import path_figure
from charts.surface3d import surface_figure
from engine.scenario import Scenario, from_query, to_query
from engine.simulate import Trajectory, best_loss
from engine.summary import paths_csv, summary_rows
from optimizers.options import step_latex

FRAME_MS = {1: 160, 2: 80, 5: 35, 10: 16}


@dataclass(frozen=True)
class PlaygroundView:
    """Trajectories, figures, table rows, equations and exports of one scenario."""

    runs: list[Trajectory]
    map_figure: dict[str, Any]
    loss_figure: dict[str, Any]
    rows: list[dict[str, object]]
    equations: list[list[str]]
    scenario: Scenario

    # The exports are methods, handed to ``st.download_button`` as deferred data: a rerun then
    # stores no file. A stored file is dropped at the session's next rerun, and a page that
    # draws late (a busy browser) asked for it after that and met a 404 under load.
    def csv(self) -> str:
        """The paths as CSV (built only when the download is requested)."""
        return paths_csv(self.runs)

    def json(self) -> str:
        """The scenario as JSON (built only when the download is requested)."""
        return self.scenario.to_json()


def scenario_key(scenario: Scenario) -> tuple[tuple[str, str], ...]:
    """A hashable, canonical key for ``scenario`` (its query parameters, sorted)."""
    return tuple(sorted(to_query(scenario).items()))


def equations_for(scenario: Scenario) -> list[list[str]]:
    """Per run: every line of its step with this run's numbers, in the order the engine applies them."""
    minibatch = scenario.surface.is_dataset
    return [step_latex(run.spec, run.choices, run.values, minibatch=minibatch) for run in scenario.runs]


@st.cache_resource(max_entries=48, show_spinner=False)
def build_view(key: tuple[tuple[str, str], ...]) -> PlaygroundView:
    """Run the scenario named by ``key`` and build its figures (shared across sessions; never mutated)."""
    scenario, _ = from_query(dict(key))
    land = scenario.surface
    values = land.resolve(scenario.landscape_params)
    runs = scenario.run()
    return PlaygroundView(
        runs=runs,
        map_figure=path_figure(land, values, runs, scenario.start, frame_ms=FRAME_MS.get(scenario.speed, 80)),
        loss_figure=loss_figure(runs, best_loss(land, values)),
        rows=summary_rows(land, values, runs),
        equations=equations_for(scenario),
        scenario=scenario,
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def build_surface(key: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The 3D figure of the scenario named by ``key`` (built only when the 3D view is shown)."""
    scenario, _ = from_query(dict(key))
    land = scenario.surface
    values = land.resolve(scenario.landscape_params)
    return surface_figure(land, values, build_view(key).runs)
