"""Everything the Playground draws for one scenario, computed once and cached by scenario.

The cache key is the scenario's canonical query string, so two sessions looking at
the same link share one entry, and a rerun that changed nothing (a click on an
unrelated widget) costs a dictionary lookup.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import streamlit as st

from charts.live_map import (
    RASTER_RESOLUTION,
    SurfaceLayer,
    content_key,
    family_payload,
    runs_payload,
    start_legend,
    surface_layer,
)
from charts.loss_curve import LossCurves, loss_payload
from charts.surface3d import GRID_RESOLUTION, surface_figure
from core.i18n import language, translator
from engine.config import all_params
from engine.grid import surface_grid
from engine.scenario import Scenario, from_query, to_query
from engine.scrub import path_family
from engine.simulate import Trajectory, best_loss
from engine.summary import NEVER, paths_csv, summary_rows
from landscapes.base import Landscape
from optimizers.options import step_latex
from ui.param_widgets import slider_label, slider_positions
from ui.playground_state import shown_label, split_settings

_ = translator("app")

FRAME_MS = {1: 160, 2: 80, 5: 35, 10: 16}
"""Milliseconds between animation frames at each speed of :data:`engine.scenario.SPEEDS`."""
LOSS_HEIGHT = 320
"""Height of the loss chart, in pixels."""
FAMILY_POINTS = 300
"""Points kept of each path in a scrubbing family: enough for the few hundred pixels a path spans on screen."""


@dataclass(frozen=True)
class PlaygroundView:
    """Trajectories, figures, table rows, equations and exports of one scenario."""

    runs: list[Trajectory]
    surface: SurfaceLayer
    paths: dict[str, Any]
    overlay: list[dict[str, Any]]
    loss_layout: dict[str, Any]
    loss_curves: dict[str, Any]
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
def build_view(key: tuple[tuple[str, str], ...], lang: str) -> PlaygroundView:
    """Run the scenario named by ``key``, figures in language ``lang`` (shared across sessions; never mutated)."""
    scenario, _ignored = from_query(dict(key))
    land = scenario.surface
    values = land.resolve(scenario.landscape_params)
    runs = scenario.run()
    # Charts name each run as the page does: a default label (the English name in the link) in the reader's language.
    shown = [replace(r, label=shown_label(run)) for r, run in zip(runs, scenario.runs, strict=True)]
    return PlaygroundView(
        runs=runs,
        surface=playground_surface(land, values),
        paths=runs_payload(shown, arrow_length(land), scenario.start),
        overlay=[start_legend()],
        loss_layout=(loss := LossCurves.of(shown, best_loss(land, values))).layout(
            LOSS_HEIGHT, loss_span(land, values)
        ),
        loss_curves=loss_payload(loss),
        rows=summary_rows(land, values, runs),
        equations=equations_for(scenario),
        scenario=scenario,
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def build_surface(key: tuple[tuple[str, str], ...], lang: str) -> dict[str, Any]:
    """The 3D figure of the scenario named by ``key`` in language ``lang`` (built only when the 3D view is shown)."""
    scenario, _ignored = from_query(dict(key))
    land = scenario.surface
    values = land.resolve(scenario.landscape_params)
    scenario_runs = zip(build_view(key, lang).runs, scenario.runs, strict=True)
    shown = [replace(r, label=shown_label(run)) for r, run in scenario_runs]
    return surface_figure(land, values, shown, surface_grid(land, values, GRID_RESOLUTION))


def playground_surface(land: Landscape, values: Mapping[str, float]) -> SurfaceLayer:
    """The map's surface layer of ``land`` at ``values`` (cached per surface: drawing it takes the longest)."""
    return _playground_surface(land, tuple(sorted(values.items())), language())


@functools.lru_cache(maxsize=32)
def _playground_surface(land: Landscape, items: tuple[tuple[str, float], ...], lang: str) -> SurfaceLayer:
    """The layer in language ``lang`` (its colour bar and markers are named)."""
    values = dict(items)
    return surface_layer(land, values, surface_grid(land, values, RASTER_RESOLUTION))


def loss_span(land: Landscape, values: Mapping[str, float]) -> tuple[float, float]:
    """The lowest and highest loss on the map's grid (NaN where the surface is undefined everywhere)."""
    z = surface_grid(land, values, RASTER_RESOLUTION).z
    finite = z[np.isfinite(z)]
    return (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)


def arrow_length(land: Any) -> float:
    """Display length of the map's direction arrows: 7% of the domain's diagonal."""
    (x0, x1), (y0, y1) = land.domain
    return 0.07 * float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)


def family_scenario(scenario: Scenario, run: int, name: str) -> Scenario:
    """``scenario`` with setting ``name`` of run ``run`` at its default: what a family across ``name`` depends on.

    Two scenarios that differ only in that setting share one family, so committing a value
    found by dragging does not compute or send the family again.
    """
    target = scenario.runs[run]
    param = all_params(target.spec)[name]
    runs = list(scenario.runs)
    runs[run] = replace(target, values={**target.values, name: float(param.default)})
    return replace(scenario, runs=tuple(runs))


@st.cache_resource(max_entries=32, show_spinner=False)
def build_family(key: tuple[tuple[str, str], ...], run: int, name: str) -> dict[str, Any]:
    """The family of paths across setting ``name`` of run ``run`` (``key`` from :func:`family_scenario`), as sent."""
    scenario, _ignored = from_query(dict(key))
    param = all_params(scenario.runs[run].spec)[name]
    values = slider_positions(param)
    family = path_family(scenario, run, name, values, FAMILY_POINTS)
    return family_payload(family, [slider_label(param, v) for v in values])


def scrub_targets(scenario: Scenario) -> list[tuple[int, str]]:
    """(run index, setting) pairs the map's slider can drag: each run's main settings (lr first)."""
    return [(i, p.name) for i, run in enumerate(scenario.runs) for p in split_settings(run.spec)[0]]


def scrub_id(run: int, name: str) -> str:
    """The id of the map slider's target: ``"<run index>.<setting>"``."""
    return f"{run}.{name}"


def scrub_payload(scenario: Scenario, choice: str | None) -> dict[str, Any]:
    """What the map's slider needs: the targets to pick from, the one chosen (``choice`` if valid, else
    the first run's lr), where the committed value sits among its positions, and its family of paths."""
    targets = scrub_targets(scenario)
    ids = [scrub_id(*t) for t in targets]
    run, name = targets[ids.index(choice)] if choice in ids else targets[0]
    key = scenario_key(family_scenario(scenario, run, name))
    family = build_family(key, run, name)
    current = scenario.runs[run].values[name]
    return {
        "options": [
            {"value": scrub_id(i, n), "label": f"{i + 1}. {shown_label(scenario.runs[i])} · {n}"} for i, n in targets
        ],
        "selected": scrub_id(run, name),
        "index": min(range(len(family["values"])), key=lambda k: abs(family["values"][k] - current)),
        "family_key": content_key(key, run, name),
        "family": family,
    }


def shown_table(rows: list[dict[str, str]], scenario: Scenario) -> list[dict[str, str]]:
    """The summary table (:func:`engine.summary.summary_table`) in the reader's language: column names and
    "never" translated, each run named as the page names it (:func:`ui.playground_state.shown_label`)."""
    out = []
    for row, run in zip(rows, scenario.runs, strict=True):
        shown = {name: (_(value) if value == NEVER else value) for name, value in row.items()}
        shown["optimizer"] = shown_label(run)
        out.append({_(name): value for name, value in shown.items()})
    return out
