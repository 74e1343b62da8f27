"""The cliff lesson: clipping bounds every step, the wall step and its arrows, and the page."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from engine.lessons import cliffs
from engine.scenario import from_query, to_query
from engine.simulate import simulate
from landscapes.cliff import WALL_X
from tests.apptest_helpers import errors, figures, live_maps, map_figure, notice
from tests.figure_rules import colour_bar_problems, marker_problems
from ui.lessons.cliffs import CliffScenario, build

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "views/lesson_cliffs.py")
FLOAT32_SLACK = 1e-5
"""Relative slack for float32 rounding of η·c."""


def run(settings: dict, slope: float, key: str = "sgd", steps: int = cliffs.STEPS):
    (traj,) = simulate("cliff", (key, settings), start=(-3.0, 2.0), steps=steps, landscape_params={"slope": slope})
    return traj


@pytest.mark.parametrize(
    ("lr", "clip", "slope"), [(0.1, 1.0, 1000.0), (1.0, 0.1, 5000.0), (0.01, 5.0, 50.0), (0.5, 1000.0, 5000.0)]
)
def test_clipping_never_produces_a_step_longer_than_lr_times_threshold(lr, clip, slope):
    traj = run({"lr": lr, "clip_norm": clip}, slope)
    raw = np.hypot(traj.grad[:, 0].astype(np.float64), traj.grad[:, 1].astype(np.float64))
    taken = np.hypot(traj.update[:, 0].astype(np.float64), traj.update[:, 1].astype(np.float64))
    assert raw.max() > clip, "clipping acted at least once"
    assert taken.max() <= lr * clip * (1 + FLOAT32_SLACK)
    np.testing.assert_allclose(taken, lr * np.minimum(raw, clip), rtol=1e-5, atol=1e-12)


def test_momentum_steps_are_bounded_by_lr_c_over_one_minus_beta_only():
    lr, clip = 0.1, 1.0
    traj = run({"lr": lr, "clip_norm": clip, "momentum": 0.9}, 1000.0, key="momentum")
    taken = np.hypot(traj.update[:, 0].astype(np.float64), traj.update[:, 1].astype(np.float64))
    assert taken.max() <= lr * clip / (1 - 0.9) * (1 + FLOAT32_SLACK)
    assert taken.max() > lr * clip, "with momentum the SGD bound η·c does not hold"
    assert cliffs.step_bound(lr, clip, 0.9) == pytest.approx(lr * clip / 0.1)


def test_wall_step_is_the_first_step_on_the_wall():
    study = cliffs.cliff_study(0.1, 1.0, 1000.0)
    for traj, hit in zip(study.runs, study.hits, strict=True):
        norms = np.hypot(traj.grad[:, 0], traj.grad[:, 1])
        assert hit is not None
        assert norms[hit.step] >= 0.5 * norms.max() and np.all(norms[: hit.step] < 0.5 * norms.max())
        assert traj.path[hit.step, 0] > WALL_X - 0.01, "the point is at the foot of the wall or on it"
        np.testing.assert_allclose(hit.raw, -0.1 * traj.grad[hit.step], rtol=1e-6)
        np.testing.assert_allclose(hit.actual, traj.path[hit.step + 1] - traj.path[hit.step], rtol=1e-5, atol=1e-7)
    unclipped, clipped = study.hits
    assert unclipped.actual_length == pytest.approx(unclipped.raw_length, rel=1e-5)
    assert unclipped.raw_length > 50.0, "the wall throws unclipped SGD far back"
    assert clipped.actual_length == pytest.approx(0.1 * 1.0, rel=1e-5)
    assert study.longest[1] <= study.bounds[1] * (1 + FLOAT32_SLACK)
    assert any("99.8" in line for line in cliffs.hit_sentences(study))


def test_threshold_above_every_gradient_changes_nothing():
    study = cliffs.cliff_study(0.01, 1000.0, 50.0)
    np.testing.assert_array_equal(study.runs[0].path, study.runs[1].path)


# ---------------------------------------------------------------- the page


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def path(fig: dict, prefix: str) -> np.ndarray:
    t = next(t for t in fig["data"] if str(t.get("name", "")).startswith(prefix))
    return np.stack([decode(t["x"]), decode(t["y"])], axis=1)


def test_page_renders_and_the_threshold_changes_the_clipped_path():
    at = open_page()
    assert errors(at) == [] and not at.warning
    (lengths,) = figures(at)
    map_fig = map_figure(at)
    before = path(map_fig, "SGD, clipped")
    arrow = path(map_fig, "clipped step")
    assert np.hypot(*(arrow[1] - arrow[0])) == pytest.approx(0.1, rel=1e-5)
    assert max(decode(lengths["data"][1]["y"])) <= 0.1 * (1 + FLOAT32_SLACK)
    at.select_slider(key="cliff.clip").set_value(5).run()
    assert errors(at) == []
    after = path(map_figure(at), "SGD, clipped")
    assert not np.array_equal(before[:20], after[:20])
    # The notes on the wall step travel with the paths: a new wall step sends new notes and no surface.
    hit = cliffs.cliff_study(0.1, 5.0, 1000.0).hits[1]
    assert hit.step != cliffs.cliff_study(0.1, 1.0, 1000.0).hits[1].step
    assert "surface" not in live_maps(at)[0]
    notes = [a["text"] for a in map_figure(at)["layout"]["annotations"]]
    assert f"clipped run hits the wall (step {hit.step})" in notes


def test_momentum_resends_no_surface_and_the_wall_slope_does():
    """Momentum adds runs but leaves the clipped SGD run's wall step and the surface alone: nothing of the
    surface is re-sent. The slope reshapes the surface: the new one is sent."""
    at = open_page()
    first = live_maps(at)[0]
    assert "surface" in first
    at.radio(key="cliff.momentum").set_value("on").run()
    second = live_maps(at)[0]
    assert "surface" not in second and second["surface_key"] == first["surface_key"]
    study = cliffs.cliff_study(0.1, 1.0, 1000.0, True)
    drawn = map_figure(at)
    for traj in study.runs:
        end = traj.steps + 1 if traj.diverged_at is None else max(traj.diverged_at, 1)
        np.testing.assert_allclose(path(drawn, traj.label), traj.path[:end], rtol=1e-6)
    at.select_slider(key="cliff.slope").set_value(5000).run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"]


def test_page_url_round_trips():
    query = {"cliff.clip": "5", "cliff.lr": "0.3", "cliff.slope": "5000", "cliff.momentum": "on"}
    at = open_page(query)
    assert errors(at) == [] and not at.warning
    assert at.select_slider(key="cliff.clip").value == 5
    assert at.select_slider(key="cliff.lr").value == 0.3
    assert at.select_slider(key="cliff.slope").value == 5000
    assert at.radio(key="cliff.momentum").value == "on"
    study = cliffs.cliff_study(0.3, 5.0, 5000.0, True)
    shown = map_figure(at)
    for traj in study.runs:
        end = traj.steps + 1 if traj.diverged_at is None else max(traj.diverged_at, 1)
        np.testing.assert_allclose(path(shown, traj.label), traj.path[:end], rtol=1e-6)


def test_page_garbage_url_shows_one_notice():
    at = open_page({"cliff.clip": "0", "cliff.lr": "1e9", "cliff.what": "x"})
    assert errors(at) == []
    assert len(at.warning) == 1
    for bad in ("cliff.clip", "cliff.lr", "cliff.what"):
        assert bad in notice(at)


def test_playground_link_parses_back_exactly():
    scenario = cliffs.playground_scenario(cliffs.cliff_study(0.3, 5.0, 5000.0, True))
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == []
    assert parsed.landscape_params == {"slope": 5000.0} and parsed.start == scenario.start
    assert [(r.key, r.values, r.label) for r in parsed.runs] == [(r.key, r.values, r.label) for r in scenario.runs]


def test_page_extreme_settings_render():
    at = open_page({"cliff.lr": "1", "cliff.clip": "0.1", "cliff.slope": "5000", "cliff.momentum": "on"})
    assert errors(at) == [] and not at.warning
    assert any("diverged" in m.value for m in at.markdown), "unclipped SGD leaves the bound"


def test_link_spelling_out_the_defaults_shows_no_notice():
    at = open_page({"cliff.clip": "1", "cliff.lr": "0.1", "cliff.slope": "1000", "cliff.momentum": "off"})
    assert errors(at) == [] and not at.warning


def test_a_link_builds_its_scenario():
    query = {"cliff.clip": "5", "cliff.lr": "0.3", "cliff.slope": "5000", "cliff.momentum": "on"}
    scenario, ignored = CliffScenario.from_query(query)
    assert ignored == []
    assert scenario == CliffScenario(clip=5.0, lr=0.3, slope=5000.0, momentum="on")
    assert scenario.to_query() == query, "whole numbers are written as before, without a point"
    assert CliffScenario().to_query() == {}


def test_the_default_view_shows_what_the_builder_returns():
    at = open_page()
    view = build(CliffScenario())
    assert figures(at) == [json.loads(json.dumps(view.lengths))]
    shown = live_maps(at)[0]
    assert shown["surface_key"] == view.surface.key
    assert shown["overlay"] == json.loads(json.dumps(view.paths))
    assert shown["overlay_layout"] == {"annotations": json.loads(json.dumps(view.annotations))}
    assert [m.value for m in at.markdown if m.value in view.sentences] == view.sentences


# ---------------------------------------------------------------- what the default view shows


def trace_named(fig: dict, name: str) -> tuple[int, dict]:
    return next((i, t) for i, t in enumerate(fig["data"]) if t.get("name") == name)


def test_default_view_shows_the_cliff_throwing_plain_sgd_away_and_not_the_clipped_run():
    """The title's claim at the defaults (c = 1, η = 0.1, G = 1000), read off the drawn paths.

    Expected from the surface, not the module: on the wall face the gradient is about G, so plain SGD's
    step there is about η·G = 100 long, far beyond the 7-unit-wide map; clipped at c = 1 no step is longer
    than η·c = 0.1, the run never leaves the map and ends at the foot of the wall.
    """
    at = open_page()
    map_fig = map_figure(at)
    (x0, x1), (y0, y1) = landscapes.get("cliff").domain
    raw = path(map_fig, "SGD, no clipping")
    jumps = np.hypot(*np.diff(raw.astype(np.float64), axis=0).T)
    assert jumps.max() == pytest.approx(0.1 * 1000.0, rel=0.01), "thrown about η·G by the wall"
    assert raw[:, 0].min() < x0 - 10 * (x1 - x0), "thrown far off the map"
    clipped = path(map_fig, "SGD, clipped")
    steps = np.hypot(*np.diff(clipped.astype(np.float64), axis=0).T)
    assert steps.max() <= 0.1 * (1 + FLOAT32_SLACK)
    assert np.all((clipped[:, 0] >= x0) & (clipped[:, 0] <= x1) & (clipped[:, 1] >= y0) & (clipped[:, 1] <= y1))
    assert np.hypot(clipped[-1, 0] - WALL_X, clipped[-1, 1]) < 0.2, "it ends at the foot of the wall"
    assert any("a jump of length 99.8" in m.value for m in at.markdown)


def test_default_view_draws_the_raw_arrow_on_the_map_and_both_paths_where_they_coincide():
    map_fig = map_figure(open_page())
    (x0, x1), (y0, y1) = landscapes.get("cliff").domain
    study = cliffs.cliff_study(0.1, 1.0, 1000.0)
    hit = study.hits[1]
    arrow = next(t for t in map_fig["data"] if t.get("name", "").startswith(f"raw step −η∇f at step {hit.step}"))
    tip = np.array([decode(arrow["x"])[1], decode(arrow["y"])[1]])
    assert x0 <= tip[0] <= x1 and y0 <= tip[1] <= y1, "the arrowhead is on the map"
    shown = tip - hit.point
    assert np.hypot(*shown) > 0.5 * (x1 - x0), "long enough to see"
    cosine = np.dot(shown, hit.raw) / (np.hypot(*shown) * np.hypot(*hit.raw))
    assert cosine == pytest.approx(1.0, abs=1e-6), "pointing along the raw step"
    assert arrow["name"].endswith("length 99.8 (cut at the map edge)")
    _, head = trace_named(map_fig, arrow["name"] + " (head)")
    assert (head["x"][0], head["y"][0]) == pytest.approx(tuple(tip)) and head["cliponaxis"] is False
    angle = math.radians(head["marker"]["angle"])  # plotly: clockwise from straight up
    assert (math.sin(angle), math.cos(angle)) == pytest.approx(tuple(shown / np.hypot(*shown)), abs=1e-6)
    assert any("runs off the map" in a["text"] for a in map_fig["layout"]["annotations"])
    # Before the wall the two runs share a stretch: the unclipped (dashed) one is drawn over the clipped one.
    below, clipped = trace_named(map_fig, "SGD, clipped at c = 1")
    above, raw = trace_named(map_fig, "SGD, no clipping")
    assert above > below and raw["line"]["dash"] == "dash" and clipped["line"]["dash"] == "solid"
    assert clipped["line"]["width"] > raw["line"]["width"], "the clipped line shows on both sides of the dashes"


def test_default_view_follows_the_marker_language_and_round_colour_bars():
    for query in ({}, {"cliff.momentum": "on", "cliff.lr": "1", "cliff.clip": "0.1", "cliff.slope": "5000"}):
        at = open_page(query)
        for fig in [*figures(at), map_figure(at)]:
            assert marker_problems(fig) == []
            assert colour_bar_problems(fig) == []
    lines = [t for t in map_figure(at)["data"] if t.get("mode") == "lines"]
    runs = {t["line"]["color"] for t in lines if t.get("legendgroup", "").startswith("run")}
    arrows = {t["line"]["color"] for t in lines if t.get("legendgroup") in ("raw", "clipped")}
    assert len(runs) == 4 and len(arrows) == 2 and not runs & arrows, "no arrow shares a colour with a run"
