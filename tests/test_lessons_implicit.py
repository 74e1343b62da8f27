"""Implicit regularization: the modified loss, the flat-share counts and their intervals, and the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from engine.lessons import implicit as im
from engine.scenario import from_query, to_query
from engine.simulate import simulate_many
from landscapes import bowl, sharp_flat
from tests.apptest_helpers import errors, figures, notice

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "lesson_implicit_regularization.py")


Z = 1.959963984540054


def sharp_flat_numpy(points: np.ndarray) -> np.ndarray:
    """The sharp-flat mean loss in float64 numpy, written out here from the landscape's formula."""
    rows = sharp_flat.make_data({}).inputs.astype(np.float64)
    pts = np.asarray(points, np.float64)[..., None, :]
    d_s = pts - np.array(sharp_flat.SHARP_CENTRE) - sharp_flat.SPREAD_SHARP * rows[:, :2]
    d_f = pts - np.array(sharp_flat.FLAT_CENTRE) - sharp_flat.SPREAD_FLAT * rows[:, 2:]
    q_s = 0.5 * sharp_flat.K_SHARP * np.sum(d_s**2, axis=-1) + sharp_flat.SHIFT
    q_f = 0.5 * sharp_flat.K_FLAT * np.sum(d_f**2, axis=-1)
    tau = sharp_flat.TEMPERATURE
    return np.mean(-tau * np.logaddexp(-q_s / tau, -q_f / tau), axis=-1)


def test_modified_loss_on_the_bowl_matches_the_hand_written_gradient():
    rng = np.random.default_rng(0)
    points = rng.uniform(-4, 4, (20, 2))
    for values in ({"kappa": 10.0, "angle": 30.0}, {"kappa": 100.0, "angle": -60.0}):
        h = bowl.hessian(values)
        grad = points @ h.T
        f_hand = 0.5 * np.einsum("ni,ij,nj->n", points, h, points)
        for lr in (0.01, 0.5):
            f, pen = im.modified_loss(points, lr, "bowl", values)
            np.testing.assert_allclose(f, f_hand, rtol=1e-5)
            np.testing.assert_allclose(f + pen, f_hand + lr / 4 * np.sum(grad**2, axis=1), rtol=1e-5)


def test_modified_loss_on_sharp_flat_matches_finite_differences():
    points = np.array([[-0.9, 0.6], [-0.4, 0.3], [0.0, 0.0], [1.0, -1.0], [0.6, 0.2]])
    h = 1e-6
    steps = h * np.eye(2)
    grad = np.stack(
        [(sharp_flat_numpy(points + e) - sharp_flat_numpy(points - e)) / (2 * h) for e in steps],
        axis=1,
    )
    for lr in (0.005, 0.04):
        f, pen = im.modified_loss(points, lr)
        np.testing.assert_allclose(f, sharp_flat_numpy(points), rtol=1e-5)
        np.testing.assert_allclose(pen, lr / 4 * np.sum(grad**2, axis=1), rtol=2e-3, atol=1e-6)
    grid = im.modified_grid(0.04, resolution=7)
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    np.testing.assert_allclose(grid.loss, sharp_flat_numpy(np.stack([gx, gy], axis=-1)), rtol=1e-5)


def test_modified_curvature_is_lambda_plus_half_lr_lambda_squared():
    values = {"kappa": 20.0, "angle": 15.0}
    for lr in (0.1, 1.0):
        expected = np.max(
            np.linalg.eigvalsh(bowl.hessian(values) + lr / 2 * bowl.hessian(values) @ bowl.hessian(values))
        )
        assert im.modified_curvature((0.0, 0.0), lr, "bowl", values) == pytest.approx(expected, rel=1e-5)
    pred = im.prediction(0.04)
    for lam, mod in zip(sharp_flat.curvatures(), pred.modified, strict=True):
        assert mod == pytest.approx(lam + 0.02 * lam**2, rel=2e-3)
    assert max(pred.penalty_at_minima) < 1e-9, "the penalty vanishes where the gradient does"
    sentence = im.prediction_sentence(pred)
    assert f"from {pred.curvature[0]:.1f} to {pred.modified[0]:.1f} (×{pred.steepening[0]:.2f})" in sentence


def test_wilson_interval_edges_and_symmetry():
    n = 512
    low, high = im.wilson(0, n)
    assert low == 0.0 and high == pytest.approx(Z**2 / (n + Z**2))
    low, high = im.wilson(n, n)
    assert high == pytest.approx(1.0) and low == pytest.approx(n / (n + Z**2))
    for k in (1, 37, 256, 500):
        low_k, high_k = im.wilson(k, n)
        _, high_m = im.wilson(n - k, n)
        assert low_k == pytest.approx(1 - high_m) and low_k < k / n < high_k


