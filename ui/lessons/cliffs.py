"""The cliff lesson: four settings (threshold, learning rate, wall slope, momentum) and everything drawn for them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import landscapes
from charts.lessons.cliffs import cliff_annotations, cliff_paths, cliff_surface, step_length_figure
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import cliffs
from engine.scenario import Scenario
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

SLOPE = landscapes.get(cliffs.LANDSCAPE).params[0]
"""The cliff's wall slope G: its range is the slider's."""
SLOPE_HELP = N_("steepness of the cliff face")
"""The surface's own help for G (``SLOPE.help``), marked here too: the page form translates a setting's help
with this page's catalog (``tests/test_lessons_hard_i18n.py`` checks every help has a Korean entry)."""


@dataclass(frozen=True)
class CliffScenario(PageScenario, page="cliff"):
    """The cliff lesson's settings. Whole numbers are written without a point ("cliff.slope=5000")."""

    clip: float = setting(
        1.0,
        N_("Clipping threshold c (log scale)"),
        options=log_grid(0.1, 1000.0),
        format=exact_text,
        help=N_("Gradients longer than c are scaled down to length c. Above the wall's gradient, clipping never acts."),
    )
    lr: float = setting(0.1, N_("Learning rate η"), options=log_grid(0.01, 1.0), format=exact_text)
    slope: float = setting(
        float(SLOPE.default),
        N_("Wall slope G (log scale)"),
        options=log_grid(SLOPE.low, SLOPE.high),
        format=exact_text,
        help=SLOPE_HELP,
    )
    # A radio of "off"/"on" (not a toggle) as before, so old links with cliff.momentum=on still read.
    momentum: str = setting(
        "off",
        N_("Momentum (β = 0.9)"),
        options=(N_("off"), N_("on")),
        widget="radio",
        help=N_("Also run heavy ball, with and without the same clipping."),
    )


@dataclass(frozen=True)
class CliffPage:
    """What the page shows for one scenario: the runs and their wall hits, the map's layers and the step lengths."""

    study: cliffs.CliffStudy
    sentences: list[str]
    """What happened at the wall, in words (one Markdown paragraph each)."""
    surface: SurfaceLayer
    paths: list[dict]
    """The map's overlay: every run's path and, at the clipped SGD run's wall step, both arrows."""
    annotations: list[dict]
    """The map's notes on that wall step (layout annotations that travel with the paths)."""
    lengths: dict
    """Step length against the step, with the bounds clipping guarantees."""
    playground: Scenario


@st.cache_resource(show_spinner=False, max_entries=16)
def cliff_layer(slope: float, lang: str) -> SurfaceLayer:
    """The map's surface layer for wall slope ``slope``, shared, never mutated.

    Its own cache, keyed on the slope only: the threshold, the learning rate and momentum
    (each a new page view) reuse the layer instead of drawing the contours and digesting them again.
    ``lang`` (the interface's language) is part of the key: the layer holds translated labels.
    """
    values = {"slope": slope}
    return figure_surface(cliff_surface(slope, surface_grid(landscapes.get(cliffs.LANDSCAPE), values)))


def build(scenario: CliffScenario) -> CliffPage:
    """Run SGD (and heavy ball, with momentum on) with and without clipping on the cliff, and draw the runs."""
    study = cliffs.cliff_study(scenario.lr, scenario.clip, scenario.slope, scenario.momentum == "on")
    return CliffPage(
        study=study,
        sentences=cliffs.hit_sentences(study),
        surface=cliff_layer(scenario.slope, language()),
        paths=cliff_paths(study),
        annotations=cliff_annotations(study),
        lengths=step_length_figure(study, [cliffs.step_lengths(run) for run in study.runs]),
        playground=cliffs.playground_scenario(study),
    )


page_view = cached_builder(CliffScenario, build)
