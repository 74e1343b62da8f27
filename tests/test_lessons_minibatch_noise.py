"""Minibatch noise: the gradient fan, the spread of end points against batch size, and the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from charts.markers import END, REFERENCE
from engine.lessons import noise
from engine.scenario import from_query, to_query
from engine.simulate import simulate, simulate_many
from tests.apptest_helpers import errors, figures, live_maps, map_figure, notice, send_trigger
from tests.figure_rules import colour_bar_problems, marker_problems
from ui.lessons.minibatch_noise import NoiseScenario, page_view

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_minibatch_noise.py")


LAND = landscapes.get("minibatch")
VALUES = LAND.resolve()
N = LAND.data(VALUES).size
POINT = (-1.5, 2.0)


def hand_gradient(point: tuple[float, float], values: dict[str, float] | None = None) -> np.ndarray:
    """The least-squares gradient mean((w t + b - y) (t, 1)) in float64 numpy, written out here."""
    data = LAND.data(LAND.resolve(values))
    t = data.inputs[:, 0].astype(np.float64)
    y = data.targets.astype(np.float64)
    r = point[0] * t + point[1] - y
    return np.array([np.mean(r * t), np.mean(r)])


def test_epoch_of_minibatch_gradients_averages_to_the_full_gradient():
    full = hand_gradient(POINT)
    np.testing.assert_allclose(noise.full_gradient(POINT), full, rtol=1e-5)
    cases = [(batch, seed) for batch in (1, 4, 8, 64, N) for seed in (0, 7)]
    rows = [(batch, seed, step) for batch, seed in cases for step in noise.epoch_steps(batch, N)]
    sizes, seeds, steps = (np.array(column) for column in zip(*rows, strict=True))
    grads = noise.minibatch_gradients(POINT, sizes, seeds, steps)  # every epoch of every case in one call
    for batch, seed in cases:
        epoch = grads[(sizes == batch) & (seeds == seed)]
        assert epoch.shape == (N // batch, 2)
        np.testing.assert_allclose(epoch.mean(axis=0), full, rtol=1e-5, atol=1e-6)
        if batch < N:  # the single batches really differ from the full gradient
            assert np.max(np.abs(epoch - full)) > 1e-2


def test_fan_is_the_first_minibatch_each_run_uses():
    batch = 8
    fan = noise.fan(POINT, batch, VALUES)
    for seed in (0, 3, 63):
        (run,) = simulate("minibatch", ("sgd", {"lr": 0.1}), start=POINT, steps=5, seed=seed, batch_size=batch)
        np.testing.assert_allclose(fan.minibatch[seed], run.grad[0], rtol=1e-5, atol=1e-6)
    assert noise.fan(POINT, N, VALUES).spread == 0.0, "at B = N every minibatch is the full batch"
    scenario = noise.playground_scenario({"noise": 0.7}, 0.1, POINT, 500, batch)
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == [] and parsed == scenario
    (replay,) = parsed.run()  # the linked run (seed 0) starts with the fan's first minibatch
    np.testing.assert_allclose(replay.grad[0], noise.fan(POINT, batch, {"noise": 0.7}).minibatch[0], rtol=1e-5)


def test_predicted_spread_matches_many_draws():
    for batch in (1, 8, 64):
        draws = noise.minibatch_gradients(POINT, batch, np.arange(4000), np.zeros(4000, int))
        measured = np.sqrt(np.mean(np.sum((draws - hand_gradient(POINT)) ** 2, axis=1)))
        assert abs(measured / noise.predicted_spread(POINT, batch) - 1) < 0.08, batch
    assert noise.predicted_spread(POINT, N) == 0.0


SEEDS = 64
"""Seeds per batch size in these tests: the page's smallest setting (its default is 256)."""


