"""The saddles and local minima lesson: escape steps, basin classification, and its page."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from charts.lessons.saddles import minimum_colours
from engine.lessons import basins
from engine.scenario import from_query, to_query
from engine.simulate import default_tolerance, simulate, simulate_many
from tests.apptest_helpers import errors, figures, live_maps, map_figure, notice
from tests.figure_rules import colour_bar_problems, marker_problems
from ui.lessons.saddles import SaddleScenario, basins_view, escape_view

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "views/lesson_saddles.py")
HIMMELBLAU = np.array(landscapes.himmelblau.MINIMA)


@pytest.mark.parametrize(("surface", "offset", "lr"), [("saddle", 1e-4, 0.01), ("monkey_saddle", 1e-2, 0.03)])
def test_escape_table_equals_a_direct_computation_from_the_paths(surface, offset, lr):
    study = basins.escape_study(surface, offset, lr)
    assert study.start == (0.0, offset)
    for key, row in zip(basins.ESCAPE_OPTIMIZERS, study.rows, strict=True):
        settings = {} if key == "newton" else {"lr": lr}
        (traj,) = simulate(surface, (key, settings), start=(0.0, offset), steps=basins.ESCAPE_STEPS)
        distance = np.hypot(traj.path[:, 0].astype(np.float64), traj.path[:, 1].astype(np.float64))
        outside = np.nonzero(distance > 0.5)[0]
        assert row.escape == (int(outside[0]) if len(outside) else None), key
        assert row.final_distance == pytest.approx(distance[-1], rel=1e-6, abs=1e-30)


def test_gd_escape_follows_the_linearised_saddle_and_newton_is_drawn_in():
    for offset in (1e-6, 1e-4, 1e-2):
        study = basins.escape_study("saddle", offset, 0.01)
        by_key = dict(zip(basins.ESCAPE_OPTIMIZERS, study.rows, strict=True))
        predicted = math.log(0.5 / offset) / math.log(1.0 + 2.0 * 0.01)
        assert study.estimate == pytest.approx(predicted)
        assert by_key["sgd"].escape == pytest.approx(predicted, rel=0.03)
        assert by_key["momentum"].escape < by_key["sgd"].escape
        assert by_key["adam"].escape < by_key["sgd"].escape
        assert by_key["newton"].escape is None and by_key["newton"].final_distance < offset
    assert study.per_decade == pytest.approx(math.log(10.0) / math.log(1.02))


def test_classify_labels_minima_none_and_diverged():
    tol = 0.1
    final = np.array(
        [
            HIMMELBLAU[2] + np.array([0.05, 0.0]),
            HIMMELBLAU[0],
            [0.0, 0.0],
            HIMMELBLAU[1] + np.array([0.2, 0.0]),
            [1e4, 0],
        ]
    )
    diverged = np.array([-1, -1, -1, -1, 7])
    labels = basins.classify(final, diverged, HIMMELBLAU, tol)
    assert labels.tolist() == [2, 0, basins.NO_MINIMUM, basins.NO_MINIMUM, basins.DIVERGED]


def test_known_starts_end_in_their_own_minimum():
    starts = np.concatenate([HIMMELBLAU + np.array([0.3, -0.2]), HIMMELBLAU + np.array([-0.25, 0.25])]).astype(
        np.float32
    )
    batch = simulate_many("himmelblau", ("sgd", {"lr": 0.005}), starts=starts, steps=500)
    land = landscapes.get("himmelblau")
    labels = basins.classify(batch.final, batch.diverged_at, basins.basin_minima(land, {}), default_tolerance(land))
    assert labels.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]


def test_basin_map_cells_at_the_minima_belong_to_them():
    bmap = basins.basin_map("himmelblau", "sgd", 0.01, 100)
    assert bmap.labels.shape == (100, 100)
    for k, (x, y) in enumerate(HIMMELBLAU):
        i, j = int(np.argmin(abs(bmap.ys - y))), int(np.argmin(abs(bmap.xs - x)))
        assert bmap.labels[i, j] == k
    assert sum(bmap.shares().values()) == pytest.approx(1.0)
    newton = basins.basin_map("himmelblau", "newton", 0.5, 100)
    assert newton.shares()[basins.NO_MINIMUM] > 0.2, "Newton stops at saddles and the maximum"


def test_rastrigin_pits_are_local_minima_of_the_surface():
    land = landscapes.get("rastrigin")
    pits = basins.basin_minima(land, land.resolve())
    assert len(pits) == 121 and np.allclose(pits[0], 0.0)
    f = land.loss_function()
    grad = jax.vmap(jax.grad(f))(jnp.asarray(pits, jnp.float32))
    assert float(jnp.max(jnp.abs(grad))) < 1e-3
    hessians = np.asarray(jax.vmap(jax.hessian(f))(jnp.asarray(pits, jnp.float32)))
    assert np.all(np.linalg.eigvalsh(hessians) > 0)
    assert len(basins.basin_minima(land, {"A": 0.0})) == 1
    colours = minimum_colours(pits)
    gap = np.linalg.norm(pits[:, None] - pits[None], axis=2)
    neighbours = (gap > 0) & (gap < 1.5)
    assert all(colours[i] != colours[j] for i, j in zip(*np.nonzero(neighbours), strict=True))
    assert colours.count(colours[0]) == 1, "the global minimum has a colour of its own"


# ---------------------------------------------------------------- the page


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def heatmaps(fig: dict) -> list[np.ndarray]:
    return [decode(t["z"]) for t in fig["data"] if t["type"] == "heatmap"]


def test_page_renders_and_its_controls_change_the_figures():
    at = open_page()
    assert errors(at) == [] and not at.warning
    distance, basin = figures(at)
    a, b = heatmaps(basin)
    assert a.shape == b.shape == (100, 100)
    at.select_slider(key="saddle.offset").set_value(1e-2).run()
    assert errors(at) == []
    assert figures(at)[0]["data"][0]["y"] != distance["data"][0]["y"]
    at.selectbox(key="saddle.opt_b").set_value("Adam").run()
    assert errors(at) == []
    a2, b2 = heatmaps(figures(at)[1])
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(b, b2)


def escape_path(fig: dict, name: str) -> np.ndarray:
    trace = next(t for t in fig["data"] if t.get("name") == name and t.get("mode") == "lines")
    return np.stack([decode(trace["x"]), decode(trace["y"])], axis=1)


def test_escape_map_draws_the_runs_and_only_a_new_surface_is_resent():
    """δ and η only move the paths on the escape map (the browser keeps its surface); another surface is sent."""
    at = open_page()
    first = live_maps(at)[0]
    assert "surface" in first
    assert map_figure(at)["data"][0]["type"] == "contour"
    at.select_slider(key="saddle.lr").set_value(0.1).run()
    second = live_maps(at)[0]
    assert "surface" not in second and second["surface_key"] == first["surface_key"]
    study = basins.escape_study("saddle", 1e-4, 0.1)
    for run in study.runs:
        np.testing.assert_allclose(escape_path(map_figure(at), run.label), run.path, rtol=1e-6)
    at.selectbox(key="saddle.land").set_value("Monkey saddle").run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"]
    assert errors(at) == []


def test_page_url_round_trips():
    query = {
        "saddle.land": "Monkey saddle",
        "saddle.offset": "0.01",
        "saddle.opt_b": "Adam",
        "saddle.lr_b": "0.05",
    }
    at = open_page(query)
    assert errors(at) == [] and not at.warning
    assert at.selectbox(key="saddle.land").value == "Monkey saddle"
    assert at.select_slider(key="saddle.offset").value == 0.01
    assert at.selectbox(key="saddle.opt_b").value == "Adam"
    assert at.select_slider(key="saddle.lr_b").value == 0.05
    escape = basins.escape_study("monkey_saddle", 0.01, 0.01)
    distance = figures(at)[0]
    first = decode(distance["data"][0]["y"])
    np.testing.assert_allclose(first, np.maximum(np.hypot(*escape.runs[0].path.T), 1e-12), rtol=1e-6)
    for run in escape.runs:
        np.testing.assert_allclose(escape_path(map_figure(at), run.label), run.path, rtol=1e-6)
    labels = basins.basin_map("himmelblau", "adam", 0.05, 100).labels
    # Himmelblau's four minima take colour slots 0-3, then 'no minimum' (4) and 'diverged' (5).
    expected = np.where(labels == basins.NO_MINIMUM, 4, np.where(labels == basins.DIVERGED, 5, labels))
    _, b = heatmaps(figures(at)[1])
    np.testing.assert_array_equal(b, expected)


def test_page_garbage_url_shows_one_notice():
    at = open_page({"saddle.offset": "-1", "saddle.opt_a": "warp", "saddle.res": "9999", "saddle.zzz": "1"})
    assert errors(at) == []
    assert len(at.warning) == 1
    for bad in ("saddle.offset", "saddle.opt_a", "saddle.res", "saddle.zzz"):
        assert bad in notice(at)


def test_share_rows_count_the_labels():
    a = basins.basin_map("himmelblau", "sgd", 0.01, 100)
    b = basins.basin_map("himmelblau", "newton", 0.5, 100)
    rows = {row["ends in"]: row for row in basins.share_rows([a, b], ["A", "B"])}
    none = rows["no minimum reached"]
    assert none["A"] == f"{100 * np.mean(a.labels == basins.NO_MINIMUM):.1f} %"
    assert none["B"] == f"{100 * np.mean(b.labels == basins.NO_MINIMUM):.1f} %"
    first = rows[basins.class_label(0, a.minima)]
    assert first["A"] == f"{100 * np.mean(a.labels == 0):.1f} %"


@pytest.mark.parametrize("surface", basins.SADDLE_LANDSCAPES)
def test_playground_links_parse_back_exactly(surface):
    study = basins.escape_study(surface, 1e-8, 0.01)
    for scenario in (
        basins.escape_scenario(study),
        basins.basin_scenario("six_hump_camel", [("momentum", 0.01), ("adam", 0.05)]),
    ):
        parsed, ignored = from_query(to_query(scenario))
        assert ignored == []
        assert parsed.start == scenario.start and parsed.steps == scenario.steps
        assert [(r.key, r.values, r.label) for r in parsed.runs] == [(r.key, r.values, r.label) for r in scenario.runs]


def test_page_extreme_settings_render_and_show_divergence():
    at = open_page({"saddle.offset": "1e-08", "saddle.lr": "0.1", "saddle.lr_b": "1", "saddle.opt_b": "SGD"})
    assert errors(at) == [] and not at.warning
    _, b = heatmaps(figures(at)[1])
    assert np.any(b == 5), "SGD with η = 1 diverges from some starts (the black class)"
    assert any(row == "diverged" for row in at.dataframe[1].value["ends in"])


def test_link_spelling_out_the_defaults_shows_no_notice():
    defaults = {
        "saddle.land": "Saddle point",
        "saddle.offset": "0.0001",
        "saddle.lr": "0.01",
        "saddle.basin_land": "Himmelblau",
        "saddle.res": "100",
        "saddle.opt_a": "SGD",
        "saddle.lr_a": "0.01",
        "saddle.opt_b": "Momentum (heavy ball)",
        "saddle.lr_b": "0.01",
    }
    at = open_page(defaults)
    assert errors(at) == [] and not at.warning


# ---------------------------------------------------------------- what the default view shows


def gd_escape_by_hand(offset: float, lr: float, c: float = 1.0, radius: float = 0.5) -> int:
    """Plain gradient descent on x² - c y² + y⁴/4 from (0, offset), in float64: the first step beyond ``radius``."""
    y, step = offset, 0
    while abs(y) <= radius:
        y -= lr * (-2.0 * c * y + y**3)
        step += 1
    return step


def test_default_view_shows_the_escape_times_the_page_claims():
    """The title's claim at the defaults (saddle, δ = 1e-4, η = 0.01), read off the page's table and chart.

    Plain GD escapes when a hand-written float64 GD loop says it does (about ln(R/δ)/ln(1 + 2η) steps);
    momentum, Nesterov, RMSprop and Adam leave sooner; Newton's method is drawn into the saddle and never
    leaves. The squares on the distance chart sit at the table's escape steps.
    """
    at = open_page()
    table = at.dataframe[0].value
    column = next(c for c in table.columns if c.startswith("escape step"))
    escape = dict(zip(table["optimizer"], table[column], strict=True))
    sgd = int(escape["SGD"])
    assert abs(sgd - gd_escape_by_hand(1e-4, 0.01)) <= 1
    assert abs(sgd - math.log(0.5 / 1e-4) / math.log(1.02)) < 0.02 * sgd
    for name in ("Momentum (heavy ball)", "Nesterov momentum", "RMSprop", "Adam"):
        assert int(escape[name]) < sgd / 3, f"{name} leaves far sooner than plain GD"
    assert escape["Newton (damped)"].startswith("never")
    distance = figures(at)[0]
    squares = {t["name"].removesuffix(" escapes"): t["x"][0] for t in distance["data"] if t["mode"] == "markers"}
    assert {name: str(step) for name, step in squares.items()} == {
        name: value for name, value in escape.items() if not value.startswith("never")
    }
    newton = next(t for t in distance["data"] if t["name"] == "Newton (damped)")
    assert decode(newton["y"])[-1] < 1e-4, "Newton ends closer to the saddle than it started"


def test_default_view_shows_the_basins_moving_with_the_optimizer():
    """Default basin maps (Himmelblau, SGD against momentum, η = 0.01): the borders differ between the two,
    yet a start right next to each minimum ends in that minimum under both."""
    at = open_page()
    a, b = heatmaps(figures(at)[1])
    assert np.mean(a != b) > 0.1, "the two optimizers send at least a tenth of the starts to different places"
    bmap = basins.basin_map("himmelblau", "sgd", 0.01, 100)
    for k, (x, y) in enumerate(HIMMELBLAU):
        i, j = int(np.argmin(abs(bmap.ys - y))), int(np.argmin(abs(bmap.xs - x)))
        assert a[i, j] == b[i, j] == k


def test_default_view_follows_the_marker_language_and_round_colour_bars():
    for query in ({}, {"saddle.land": "Monkey saddle", "saddle.lr_b": "1", "saddle.opt_b": "SGD"}):
        at = open_page(query)
        for fig in [*figures(at), map_figure(at)]:
            assert marker_problems(fig) == []
            assert colour_bar_problems(fig) == []


# ---------------------------------------------------------------- the page's scenario and builders


def test_scenario_from_a_link_keeps_its_spellings():
    """Old share links hold display names and the slider's own text; they read back as one scenario."""
    scenario, ignored = SaddleScenario.from_query(
        {"saddle.land": "Monkey saddle", "saddle.offset": "1e-08", "saddle.opt_b": "Adam", "saddle.lr_b": "1"}
    )
    assert ignored == []
    assert scenario == SaddleScenario(land="Monkey saddle", offset=1e-8, opt_b="Adam", lr_b=1.0)
    assert scenario.to_query() == {
        "saddle.land": "Monkey saddle",
        "saddle.offset": "1e-08",
        "saddle.opt_b": "Adam",
        "saddle.lr_b": "1",
    }
    bad, ignored = SaddleScenario.from_query({"saddle.opt_a": "warp", "saddle.res": "9999"})
    assert bad == SaddleScenario() and len(ignored) == 2


def test_default_view_shows_what_the_builders_return():
    at = open_page()
    escape, basin = escape_view(SaddleScenario()), basins_view(SaddleScenario())
    distance, basin_fig = figures(at)
    assert distance == json.loads(json.dumps(escape.distance))
    assert basin_fig == json.loads(json.dumps(basin.figure))
    assert at.dataframe[0].value.to_dict("records") == escape.table
    assert at.dataframe[1].value.to_dict("records") == basin.shares
    assert live_maps(at)[0]["surface_key"] == escape.surface.key
    assert live_maps(at)[0]["overlay"] == json.loads(json.dumps(escape.overlay))