def test_smallest_batch_at_the_largest_lr_ends_flat_more_often_than_full_batch():
    sizes = (1, 256)
    share = im.flat_share(0.04, 100, 512, sizes=sizes)
    # The same runs counted directly from the engine and basin_of.
    batch = simulate_many(
        "sharp_flat",
        ("sgd", {"lr": 0.04}),
        starts=landscapes.get("sharp_flat").starts[0],
        seeds=np.tile(np.arange(512), 2),
        batch_size=np.repeat(np.asarray(sizes, np.float32), 512),
        steps=100,
    )
    flat = (sharp_flat.basin_of(batch.final) == 1) & (batch.diverged_at < 0)
    np.testing.assert_array_equal(share.flat, flat.reshape(2, 512).sum(axis=1))
    assert share.low[0] > share.high[1], "B = 1 must beat B = N beyond both 95% intervals"
    finals = batch.final[512:]
    assert np.all(finals == finals[0]), "at B = N all seeds are one run"


def _share(lr: float, flat: list[int], seeds: int = 512) -> im.FlatShare:
    sizes = tuple(2**k for k in range(len(flat)))
    return im.FlatShare(lr, sizes, seeds, 100, np.array(flat), np.zeros(len(flat), int))


def test_trends_and_sentence_come_from_the_counts():
    good = [_share(0.01, [300, 100, 0]), _share(0.04, [512, 400, 0])]
    t = im.trends(good)
    assert t.lr_rise and t.batch_fall and not t.lr_contradictions and not t.batch_contradictions
    text = im.agreement_sentence(good)
    assert "from 59% at η = 0.01 to 100% at η = 0.04" in text and "The runs agree" in text
    assert "none of the runs" in text
    bad = [_share(0.01, [300, 100, 0]), _share(0.04, [100, 400, 0])]
    t = im.trends(bad)
    assert t.lr_contradictions == ("B = 1: η = 0.01 → 0.04",)
    assert t.batch_contradictions == ("η = 0.04: B = 1 → 2",)
    assert "disagree" in im.agreement_sentence(bad)
    assert im.playground_batch(good, 0.04) == 2 and im.playground_batch(good, 0.3) == 8
    scenario = im.playground_scenario(0.04, 2, 100)
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == [] and parsed == scenario


# ----------------------------------------------------------------------------- the page


def run_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def test_page_chart_equals_a_direct_count_and_the_url_round_trips():
    at = run_page({"implicit.lrs": "0.04", "implicit.map_lr": "0.02"})
    assert errors(at) == [] and not at.warning
    assert at.multiselect(key="implicit.lrs").value == [0.04]
    assert at.select_slider(key="implicit.map_lr").value == 0.02
    share_fig, map_fig = figures(at)
    (line,) = share_fig["data"]
    land = landscapes.get("sharp_flat")
    sizes = np.asarray(im.BATCH_SIZES, np.float32)
    batch = simulate_many(
        land,
        ("sgd", {"lr": 0.04}),
        starts=land.starts[0],
        seeds=np.tile(np.arange(512), len(sizes)),
        batch_size=np.repeat(sizes, 512),
        steps=100,
    )
    counts = ((sharp_flat.basin_of(batch.final) == 1) & (batch.diverged_at < 0)).reshape(len(sizes), 512).sum(axis=1)
    np.testing.assert_array_equal(decode(line["x"]), sizes)
    np.testing.assert_allclose(decode(line["y"]), counts / 512, rtol=1e-6)
    low, high = im.wilson(counts, 512)
    np.testing.assert_allclose(decode(line["error_y"]["array"]), high - counts / 512, atol=1e-6)
    np.testing.assert_allclose(decode(line["error_y"]["arrayminus"]), counts / 512 - low, atol=1e-6)
    text = " ".join(m.value for m in at.markdown)
    assert f"{100 * counts[0] / 512:.0f}% at B = 1" in text
    assert im.prediction_sentence(im.prediction(0.02)) in text
    assert "f + (η/4)‖∇f‖², η = 0.02" in map_fig["data"][0]["name"]

    # Its main control: the modified loss redraws for another step size; the shares stay.
    before = decode(map_fig["data"][0]["z"])
    at.select_slider(key="implicit.map_lr").set_value(0.005).run()
    assert errors(at) == []
    share_after, map_after = figures(at)
    assert not np.allclose(before, decode(map_after["data"][0]["z"]))
    np.testing.assert_array_equal(decode(share_after["data"][0]["y"]), decode(line["y"]))


def test_garbage_link_shows_one_notice():
    at = run_page(
        {"implicit.lrs": "0.04", "implicit.steps": "999", "implicit.seeds": "-3", "implicit.bogus": "<i>x</i>"}
    )
    assert errors(at) == []
    assert len(at.warning) == 1
    for name in ("implicit.steps", "implicit.seeds", "implicit.bogus"):
        assert name in notice(at)
    assert at.select_slider(key="implicit.steps").value == 100
    assert at.select_slider(key="implicit.seeds").value == 512