def test_full_batch_gives_zero_spread_and_small_batches_do_not():
    curve = noise.spread_curve(VALUES, 0.1, POINT, 100, SEEDS)
    sizes = tuple(2**k for k in range(9))
    assert curve.sizes == sizes
    assert curve.spread[-1] == 0.0
    assert np.all(curve.finals[-1] == curve.finals[-1][0]), "every seed ends on the same point at B = N"
    assert np.all(curve.spread[:-1] > 0) and curve.spread[0] > 5 * curve.spread[-2]
    assert np.all(curve.diverged == 0)
    # The chart's number and the cloud for B = 8 against a direct run of those seeds (their own batch).
    m = len(sizes) * SEEDS
    direct = simulate_many(
        "minibatch",
        ("sgd", {"lr": 0.1}),
        starts=POINT,
        seeds=np.arange(m) % SEEDS,
        batch_size=np.full(m, 8, np.float32),
        steps=100,
        keep_paths=True,
    )
    ends = direct.final[:SEEDS].astype(np.float64)
    rms = np.sqrt(np.mean(np.sum((ends - ends.mean(axis=0)) ** 2, axis=1)))
    np.testing.assert_allclose(curve.spread[3], rms, rtol=1e-4)
    paths, finals, diverged = curve.cloud(8)
    np.testing.assert_allclose(paths, direct.paths[:SEEDS][:, curve.path_steps], atol=1e-6)
    np.testing.assert_allclose(finals, direct.final[:SEEDS], atol=1e-6)
    assert not np.any(diverged)
    assert curve.path_steps[0] == 0 and curve.path_steps[-1] == 100
    # The red line is full-batch gradient descent, as simulate() runs it.
    (gd,) = simulate("minibatch", ("sgd", {"lr": 0.1}), start=POINT, steps=100, batch_size=N)
    np.testing.assert_allclose(curve.full_batch_path(), gd.path[curve.path_steps], atol=1e-5)


def test_fan_sentence_says_whether_the_average_is_the_full_gradient():
    full = np.array([1.0, 0.5])
    spread = np.array([[0.5, 0.0], [-0.5, 0.0], [0.0, 0.5], [0.0, -0.5]])
    fair = noise.Fan(np.zeros(2), full, full + spread)
    assert "consistent with a minibatch gradient being right on average" in noise.fan_sentence(fair, 0.5)
    biased = noise.Fan(np.zeros(2), full, full + spread + [1.0, 0.0])
    text = noise.fan_sentence(biased, 0.5)
    assert "more than three times that, which chance does not explain" in text and "right on average" not in text
    assert "every minibatch is the whole data set" in noise.fan_sentence(noise.Fan(np.zeros(2), full, full[None]), 0.0)


def test_spread_sentence_handles_full_batch_and_divergence():
    sizes = (1, 2, 4)
    finals = np.zeros((3, 4, 2))
    curve = noise.SpreadCurve(sizes, 4, finals, np.array([0.3, 0.1, 0.0]), np.array([1, 0, 0]))
    assert "**0.1**" in noise.spread_sentence(curve, 2) and "at B = 4 it is 0" in noise.spread_sentence(curve, 2)
    assert "coincide (spread **0**)" in noise.spread_sentence(curve, 4)
    assert "(1 diverged runs left out)" in noise.spread_sentence(curve, 1)
    dead = noise.SpreadCurve(sizes, 4, finals, np.array([np.nan, 0.1, 0.0]), np.array([4, 0, 0]))
    assert "all 4 runs diverged" in noise.spread_sentence(dead, 1)
    assert "nan" not in noise.spread_sentence(dead, 2)


def test_clicked_point_reads_only_points_inside_the_domain():
    (x0, x1), (y0, y1) = LAND.domain
    assert noise.clicked_point(0.5, -1.0, LAND.domain) == (0.5, -1.0)
    assert noise.clicked_point(x0, y1, LAND.domain) == (x0, y1), "the edge is inside"
    for bad in ((50.0, 0.0), (0.0, y0 - 0.01), (x1 + 0.01, 0.0), (float("nan"), 0.0), (0.0, float("inf"))):
        assert noise.clicked_point(*bad, LAND.domain) is None, bad


# ----------------------------------------------------------------------------- the page


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


SMALL = {"noise.seeds": str(SEEDS), "noise.steps": "100"}
"""The page's smallest settings, for tests that check behaviour rather than the default view."""


def trace(fig: dict, prefix: str) -> dict:
    return next(t for t in fig["data"] if str(t.get("name", "")).startswith(prefix))


def drawn(at: AppTest) -> dict:
    """What the map drew over its surface in the last run (sent on every run, unlike the surface)."""
    return {"data": live_maps(at)[0]["overlay"]}


def click_map(at: AppTest, x: float, y: float) -> AppTest:
    """Rerun ``at`` as the browser does after a click on the live map at data coordinates (``x``, ``y``)."""
    return send_trigger(at, "click", {"x": x, "y": y})


def points_of(tr: dict) -> np.ndarray:
    xy = np.stack([decode(tr["x"]), decode(tr["y"])], axis=1)
    return xy[np.all(np.isfinite(xy), axis=1)]


