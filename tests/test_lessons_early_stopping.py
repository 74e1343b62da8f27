"""Early stopping: the patience rule, validation loss along the path, nearness to ridge, and the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from engine.lessons import early_stopping as es
from tests.apptest_helpers import figures, live_maps, map_figure, notice
from tests.figure_rules import (
    colour_bar_problems,
    colour_bar_reading_problems,
    log_axis_problems,
    marker_problems,
    named_shape_problems,
)
from ui.lessons.early_stopping import EarlyStoppingScenario, build

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_early_stopping.py")


def _arrays(validation: bool) -> tuple[np.ndarray, np.ndarray]:
    land = landscapes.get("train_val")
    values = land.resolve()
    data = land.validation(values) if validation else land.data(values)
    return data.inputs.astype(np.float64), data.targets.astype(np.float64)


def test_patience_rule_on_a_hand_made_curve():
    curve = [5.0, 4.0, 3.0, 3.5, 2.9, 2.9, 3.1, 3.2, 3.3]
    # improvements at steps 0, 1, 2, 4 (an equal value is no improvement)
    assert es.patience_stop(curve, 1) == (3, 2, True)
    assert es.patience_stop(curve, 2) == (6, 4, True)
    assert es.patience_stop(curve, 4) == (8, 4, True)
    assert es.patience_stop(curve, 5) == (8, 4, False)
    with pytest.raises(ValueError):
        es.patience_stop(curve, 0)


def test_validation_loss_along_the_path_is_the_held_out_loss():
    path = np.array([[0.0, 0.0], [1.0, 1.0], [2.5, -0.2], [-1.0, 3.0]])
    x, y = _arrays(validation=True)
    direct = 0.5 * np.mean((path @ x.T - y) ** 2, axis=1)
    np.testing.assert_allclose(es.losses_along(path, {}, validation=True), direct, rtol=1e-5)


@pytest.fixture(scope="module")
def default_result() -> es.EarlyStopping:
    return es.early_stopping(es.scenario(0.1, 1000, 16), 20)


def test_early_stopped_weights_lie_near_the_ridge_path(default_result):
    r = default_result
    assert r.triggered and r.best_step < r.stop_step == r.best_step + 20 and r.kept_step == r.stop_step
    x, y = _arrays(validation=False)
    a, b = x.T @ x / len(y), x.T @ y / len(y)
    np.testing.assert_allclose((a + 2 * r.ridge_alpha * np.eye(2)) @ r.ridge_point, b, atol=1e-9)
    to_minimum = np.hypot(*(r.kept_point - np.linalg.solve(a, b)))
    assert r.minimum_distance == pytest.approx(to_minimum)
    assert r.ridge_distance < 0.3 and r.ridge_distance < 0.2 * to_minimum
    # the validation loss really turns up again: overfitting
    assert r.validation[-1] > 1.5 * r.validation[r.best_step]


def test_restoring_keeps_the_best_weights():
    r = es.early_stopping(es.scenario(0.1, 1000, 16), 200, restore=True)
    assert r.kept_step == r.best_step and r.stop_step == r.best_step + 200


# ---------------------------------------------------------------- the page


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _stop_marker(at: AppTest) -> np.ndarray:
    trace = next(t for t in map_figure(at)["data"] if t.get("name", "").startswith("stop (step"))
    return np.array([decode(trace["x"])[0], decode(trace["y"])[0]])


def test_page_renders_and_patience_moves_the_stop(default_result):
    at = _run()
    assert not at.exception and not at.warning
    np.testing.assert_allclose(_stop_marker(at), default_result.run.path[default_result.stop_step], rtol=1e-6)
    before = _stop_marker(at)
    at.slider(key="early.patience").set_value(200).run()
    assert not at.exception
    assert np.linalg.norm(_stop_marker(at) - before) > 0.1


def test_patience_resends_no_surface_and_a_change_of_window_does():
    """Patience and restoring only move the stop along the same path: the browser keeps its surface. Minibatches
    of 4 take another path, whose window differs: the surface layer (same contours, new window) is sent again."""
    at = _run()
    first = live_maps(at)[0]
    assert "surface" in first
    for kind, key, value in (("slider", "early.patience", 200), ("toggle", "early.restore", True)):
        before = live_maps(at)[0]
        getattr(at, kind)(key=key).set_value(value).run()
        now = live_maps(at)[0]
        assert "surface" not in now and now["surface_key"] == first["surface_key"]
        assert now["overlay"] != before["overlay"]
    at.slider(key="early.batch").set_value(4).run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"]
    assert third["surface"]["data"] == first["surface"]["data"], "the same contours and ridge path"
    old, new = first["surface"]["layout"], third["surface"]["layout"]
    assert (new["xaxis"]["range"], new["yaxis"]["range"]) != (old["xaxis"]["range"], old["yaxis"]["range"])


def test_url_round_trip_and_bad_link():
    query = {
        "early.patience": "7",
        "early.lr": "0.2",
        "early.batch": "4",
        "early.steps": "500",
        "early.restore": "true",
    }
    at = _run(query)
    assert not at.exception and not at.warning
    assert at.slider(key="early.patience").value == 7
    assert at.select_slider(key="early.lr").value == 0.2
    assert at.slider(key="early.batch").value == 4
    assert at.slider(key="early.steps").value == 500
    assert at.toggle(key="early.restore").value is True
    expected = es.early_stopping(es.scenario(0.2, 500, 4), 7, restore=True)
    np.testing.assert_allclose(_stop_marker(at), expected.run.path[expected.stop_step], rtol=1e-6)

    bad = _run({"early.patience": "zero", "early.batch": "99"})
    assert not bad.exception and len(bad.warning) == 1
    assert "early.patience" in notice(bad) and "early.batch" in notice(bad)


def test_the_scenario_reads_an_old_link():
    """The link keys and spellings of the page's URL-bound widgets still open the same settings."""
    query = {
        "early.patience": "7",
        "early.restore": "true",
        "early.lr": "0.2",
        "early.batch": "4",
        "early.steps": "500",
    }
    scenario, ignored = EarlyStoppingScenario.from_query(query)
    assert ignored == []
    assert scenario == EarlyStoppingScenario(patience=7, restore=True, lr=0.2, batch=4, steps=500)
    assert scenario.to_query() == query
    assert EarlyStoppingScenario.from_query({"early.steps": "160"}) == (
        EarlyStoppingScenario(steps=200),
        ["early.steps=160 (not a step of the slider; using 200)"],
    )


