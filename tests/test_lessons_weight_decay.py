"""Weight decay versus L2: the SGD pair coincides, the Adam pair does not, and the factor-2 convention."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from charts.lessons.weight_decay import ZERO_FLOOR
from engine.lessons import weight_decay as wd
from tests.apptest_helpers import figures, live_maps, map_figure, named_traces, notice, path_of
from tests.figure_rules import (
    colour_bar_problems,
    colour_bar_reading_problems,
    log_axis_problems,
    marker_problems,
    named_shape_problems,
)
from ui.lessons.weight_decay import WeightDecayScenario, build

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_weight_decay.py")
EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def runs_by_decay():
    return {decay: wd.scenario(decay, 0.5, 0.05, 500).run() for decay in (0.001, 0.1, 1.0)}


def test_sgd_l2_and_decoupled_paths_are_equal_to_machine_precision(runs_by_decay):
    """Tolerance: 16 float32 rounding steps (eps = 2^-23) of the largest coordinate, at every step."""
    for runs in runs_by_decay.values():
        l2, decoupled = runs[0].path.astype(np.float64), runs[1].path.astype(np.float64)
        scale = max(1.0, np.abs(l2).max())
        assert np.abs(l2 - decoupled).max() <= 16 * EPS32 * scale
        assert runs[0].diverged_at is None and runs[1].diverged_at is None


def test_adam_l2_and_adamw_paths_differ(runs_by_decay):
    for decay, runs in runs_by_decay.items():
        gap = np.hypot(*(runs[2].path - runs[3].path).T).max()
        assert gap > 0.03, f"weight decay {decay}: Adam + L2 and AdamW should part, got {gap}"


def test_sgd_with_weight_decay_lambda_minimizes_f_plus_half_lambda_norm(runs_by_decay):
    """The factor-2 convention: SGD + L2 with weight decay λ ends at argmin f + (λ/2)‖w‖²."""
    land = landscapes.get("train_val")
    data = land.data(land.resolve())
    x, y = data.inputs.astype(np.float64), data.targets.astype(np.float64)
    a, b = x.T @ x / len(y), x.T @ y / len(y)
    for decay, runs in runs_by_decay.items():
        expected = np.linalg.solve(a + decay * np.eye(2), b)
        np.testing.assert_allclose(runs[0].path[-1], expected, atol=2e-4)
        np.testing.assert_allclose(wd.decayed_minimum(decay), expected, rtol=1e-9)


def test_adam_l2_rests_at_the_decayed_minimum_and_adamw_does_not(runs_by_decay):
    """What the page says under the plots, at its defaults (λ = 0.1, Adam lr 0.05, 500 steps)."""
    runs = runs_by_decay[0.1]
    target = wd.decayed_minimum(0.1)
    assert np.hypot(*(runs[2].path[-1] - target)) < 1e-3
    assert np.hypot(*(runs[3].path[-1] - target)) > 0.1


# ---------------------------------------------------------------- the page


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _distances(at: AppTest) -> dict[str, np.ndarray]:
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {t["name"]: decode(t["y"]) for t in fig["data"] if "vs" in t.get("name", "")}


def test_page_renders_and_decay_changes_the_adam_gap():
    at = _run()
    assert not at.exception and not at.warning
    before = _distances(at)
    sgd, adam = before["SGD + L2 vs SGD + decoupled"], before["Adam + L2 vs AdamW"]
    assert sgd.max() <= 16 * EPS32 * 3 and adam.max() > 0.1
    shown = at.metric[0].value
    assert (0.0 if shown.startswith("0 (") else float(shown)) == pytest.approx(
        sgd.max() if sgd.max() > ZERO_FLOOR else 0, rel=0.05
    )
    at.select_slider(key="wd.decay").set_value(0.01).run()
    assert not at.exception
    after = _distances(at)
    assert not np.allclose(after["Adam + L2 vs AdamW"], adam)


def test_url_round_trip_and_bad_link():
    query = {"wd.decay": "0.5", "wd.sgd_lr": "0.2", "wd.adam_lr": "0.02", "wd.steps": "300"}
    at = _run(query)
    assert not at.exception and not at.warning
    assert at.select_slider(key="wd.decay").value == 0.5
    assert at.select_slider(key="wd.sgd_lr").value == 0.2
    assert at.select_slider(key="wd.adam_lr").value == 0.02
    assert at.slider(key="wd.steps").value == 300
    expected = wd.pair_distances(wd.scenario(0.5, 0.2, 0.02, 300).run())["Adam + L2 vs AdamW"]
    shown = _distances(at)["Adam + L2 vs AdamW"]
    np.testing.assert_allclose(shown, np.maximum(expected, ZERO_FLOOR), rtol=1e-5)  # exact zeros sit at the floor

    bad = _run({"wd.decay": "-3", "wd.steps": "1e9"})
    assert not bad.exception and len(bad.warning) == 1
    assert "wd.decay" in notice(bad) and "wd.steps" in notice(bad)


def test_a_change_that_keeps_the_window_resends_no_surface_and_one_that_moves_it_does():
    """The map's window frames the paths, the start and both minima. More steps only lengthen the paths that
    have settled inside it: the browser keeps its surface. A smaller Adam rate moves the paths' lowest point:
    the surface layer (the same contours, a new window) is sent again."""
    at = _run()
    first = live_maps(at)[0]
    assert "surface" in first
    at.slider(key="wd.steps").set_value(550).run()
    second = live_maps(at)[0]
    assert "surface" not in second and second["surface_key"] == first["surface_key"]
    runs = wd.scenario(0.1, 0.5, 0.05, 550).run()
    for run in runs:
        np.testing.assert_allclose(path_of(map_figure(at), run.label), run.path, rtol=1e-6)
    at.select_slider(key="wd.adam_lr").set_value(0.02).run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"]
    assert third["surface"]["data"] == first["surface"]["data"], "the same contours"
    old, new = first["surface"]["layout"], third["surface"]["layout"]
    assert (new["xaxis"]["range"], new["yaxis"]["range"]) != (old["xaxis"]["range"], old["yaxis"]["range"])


def test_a_link_builds_its_scenario():
    query = {"wd.decay": "0.5", "wd.sgd_lr": "0.2", "wd.adam_lr": "0.02", "wd.steps": "300"}
    scenario, ignored = WeightDecayScenario.from_query(query)
    assert ignored == []
    assert scenario == WeightDecayScenario(decay=0.5, sgd_lr=0.2, adam_lr=0.02, steps=300)
    assert type(scenario.steps) is int
    assert scenario.to_query() == query and WeightDecayScenario().to_query() == {}


def test_the_default_view_shows_what_the_builder_returns():
    at = _run()
    view = build(WeightDecayScenario())
    assert figures(at) == [json.loads(json.dumps(view.distance))]
    shown = live_maps(at)[0]
    assert shown["surface_key"] == view.surface.key
    assert shown["overlay"] == json.loads(json.dumps(view.paths))
    assert [m.value for m in at.metric][1] == f"{view.adam_gap:.3g}"
    assert [m.value for m in at.metric][2] == f"{view.end_gaps[0]:.2g}"


# ---------------------------------------------------------------- the default view


@pytest.fixture(scope="module")
def default_view() -> AppTest:
    return _run()


def test_default_view_sgd_paths_coincide_and_adam_paths_part(default_view):
    """The title's claim, read off the drawn map: the two SGD paths lie on each other, the two Adam paths do not."""
    map_fig = map_figure(default_view)
    paths = {name: path_of(map_fig, name) for name in wd.LABELS}
    sgd = np.abs(paths["SGD + L2"] - paths["SGD + decoupled"]).max()
    adam = np.hypot(*(paths["Adam + L2"] - paths["AdamW"]).T).max()
    assert sgd <= 16 * EPS32 * max(1.0, np.abs(paths["SGD + L2"]).max())
    assert adam > 0.3
    # and SGD with weight decay λ = 0.1 ends at argmin f + (λ/2)‖w‖², which is drawn as a minimum
    star = named_traces(map_fig)["minimum of f + (λ/2)‖w‖²"]
    target = np.array([decode(star["x"])[0], decode(star["y"])[0]])
    np.testing.assert_allclose(paths["SGD + L2"][-1], target, atol=1e-4)