def assert_arrows_inside(at: AppTest) -> None:
    """Every gradient arrow on the page lies inside its figure's axis ranges (none is cut off)."""
    count = 0
    for fig in figures(at):
        for tr in fig["data"]:
            if str(tr.get("name", "")).startswith("−∇"):
                pts = points_of(tr)
                (x0, x1), (y0, y1) = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
                assert np.all((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)), tr["name"]
                count += 1
    assert count == 2, "the minibatch and the full-batch arrows"


def hand_spread(point: tuple[float, float], batch: int) -> float:
    """RMS deviation of a B-example minibatch gradient (without replacement), from per-example gradients here."""
    data = LAND.data(VALUES)
    t = data.inputs[:, 0].astype(np.float64)
    r = point[0] * t + point[1] - data.targets.astype(np.float64)
    per = np.stack([r * t, r], axis=1)
    return float(np.sqrt((N - batch) / (batch * (N - 1)) * np.sum(np.var(per, axis=0))))


def test_default_view_shows_minibatch_gradients_scattering_around_the_full_one():
    """The title's claim on the default view: minibatch gradients scatter around the full one, average to it,
    and the runs' end points scatter less as B grows, not at all at B = N."""
    at = run_page()
    assert errors(at) == [] and not at.warning
    fan_fig, spread_fig = figures(at)
    map_fig = map_figure(at)
    tips = points_of(trace(fan_fig, "−∇ of"))[1::2]  # (point, tip) pairs: every second point is a tip
    full = points_of(trace(fan_fig, "−∇f, full batch"))[1]
    np.testing.assert_allclose(full, -hand_gradient(POINT), rtol=1e-4)
    assert len(tips) == noise.FAN_SIZE
    scatter = np.sqrt(np.mean(np.sum((tips - full) ** 2, axis=1)))
    expected = hand_spread(POINT, 8)
    assert 0.7 < scatter / expected < 1.3, "they scatter by about what the formula says"
    mean = tips.mean(axis=0)
    assert np.linalg.norm(mean - full) < 3 * expected / np.sqrt(len(tips)), "their average is the full gradient"
    np.testing.assert_allclose(points_of(trace(fan_fig, "average of the minibatch"))[0], mean, atol=1e-5)
    text = " ".join(m.value for m in at.markdown)
    assert "consistent with a minibatch gradient being right on average" in text
    # The end points: the spread falls with every doubling of B, to exactly 0 at B = N.
    spread = decode(spread_fig["data"][0]["y"])
    assert np.all(np.diff(spread) < 0) and spread[-1] == 0.0
    curve = noise.spread_curve(VALUES, 0.1, POINT, 500, 256)
    np.testing.assert_allclose(spread, curve.spread, rtol=1e-6)
    assert f"**{curve.spread[3]:.3g}**" in text and f"at B = 1 the spread is {curve.spread[0]:.3g}" in text
    assert map_fig["data"][0]["type"] == "contour"
    assert_arrows_inside(at)
    assert map_fig["data"][0]["colorbar"]["ticktext"] and colour_bar_problems(map_fig) == []
    for fig in (map_fig, fan_fig, spread_fig):
        assert marker_problems(fig) == []
    assert trace(map_fig, "end points")["marker"]["symbol"] == END
    assert trace(fan_fig, "average of the minibatch")["marker"]["symbol"] == REFERENCE


def test_arrows_stay_inside_their_figure_even_from_the_corner():
    at = run_page({**SMALL, "noise.x": "-2.0", "noise.y": "2.5", "noise.batch": "1"})
    assert errors(at) == [] and not at.warning
    assert_arrows_inside(at)


def test_batch_size_changes_the_cloud_and_full_batch_collapses_it():
    at = run_page(SMALL)
    first = live_maps(at)[0]
    before = decode(trace(drawn(at), "end points")["x"])
    at.select_slider(key="noise.batch").set_value(N).run()
    assert errors(at) == []
    ends = np.stack([decode(trace(drawn(at), "end points")[c]) for c in ("x", "y")], axis=1)
    assert len(before) == len(ends) == SEEDS
    assert np.all(ends == ends[0]) and not np.all(before == before[0])
    # Only the runs moved: the browser keeps the surface it holds, nothing of it is sent again.
    second = live_maps(at)[0]
    assert "surface" in first and "surface" not in second
    assert second["surface_key"] == first["surface_key"]


