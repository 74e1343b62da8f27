"""Minibatch noise: the gradient fan, the spread of end points against batch size, and the page."""

from __future__ import annotations

import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from engine.lessons import noise
from engine.scenario import from_query, to_query
from engine.simulate import simulate, simulate_many
from tests.apptest_helpers import errors, figures, notice

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "lesson_minibatch_noise.py")


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
    for batch in (1, 4, 8, 64, N):
        for seed in (0, 7):
            steps = noise.epoch_steps(batch, N)
            grads = noise.minibatch_gradients(POINT, batch, np.full(len(steps), seed), steps)
            assert grads.shape == (N // batch, 2)
            np.testing.assert_allclose(grads.mean(axis=0), full, rtol=1e-5, atol=1e-6)
            if batch < N:  # the single batches really differ from the full gradient
                assert np.max(np.abs(grads - full)) > 1e-2


def test_fan_is_the_first_minibatch_each_run_uses():
    batch = 8
    fan = noise.fan(POINT, batch, VALUES, count=16)
    for seed in (0, 3, 15):
        (run,) = simulate("minibatch", ("sgd", {"lr": 0.1}), start=POINT, steps=5, seed=seed, batch_size=batch)
        np.testing.assert_allclose(fan.minibatch[seed], run.grad[0], rtol=1e-5, atol=1e-6)
    assert noise.fan(POINT, N, VALUES).spread == 0.0, "at B = N every minibatch is the full batch"
    scenario = noise.playground_scenario({"noise": 0.7}, 0.1, POINT, 500, batch)
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == [] and parsed == scenario
    (replay,) = parsed.run()  # the linked run (seed 0) starts with the fan's first minibatch
    np.testing.assert_allclose(replay.grad[0], noise.fan(POINT, batch, {"noise": 0.7}, count=1).minibatch[0], rtol=1e-5)


def test_predicted_spread_matches_many_draws():
    for batch in (1, 8, 64):
        draws = noise.minibatch_gradients(POINT, batch, np.arange(4000), np.zeros(4000, int))
        measured = np.sqrt(np.mean(np.sum((draws - hand_gradient(POINT)) ** 2, axis=1)))
        assert abs(measured / noise.predicted_spread(POINT, batch) - 1) < 0.08, batch
    assert noise.predicted_spread(POINT, N) == 0.0


def test_full_batch_gives_zero_spread_and_small_batches_do_not():
    curve = noise.spread_curve(VALUES, 0.1, POINT, 100, 256)
    assert curve.sizes == tuple(2**k for k in range(9))
    assert curve.spread[-1] == 0.0
    assert np.all(curve.finals[-1] == curve.finals[-1][0]), "every seed ends on the same point at B = N"
    assert np.all(curve.spread[:-1] > 0) and curve.spread[0] > 5 * curve.spread[-2]
    assert np.all(curve.diverged == 0)
    # The chart's number for B = 8 against a direct run of those 256 seeds (a different vmapped batch).
    direct = simulate_many(
        "minibatch", ("sgd", {"lr": 0.1}), starts=POINT, seeds=np.arange(256), batch_size=8, steps=100
    )
    ends = direct.final.astype(np.float64)
    rms = np.sqrt(np.mean(np.sum((ends - ends.mean(axis=0)) ** 2, axis=1)))
    np.testing.assert_allclose(curve.spread[3], rms, rtol=1e-4)


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
    event = {"selection": {"points": [{"x": 0.5, "y": -1.0}]}}
    assert noise.clicked_point(event, LAND.domain) == (0.5, -1.0)
    assert noise.clicked_point({"selection": {"points": [{"x": 50.0, "y": 0.0}]}}, LAND.domain) is None
    for bad in (None, {}, {"selection": {"points": []}}, {"selection": {"points": [{"x": "nan", "y": 0}]}}):
        assert noise.clicked_point(bad, LAND.domain) is None


# ----------------------------------------------------------------------------- the page


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def trace(fig: dict, prefix: str) -> dict:
    return next(t for t in fig["data"] if str(t.get("name", "")).startswith(prefix))


def test_page_renders_and_its_numbers_are_the_engines():
    at = run_page()
    assert errors(at) == [] and not at.warning
    map_fig, spread_fig = figures(at)
    assert map_fig["data"][0]["type"] == "contour"
    curve = noise.spread_curve(VALUES, 0.1, POINT, 500, 256)
    np.testing.assert_allclose(decode(spread_fig["data"][0]["y"]), curve.spread, rtol=1e-6)
    text = " ".join(m.value for m in at.markdown)
    assert f"**{curve.spread[3]:.3g}**" in text and f"at B = 1 the spread is {curve.spread[0]:.3g}" in text
    fan = noise.fan(POINT, 8, VALUES)
    caption = " ".join(c.value for c in at.caption)
    assert f"differ from it by {fan.spread:.3g} RMS" in caption
    assert f"against {noise.predicted_spread(POINT, 8, VALUES):.3g} expected" in caption


def test_batch_size_changes_the_cloud_and_full_batch_collapses_it():
    at = run_page()
    before = decode(trace(figures(at)[0], "end points")["x"])
    at.select_slider(key="noise.batch").set_value(N).run()
    assert errors(at) == []
    ends = np.stack([decode(trace(figures(at)[0], "end points")[c]) for c in ("x", "y")], axis=1)
    assert len(before) == len(ends) == 256
    assert np.all(ends == ends[0]) and not np.all(before == before[0])


def test_url_round_trips_and_garbage_shows_one_notice():
    query = {"noise.batch": "32", "noise.lr": "0.2", "noise.x": "1.0", "noise.y": "-1.0", "noise.view": "end points"}
    at = run_page(query)
    assert errors(at) == [] and not at.warning
    assert at.select_slider(key="noise.batch").value == 32
    assert at.select_slider(key="noise.lr").value == 0.2
    assert (at.number_input(key="noise.x").value, at.number_input(key="noise.y").value) == (1.0, -1.0)
    assert at.get("button_group")[0].value == "end points"
    point = trace(figures(at)[0], "the point")
    assert (point["x"][0], point["y"][0]) == (1.0, -1.0)

    bad = run_page({"noise.batch": "7", "noise.lr": "abc", "noise.zzz": "<b>1</b>"})
    assert errors(bad) == []
    assert len(bad.warning) == 1
    for name in ("noise.batch", "noise.lr", "noise.zzz"):
        assert name in notice(bad)
    assert bad.select_slider(key="noise.batch").value == 8
    assert re.search(r"minibatch SGD, B = 8 ", str([t.get("name") for t in figures(bad)[0]["data"]]))


def test_float32_gradient_agrees_with_jax_on_the_mean_loss():
    """The vmapped minibatch code at B = N against jax.grad of the landscape's own mean loss."""
    f = LAND.loss_function(VALUES)
    np.testing.assert_allclose(
        noise.full_gradient(POINT), np.asarray(jax.grad(f)(jnp.asarray(POINT, jnp.float32))), rtol=1e-5
    )