def test_default_view_markers_and_colour_bars_follow_the_shared_rules(default_view):
    for fig in [*figures(default_view), map_figure(default_view)]:
        assert marker_problems(fig) == [] and named_shape_problems(fig) == []
        assert colour_bar_problems(fig) == [] and colour_bar_reading_problems(fig) == []
        assert log_axis_problems(fig) == []


def test_diverged_runs_end_in_a_cross_named_diverged():
    """At SGD learning rate 3 both SGD runs blow up: each path ends in an x, the one marker that means it."""
    at = _run({"wd.sgd_lr": "3"})
    assert not at.exception and len(at.warning) == 1
    map_fig = map_figure(at)
    crosses = [t["name"] for t in map_fig["data"] if (t.get("marker") or {}).get("symbol") == "x"]
    assert sorted(crosses) == sorted(f"SGD + {mode} diverged (step {s})" for mode, s in _diverged_steps(at))
    assert marker_problems(map_fig) == [] and named_shape_problems(map_fig) == []


def _diverged_steps(at: AppTest) -> list[tuple[str, int]]:
    """(mode, step) of each SGD run the page's warning names as diverged."""
    text = notice(at)
    return [(mode, int(text.split(f"SGD + {mode} at step ")[1].split(",")[0])) for mode in ("L2", "decoupled")]