def test_clicking_the_map_moves_the_point_and_every_run_starts_there():
    at = run_page(SMALL)
    first = live_maps(at)[0]
    assert first["clicks"], "the map reports clicks"
    click_map(at, 0.5, -1.25)
    assert errors(at) == []
    assert (at.number_input(key="noise.x").value, at.number_input(key="noise.y").value) == (0.5, -1.25)
    assert (at.query_params["noise.x"], at.query_params["noise.y"]) == ("0.5", "-1.25"), "the link keeps it"
    point = trace(drawn(at), "the point")
    assert (point["x"][0], point["y"][0]) == (0.5, -1.25)
    cloud = points_of(trace(drawn(at), "minibatch SGD"))
    np.testing.assert_allclose(cloud[0], (0.5, -1.25), atol=1e-6)
    assert "surface" not in live_maps(at)[0] and live_maps(at)[0]["surface_key"] == first["surface_key"]
    # A click rounds to the three decimals the inputs show; one beyond the domain (a panned map) moves nothing.
    click_map(at, 1.23456, 0.98765)
    assert (at.number_input(key="noise.x").value, at.number_input(key="noise.y").value) == (1.235, 0.988)
    (_, x1), _ = LAND.domain
    click_map(at, x1 + 1.0, 0.0)
    assert errors(at) == []
    assert (at.number_input(key="noise.x").value, at.number_input(key="noise.y").value) == (1.235, 0.988)


def test_url_round_trips_and_garbage_shows_one_notice():
    query = {
        **SMALL,
        "noise.batch": "32",
        "noise.lr": "0.2",
        "noise.x": "1.0",
        "noise.y": "-1.0",
        "noise.view": "end points",
    }
    at = run_page(query)
    assert errors(at) == [] and not at.warning
    assert at.select_slider(key="noise.batch").value == 32
    assert at.select_slider(key="noise.lr").value == 0.2
    assert (at.number_input(key="noise.x").value, at.number_input(key="noise.y").value) == (1.0, -1.0)
    assert at.get("button_group")[0].value == "end points"
    point = trace(map_figure(at), "the point")
    assert (point["x"][0], point["y"][0]) == (1.0, -1.0)

    bad = run_page({**SMALL, "noise.batch": "7", "noise.lr": "abc", "noise.zzz": "<b>1</b>"})
    assert errors(bad) == []
    assert len(bad.warning) == 1
    for name in ("noise.batch", "noise.lr", "noise.zzz"):
        assert name in notice(bad)
    assert bad.select_slider(key="noise.batch").value == 8
    assert re.search(r"minibatch SGD, B = 8 ", str([t.get("name") for t in map_figure(bad)["data"]]))


def test_float32_gradient_agrees_with_jax_on_the_mean_loss():
    """The vmapped minibatch code at B = N against jax.grad of the landscape's own mean loss."""
    f = LAND.loss_function(VALUES)
    np.testing.assert_allclose(
        noise.full_gradient(POINT), np.asarray(jax.grad(f)(jnp.asarray(POINT, jnp.float32))), rtol=1e-5
    )


# ----------------------------------------------------------------------------- the page's scenario and builder


def test_scenario_from_a_link_keeps_its_spellings():
    """An old share link reads back as one scenario; the point keeps the three decimals its inputs show."""
    scenario, ignored = NoiseScenario.from_query(
        {"noise.batch": "32", "noise.lr": "0.2", "noise.x": "1.23456", "noise.y": "-1.0", "noise.view": "end points"}
    )
    assert ignored == []
    assert scenario == NoiseScenario(batch=32, lr=0.2, x=1.235, y=-1.0, view="end points")
    assert scenario.to_query() == {
        "noise.batch": "32",
        "noise.lr": "0.2",
        "noise.x": "1.235",
        "noise.y": "-1",
        "noise.view": "end points",
    }
    assert NoiseScenario(sigma=0.1 + 0.2).to_query() == {"noise.sigma": "0.3"}
    bad, ignored = NoiseScenario.from_query({"noise.batch": "7", "noise.lr": "abc", "noise.x": "99"})
    assert bad == NoiseScenario() and len(ignored) == 3


def test_default_view_shows_what_the_builder_returns():
    at = run_page()
    view = page_view(NoiseScenario())
    fan_fig, spread_fig = figures(at)
    assert fan_fig == json.loads(json.dumps(view.fan_figure))
    assert spread_fig == json.loads(json.dumps(view.spread_figure))
    assert live_maps(at)[0]["surface_key"] == view.surface.key
    assert live_maps(at)[0]["overlay"] == json.loads(json.dumps(view.overlay))
    text = " ".join(m.value for m in at.markdown)
    assert view.fan_text in text and view.spread_text in text
