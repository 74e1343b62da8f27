"""Input scaling: standardization, the printed condition numbers, GD on both, the Playground bowl, the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from charts.encoding import decode
from engine.lessons import input_scaling as sc
from tests.apptest_helpers import figures, live_maps, map_figure, notice
from tests.figure_rules import (
    colour_bar_problems,
    colour_bar_reading_problems,
    log_axis_problems,
    marker_problems,
    named_shape_problems,
)
from ui.lessons.input_scaling import ScalingScenario, build

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_input_scaling.py")


def _kappa(inputs: np.ndarray) -> float:
    x = np.asarray(inputs, np.float64)
    low, high = np.linalg.eigvalsh(x.T @ x / len(x))
    return float(high / low)


def _standardized_by_hand(scale: float, correlation: float) -> np.ndarray:
    x = sc.raw_data(scale, correlation).inputs.astype(np.float64)
    return (x - x.mean(axis=0)) / x.std(axis=0)


def test_standardized_inputs_have_mean_zero_and_unit_variance():
    x = sc.standardized_data(10.0, 0.4).inputs.astype(np.float64)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.corrcoef(x.T)[0, 1], 0.4, rtol=1e-6)


@pytest.mark.parametrize(("scale", "correlation"), [(10.0, 0.0), (30.0, 0.6), (1.0, 0.9)])
def test_condition_numbers(scale, correlation):
    raw, std = sc.scaling_views(scale, correlation, 1.0, 20)
    assert std.kappa == pytest.approx(_kappa(_standardized_by_hand(scale, correlation)), rel=1e-5)
    assert std.kappa == pytest.approx((1 + correlation) / (1 - correlation), rel=1e-5)
    assert raw.kappa == pytest.approx(_kappa(sc.raw_data(scale, correlation).inputs), rel=1e-6)
    assert raw.kappa >= std.kappa * (0.99 if scale == 1.0 else 10.0)


def test_both_runs_use_the_same_relative_step_and_the_round_bowl_wins():
    raw, std = sc.scaling_views(10.0, 0.0, 1.0, 100)
    for view in (raw, std):
        assert view.lr * view.problem.lipschitz == pytest.approx(1.0, rel=1e-6)
    assert std.gap[-1] < 1e-6 < 0.05 < raw.gap[-1]


def test_playground_bowl_runs_the_same_path_shifted():
    raw, _ = sc.scaling_views(10.0, 0.5, 1.5, 100)
    link = sc.bowl_equivalent(raw, 1.5, 100)
    assert link.exact and link.scenario.landscape == "bowl"
    (bowl_run,) = link.scenario.run()
    np.testing.assert_allclose(bowl_run.path + raw.minimum, raw.path, atol=1e-4)


def test_divergence_is_contained():
    raw, std = sc.scaling_views(10.0, 0.0, 2.1, 500)
    assert np.all(np.isfinite(raw.path)) and np.all(np.isfinite(std.path))
    assert std.gap[-1] > std.gap[1]


# ---------------------------------------------------------------- the page


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_prints_the_standardized_condition_number():
    at = _run({"scale.s": "20", "scale.rho": "0.6"})
    assert not at.exception and not at.warning
    assert _metric(at, "κ, standardized inputs") == f"{_kappa(_standardized_by_hand(20.0, 0.6)):.4g}"
    assert _metric(at, "κ, raw inputs") == f"{_kappa(sc.raw_data(20.0, 0.6).inputs):.4g}"
    assert at.select_slider(key="scale.s").value == 20.0 and at.slider(key="scale.rho").value == 0.6


def test_page_renders_and_scale_changes_the_raw_bowl():
    at = _run()
    assert not at.exception and not at.warning and len(at.get("plotly_chart")) == 1 and len(live_maps(at)) == 1
    first = live_maps(at)[0]
    before = decode(map_figure(at)["data"][0]["z"])
    # The step size moves only the paths: the browser keeps the surface it holds, nothing of it is sent again.
    at.slider(key="scale.r").set_value(0.5).run()
    assert not at.exception
    second = live_maps(at)[0]
    assert "surface" not in second and second["surface_key"] == first["surface_key"]
    raw_paths = [decode(next(t for t in d["overlay"] if t["name"].startswith("GD"))["x"]) for d in (first, second)]
    assert raw_paths[0].shape == raw_paths[1].shape and not np.allclose(*raw_paths), "drawn with the new step size"
    at.select_slider(key="scale.s").set_value(3.0).run()
    assert not at.exception
    after = decode(map_figure(at)["data"][0]["z"])
    assert not np.allclose(before, after)

    bad = _run({"scale.s": "1000", "scale.r": "x"})
    assert not bad.exception and len(bad.warning) == 1
    assert "scale.s" in notice(bad) and "scale.r" in notice(bad)


def test_the_scenario_reads_an_old_link():
    """The link keys and spellings of the page's URL-bound widgets still open the same settings."""
    query = {"scale.s": "20", "scale.rho": "0.6", "scale.r": "1.5", "scale.steps": "200"}
    scenario, ignored = ScalingScenario.from_query(query)
    assert ignored == [] and scenario == ScalingScenario(s=20.0, rho=0.6, r=1.5, steps=200)
    assert scenario.to_query() == query
    assert ScalingScenario.from_query({"scale.s": "1000", "scale.steps": "7"}) == (
        ScalingScenario(),
        ["scale.s=1000 (outside 1 to 30)", "scale.steps=7 (outside 10 to 500)"],
    )


# ---------------------------------------------------------------- the default view


@pytest.fixture(scope="module")
def default_view() -> AppTest:
    return _run()


def _steps_to(gap: np.ndarray, fraction: float) -> int | None:
    """The first step at which the loss gap is below ``fraction`` of where it started; None if never."""
    hits = np.flatnonzero(gap <= fraction * gap[0])
    return int(hits[0]) if len(hits) else None


def test_default_view_standardized_inputs_converge_in_far_fewer_steps(default_view):
    """The title's claim on the drawn progress chart (s = 10, same relative step): standardized inputs cut the
    loss gap a millionfold within a few steps; raw inputs have not cut it a hundredfold after all 100 steps."""
    (progress,) = figures(default_view)
    gaps = {t["name"].split(" (")[0]: decode(t["y"]).astype(np.float64) for t in progress["data"]}
    assert set(gaps) == {"Raw inputs", "Standardized inputs"}
    standardized = _steps_to(gaps["Standardized inputs"], 1e-6)
    assert standardized is not None and standardized <= 5
    assert _steps_to(gaps["Raw inputs"], 0.01) is None and len(gaps["Raw inputs"]) == 101


def test_default_view_shows_what_the_builder_returns(default_view):
    view = build(ScalingScenario())
    live = live_maps(default_view)[0]
    assert live["surface_key"] == view.surface.key and live["overlay"] == json.loads(json.dumps(view.overlay))
    assert figures(default_view)[0]["data"] == json.loads(json.dumps(view.gap["data"]))
    assert _metric(default_view, "κ, raw inputs") == f"{view.raw.kappa:.4g}"


def test_default_view_markers_and_colour_bars_follow_the_shared_rules(default_view):
    for fig in [*figures(default_view), map_figure(default_view)]:
        assert marker_problems(fig) == [] and named_shape_problems(fig) == []
        assert colour_bar_problems(fig) == [] and colour_bar_reading_problems(fig) == []
        assert log_axis_problems(fig) == []