# ---------------------------------------------------------------- the default view


@pytest.fixture(scope="module")
def default_view() -> AppTest:
    return _run()


def _point(trace: dict) -> np.ndarray:
    return np.array([decode(trace["x"])[0], decode(trace["y"])[0]], np.float64)


def test_default_view_stops_near_the_validation_minimum_and_near_ridge(default_view):
    """The title's claim on the drawn charts: the validation loss turns up (overfitting), the stop comes soon
    after its lowest point, and the stopped weights lie near the ridge path, far from the training minimum."""
    (curves,) = figures(default_view)
    map_fig = map_figure(default_view)
    x, y = _arrays(validation=False)
    a, b = x.T @ x / len(y), x.T @ y / len(y)
    xv, yv = _arrays(validation=True)

    validation = next(t for t in curves["data"] if t["name"] == "validation loss")
    after = next(t for t in curves["data"] if t["name"] == "validation loss after the stop (not run)")
    steps = np.concatenate([decode(validation["x"]), decode(after["x"])[1:]]).astype(int)
    curve = np.concatenate([decode(validation["y"]), decode(after["y"])[1:]])
    np.testing.assert_array_equal(np.diff(steps), 1)
    lowest = float(curve.min())
    best = int(steps[np.argmin(curve)])
    assert curve[-1] > 1.5 * lowest, "the validation loss rises again: overfitting"

    stop_trace = next(t for t in map_fig["data"] if t["name"].startswith("stop (step"))
    stop_step = int(stop_trace["name"].split("step ")[1].rstrip(")"))
    assert best < stop_step <= best + 20, "stopped within the patience of the validation minimum"
    stop = _point(stop_trace)
    stop_validation = 0.5 * np.mean((xv @ stop - yv) ** 2)
    assert stop_validation < 1.5 * lowest < curve[-1]

    alphas = np.logspace(-5, 3, 4001)
    ridge = np.stack([np.linalg.solve(a + 2 * alpha * np.eye(2), b) for alpha in alphas])
    to_ridge = np.hypot(*(ridge - stop).T).min()
    to_minimum = np.hypot(*(np.linalg.solve(a, b) - stop))
    assert to_ridge < 0.3 and to_ridge < 0.2 * to_minimum


def test_default_view_shows_what_the_builder_returns(default_view):
    view = build(EarlyStoppingScenario())
    live = live_maps(default_view)[0]
    assert live["surface_key"] == view.surface.key and live["overlay"] == json.loads(json.dumps(view.overlay))
    assert figures(default_view)[0]["data"] == json.loads(json.dumps(view.curves["data"]))
    assert next(m.value for m in default_view.metric if m.label.startswith("Stopped")) == str(view.result.stop_step)


def test_default_view_markers_and_colour_bars_follow_the_shared_rules(default_view):
    for fig in [*figures(default_view), map_figure(default_view)]:
        assert marker_problems(fig) == [] and named_shape_problems(fig) == []
        assert colour_bar_problems(fig) == [] and colour_bar_reading_problems(fig) == []
        assert log_axis_problems(fig) == []
