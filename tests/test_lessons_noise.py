"""Dropout and Gaussian input noise: the expected-loss formula against Monte Carlo, the noisy scan, the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from engine.lessons import noise_injection as ni
from engine.simulate import simulate
from tests.apptest_helpers import live_maps, map_figure, notice
from tests.figure_rules import (
    colour_bar_problems,
    colour_bar_reading_problems,
    log_axis_problems,
    marker_problems,
    named_shape_problems,
)
from ui.lessons.dropout_noise import NoiseScenario, build

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_dropout_noise.py")
POINTS = np.array([[2.5, -0.17], [1.0, 1.0], [0.3, -1.2]])


def _training_arrays() -> tuple[np.ndarray, np.ndarray]:
    land = landscapes.get("train_val")
    data = land.data(land.resolve())
    return data.inputs.astype(np.float64), data.targets.astype(np.float64)


def _numpy_monte_carlo(kind: str, strength: float, draws: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """An independent estimate (numpy's generator, float64): mean loss over draws at POINTS and its SE."""
    x, y = _training_arrays()
    rng = np.random.default_rng(12345)
    if kind == "dropout":
        noisy = x * rng.binomial(1, 1.0 - strength, (draws, *x.shape)) / (1.0 - strength)
    else:
        noisy = x + strength * rng.standard_normal((draws, *x.shape))
    residual = np.einsum("dnj,pj->dpn", noisy, POINTS) - y
    losses = 0.5 * np.mean(residual**2, axis=2)  # (draws, points)
    return losses.mean(axis=0), losses.std(axis=0, ddof=1) / np.sqrt(draws)


@pytest.mark.parametrize(
    ("kind", "strength"), [("dropout", 0.2), ("dropout", 0.6), ("gaussian", 0.3), ("gaussian", 1.0)]
)
def test_expected_loss_equals_the_monte_carlo_average(kind, strength):
    """Within 4 standard errors of an independent numpy Monte Carlo average (20000 draws each)."""
    mean, se = _numpy_monte_carlo(kind, strength)
    formula = ni.expected_loss(POINTS, kind, strength)
    assert np.all(np.abs(formula - mean) <= 4 * se), (formula, mean, se)
    # and the penalty is really there: the clean loss alone is far outside the error bars
    x, y = _training_arrays()
    clean = 0.5 * np.mean((POINTS @ x.T - y) ** 2, axis=1)
    assert np.all(np.abs(clean - mean) > 10 * se)


@pytest.mark.parametrize("kind", ni.KINDS)
def test_the_checks_shown_on_the_page_agree(kind):
    checks = ni.formula_checks(kind, 0.5)
    assert [c.name for c in checks] == ["clean minimum", "best fit to held-out data", "expected-loss minimum"]
    assert all(c.agrees for c in checks)
    assert all(c.formula > c.clean for c in checks)


def test_zero_noise_is_plain_gradient_descent():
    runs = ni.noisy_training("gaussian", 0.0, 0.1, 200, [0, 1], with_clean=True)
    (clean,) = simulate("train_val", "sgd", {"lr": 0.1}, start=(0.0, 0.0), steps=200, batch_size=16)
    for path in [*runs.paths, runs.clean_path]:
        np.testing.assert_allclose(path, clean.path, atol=1e-6)
    assert runs.clean_diverged_at is None


def test_the_clean_row_is_the_engines_gradient_descent_beside_noisy_runs():
    """The clean run shares the noisy runs' call (one compile); it must still be plain GD on the clean loss."""
    runs = ni.noisy_training("dropout", 0.5, 0.1, 300, range(3), with_clean=True)
    (clean,) = simulate("train_val", "sgd", {"lr": 0.1}, start=(0.0, 0.0), steps=300, batch_size=16)
    np.testing.assert_allclose(runs.clean_path, clean.path, atol=1e-6)
    assert runs.paths.shape == (3, 301, 2) and not np.allclose(runs.paths[0], clean.path, atol=1e-3)


@pytest.mark.parametrize(("kind", "strength"), [("dropout", 0.3), ("gaussian", 0.5)])
def test_noisy_copies_have_the_right_moments_and_are_reproducible(kind, strength):
    x, _ = _training_arrays()
    copies = ni.noisy_copies(x, kind, strength, 40000, seed=3)
    spread = np.abs(x) * np.sqrt(strength / (1 - strength)) if kind == "dropout" else np.full_like(x, strength)
    assert np.all(np.abs(copies.mean(axis=0) - x) <= 5 * spread / np.sqrt(40000)), "unbiased: E[x̃] = x"
    if kind == "dropout":
        dropped = np.mean(copies == 0.0)
        assert abs(dropped - strength) < 0.01
        np.testing.assert_allclose(
            copies[copies != 0.0], np.broadcast_to(x / (1 - strength), copies.shape)[copies != 0.0]
        )
    else:
        assert abs(np.std(copies - x) - strength) < 0.01
    np.testing.assert_array_equal(ni.noisy_copies(x, kind, strength, 7, seed=3), copies[:7])


def test_noisy_runs_hover_around_the_expected_minimum():
    runs = ni.noisy_training("dropout", 0.3, 0.1, 300, range(8))
    assert not np.allclose(runs.paths[0], runs.paths[1]), "seeds draw different noise"
    again = ni.noisy_training("dropout", 0.3, 0.1, 300, [0])
    # Same seed, same noise: alone or in a batch of 8 the run differs by float rounding at most
    # (XLA compiles the two batch sizes differently), never by a different draw.
    np.testing.assert_allclose(again.paths[0], runs.paths[0], rtol=1e-6, atol=1e-7)
    average = runs.iterate_average()
    x, y = _training_arrays()
    a, b = x.T @ x / len(y), x.T @ y / len(y)
    target = np.linalg.solve(a + 0.3 / 0.7 * np.diag(np.diag(a)), b)
    np.testing.assert_allclose(ni.expected_minimum("dropout", 0.3), target, rtol=1e-9)
    assert np.hypot(*(average - target)) < 0.05 < np.hypot(*(average - np.linalg.solve(a, b)))


def test_too_large_a_learning_rate_diverges_cleanly():
    runs = ni.noisy_training("gaussian", 0.5, 3.0, 100, range(4))
    assert np.all(runs.diverged_at > 0) and np.all(np.isfinite(runs.paths))


def test_playground_link_decays_by_sigma_squared_to_the_gaussian_expected_minimum():
    """Gaussian noise σ is, on average, L2 weight decay σ²: the linked run ends at the expected minimum."""
    scenario = ni.playground_scenario("gaussian", 0.5, 0.5, 1000)
    assert scenario.runs[1].values["weight_decay"] == 0.25 and scenario.runs[1].choices.wd_mode == "l2"
    _, decayed = scenario.run()
    np.testing.assert_allclose(decayed.path[-1], ni.expected_minimum("gaussian", 0.5), atol=1e-4)
    assert len(ni.playground_scenario("dropout", 0.5, 0.5, 1000).runs) == 1


# ---------------------------------------------------------------- the page


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _expected_surface(at: AppTest) -> np.ndarray:
    fig = map_figure(at)
    return decode(next(t for t in fig["data"] if t["type"] == "contour" and t.get("xaxis") == "x2")["z"])


def test_page_renders_and_p_changes_the_expected_surface():
    at = _run()
    assert not at.exception and not at.warning
    assert len(live_maps(at)) == 1 and len(at.dataframe) == 1
    before = _expected_surface(at)
    # More steps move only the runs: the browser keeps the surface it holds, nothing of it is sent again.
    first = live_maps(at)[0]
    at.slider(key="noise2.steps").set_value(500).run()
    assert not at.exception
    second = live_maps(at)[0]
    assert "surface" not in second and second["surface_key"] == first["surface_key"]
    clean = [next(t for t in d["overlay"] if t["name"] == "training on clean inputs") for d in (first, second)]
    assert len(decode(clean[1]["x"])) > len(decode(clean[0]["x"])), "the longer runs are drawn"
    at.slider(key="noise2.p").set_value(0.6).run()
    assert not at.exception
    assert not np.allclose(before, _expected_surface(at))
    assert list(at.dataframe[0].value["agrees"]) == ["yes"] * 3


def test_url_round_trip_and_bad_link():
    at = _run({"noise2.kind": "Gaussian", "noise2.sigma": "0.8", "noise2.lr": "0.05", "noise2.steps": "200"})
    assert not at.exception and not at.warning
    assert at.radio(key="noise2.kind").value == "gaussian"
    assert at.slider(key="noise2.sigma").value == 0.8
    assert at.select_slider(key="noise2.lr").value == 0.05
    assert at.slider(key="noise2.steps").value == 200
    fig = map_figure(at)
    star = next(t for t in fig["data"] if t.get("name") == "expected-loss minimum")
    np.testing.assert_allclose(
        [decode(star["x"])[0], decode(star["y"])[0]], ni.expected_minimum("gaussian", 0.8), rtol=1e-6
    )

    bad = _run({"noise2.kind": "salt", "noise2.p": "2"})
    assert not bad.exception and len(bad.warning) == 1
    assert "noise2.kind" in notice(bad) and "noise2.p" in notice(bad)


def test_the_scenario_reads_an_old_link():
    """The link keys and spellings of the page's URL-bound widgets (the radio wrote its label) still work."""
    query = {"noise2.kind": "Gaussian", "noise2.sigma": "0.8", "noise2.lr": "0.05", "noise2.steps": "200"}
    scenario, ignored = NoiseScenario.from_query(query)
    assert ignored == [] and scenario == NoiseScenario(kind="gaussian", sigma=0.8, lr=0.05, steps=200)
    assert scenario.strength == 0.8 and NoiseScenario(p=0.6).strength == 0.6
    assert scenario.to_query() == query
    assert NoiseScenario.from_query({"noise2.kind": "salt", "noise2.p": "2"}) == (
        NoiseScenario(),
        ["noise2.kind=salt (not one of Dropout, Gaussian)", "noise2.p=2 (outside 0 to 0.9)"],
    )


# ---------------------------------------------------------------- the default view


@pytest.fixture(scope="module")
def default_view() -> AppTest:
    return _run()


def test_default_view_shows_what_the_builder_returns(default_view):
    view = build(NoiseScenario())
    live = live_maps(default_view)[0]
    assert live["surface_key"] == view.surface.key and live["overlay"] == json.loads(json.dumps(view.overlay))
    table = default_view.dataframe[0].value
    assert list(table["formula"]) == [c.formula for c in view.checks]
    assert list(table["point"]) == [c.name for c in view.checks]


def test_default_view_noisy_runs_hover_around_the_expected_loss_minimum(default_view):
    """The title's claim on the drawn map (dropout p = 0.3): the noisy paths' second halves average out at
    the minimum of the clean loss plus dropout's penalty, well away from the clean minimum."""
    maps = map_figure(default_view)
    noisy = [t for t in maps["data"] if t.get("name") == "training on noisy inputs (one per seed)"]
    assert len(noisy) == 8
    tails = np.concatenate([np.stack([decode(t["x"]), decode(t["y"])], 1)[len(decode(t["x"])) // 2 :] for t in noisy])
    x, y = _training_arrays()
    a, b = x.T @ x / len(y), x.T @ y / len(y)
    target = np.linalg.solve(a + 0.3 / 0.7 * np.diag(np.diag(a)), b)
    clean = np.linalg.solve(a, b)
    assert np.hypot(*(tails.mean(axis=0) - target)) < 0.05 < 0.5 < np.hypot(*(tails.mean(axis=0) - clean))


def _luminance(colour: str) -> float:
    rgb = np.array([int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]) / 255.0
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def test_default_view_average_of_the_runs_stands_apart_from_the_star_it_sits_on(default_view):
    """The average is drawn over the expected-loss minimum (they nearly coincide): it must differ from the star
    in shape, be clearly smaller, be drawn on top, and contrast with the star's colour (ratio at least 3)."""
    maps = map_figure(default_view)
    names = [t.get("name") for t in maps["data"]]
    star = maps["data"][names.index("expected-loss minimum")]["marker"]
    average = maps["data"][names.index("average of the noisy runs (second half)")]["marker"]
    assert names.index("average of the noisy runs (second half)") > names.index("expected-loss minimum")
    assert average["symbol"] != star["symbol"] and average["size"] <= 0.6 * star["size"]
    lighter, darker = sorted((_luminance(average["color"]), _luminance(star["color"])), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3.0


def test_default_view_explains_every_point_of_the_formula_table(default_view):
    """Each point the Monte Carlo table names is described in the text above it, in plain words."""
    text = " ".join(m.value for m in default_view.markdown)
    for point in default_view.dataframe[0].value["point"]:
        assert point in text, point


def test_default_view_markers_and_colour_bars_follow_the_shared_rules(default_view):
    for fig in [map_figure(default_view)]:
        assert marker_problems(fig) == [] and named_shape_problems(fig) == []
        assert colour_bar_problems(fig) == [] and colour_bar_reading_problems(fig) == []
        assert log_axis_problems(fig) == []


def test_diverged_runs_end_in_crosses_named_diverged():
    """At learning rate 3 every run blows up: the noisy ones and the clean one end in x markers named so."""
    at = _run({"noise2.lr": "3"})
    assert not at.exception and len(at.warning) == 1 and "8 of 8" in notice(at)
    maps = map_figure(at)
    crosses = [t for t in maps["data"] if (t.get("marker") or {}).get("symbol") == "x"]
    assert {t["name"].split(" (")[0] for t in crosses} == {"training on clean inputs diverged", "noisy runs diverged"}
    assert len(decode(next(t for t in crosses if t["name"].startswith("noisy"))["x"])) == 8
    assert marker_problems(maps) == [] and named_shape_problems(maps) == []
