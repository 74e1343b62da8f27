"""Lesson maps on the live map: the surface layer a lesson figure becomes, and overlays that travel as JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from charts.encoding import typed
from charts.lessons import cliffs as cliff_charts
from charts.lessons import conditioning as cond_charts
from charts.lessons import early_stopping as es_charts
from charts.lessons import saddles as saddle_charts
from charts.lessons import schedules as sched_charts
from charts.lessons import weight_decay as wd_charts
from charts.live_map import TEXT_COLOUR, UI_REVISION, figure_surface
from engine.lessons import basins, cliffs, early_stopping, schedules, weight_decay
from engine.lessons import conditioning as cond


def figure(z: float) -> dict:
    return {
        "data": [{"type": "contour", "z": typed(np.full((3, 3), z)), "name": "loss"}],
        "layout": {"height": 400, "xaxis": {"range": [0, 1]}, "yaxis": {"range": [0, 1]}},
    }


def test_a_lesson_surface_is_keyed_by_its_content_and_drawn_on_the_dark_theme():
    layer = figure_surface(figure(1.0))
    assert layer.key == figure_surface(figure(1.0)).key, "equal figures, equal keys: nothing is re-sent"
    assert layer.key != figure_surface(figure(2.0)).key
    assert list(layer.data) == figure(1.0)["data"], "every trace of the figure is static"
    layout = layer.payload()["layout"]
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == "rgba(0,0,0,0)"
    assert layout["font"]["color"] == layout["xaxis"]["color"] == TEXT_COLOUR
    assert layout["xaxis"]["range"] == [0, 1] and layout["height"] == 400
    assert layout["uirevision"] == UI_REVISION, "a rerun keeps the reader's legend clicks and zoom"


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[dict]]:
    """Every moved map's overlay, at settings where a run diverges where the page allows one."""
    wd_runs = weight_decay.scenario(0.1, 3.0, 0.05, 300).run()
    diverging = early_stopping.scenario(3.0, 300, 16)
    return {
        "ill-conditioning": cond_charts.bowl_paths(cond.study(10.0, 30.0, 2.5)),
        "saddles": saddle_charts.escape_paths(basins.escape_study("monkey_saddle", 1e-2, 0.1)),
        "cliffs": cliff_charts.cliff_paths(cliffs.cliff_study(1.0, 0.1, 5000.0, True)),
        "schedules": sched_charts.paths_overlay(schedules.schedule_study("rosenbrock", "momentum", 0.003, 200, {})),
        "weight decay": wd_charts.paths_overlay(wd_runs, weight_decay.decayed_minimum(0.1)),
        "early stopping": es_charts.training_map_overlay(
            early_stopping.early_stopping(diverging, 20), diverging.landscape_params
        ),
    }


def test_every_moved_maps_overlay_is_plain_json(overlays):
    """Component data travels as JSON: a numpy scalar or a bare NaN anywhere in it would not survive the trip."""
    for page, overlay in overlays.items():
        assert overlay, page
        text = json.dumps(overlay, allow_nan=False)  # raises on a numpy scalar or a non-finite float
        assert json.loads(text) == overlay, page
