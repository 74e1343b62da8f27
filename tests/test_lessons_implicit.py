"""Implicit regularization: the modified loss, the flat-share counts and their intervals, and the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from charts.markers import END
from engine.lessons import implicit as im
from engine.scenario import from_query, to_query
from engine.simulate import simulate_many
from landscapes import bowl, sharp_flat
from tests.apptest_helpers import errors, figures, live_maps, map_figure, notice
from tests.figure_rules import colour_bar_problems, marker_problems
from ui.lessons.implicit import ImplicitScenario, page_view

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_implicit_regularization.py")


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


SEEDS = 64
"""Seeds per minibatch size in these tests: the page's smallest setting (its default is 128)."""
N = sharp_flat.N_EXAMPLES


def direct_runs(lr: float, seeds: int, start_index: int = 0):
    """The runs the page counts, made here from the engine: ``seeds`` per minibatch size, one at B = N."""
    runs = [seeds if b < N else 1 for b in im.BATCH_SIZES]
    batch = simulate_many(
        "sharp_flat",
        ("sgd", {"lr": lr}),
        starts=landscapes.get("sharp_flat").starts[start_index],
        seeds=np.concatenate([np.arange(r) for r in runs]),
        batch_size=np.repeat(np.asarray(im.BATCH_SIZES, np.float32), runs),
        steps=100,
        keep_paths=True,
    )
    cells = np.repeat(np.arange(len(runs)), runs)
    flat = (sharp_flat.basin_of(batch.final) == 1) & (batch.diverged_at < 0)
    return batch, cells, flat


def test_flat_share_counts_every_cell_and_runs_the_full_batch_once():
    share = im.flat_share(0.04, 100, SEEDS)
    batch, cells, flat = direct_runs(0.04, SEEDS)
    np.testing.assert_array_equal(share.runs, [SEEDS] * 8 + [1])
    np.testing.assert_array_equal(share.flat, np.bincount(cells, weights=flat).astype(int))
    # Why one run is enough at B = N: every seed makes the very same run there.
    same = simulate_many(
        "sharp_flat",
        ("sgd", {"lr": 0.04}),
        seeds=np.arange(len(cells)),
        batch_size=float(N),
        steps=100,
        keep_paths=True,
    )
    assert np.all(same.final == same.final[0]) and np.all(same.final[0] == batch.final[-1])
    assert share.low[-1] == share.high[-1] == share.share[-1], "a certain outcome has no interval"
    assert share.low[0] > share.high[-1], "B = 1 ends flat more often than B = N beyond both intervals"

    # The drawn runs: at the size whose share is nearest one half, the lowest flat and the lowest sharp seed.
    k = int(np.argmin(np.abs(share.share[:-1] - 0.5)))
    first, second, full = share.examples
    assert (first.batch_size, second.batch_size, full.batch_size) == (im.BATCH_SIZES[k], im.BATCH_SIZES[k], N)
    assert first.flat and not second.flat and not full.flat
    in_cell = np.flatnonzero(cells == k)
    assert first.seed == int(np.flatnonzero(flat[in_cell])[0]) and second.seed == int(np.flatnonzero(~flat[in_cell])[0])
    for run, row in ((first, in_cell[first.seed]), (second, in_cell[second.seed]), (full, len(cells) - 1)):
        np.testing.assert_array_equal(run.path, batch.paths[row])


def _share(lr: float, flat: list[int], seeds: int = 512) -> im.FlatShare:
    """Counts for sizes 1, 2, 4, ...; the last size is the full batch, one run (flat[-1] is 0 or 1)."""
    sizes = tuple(2**k for k in range(len(flat)))
    runs = np.array([seeds] * (len(flat) - 1) + [1])
    return im.FlatShare(lr, sizes, seeds, 100, np.array(flat), np.zeros(len(flat), int), runs, sizes[-1])


def test_trends_and_sentences_come_from_the_counts():
    good = [_share(0.01, [300, 100, 0]), _share(0.04, [512, 400, 0])]
    t = im.trends(good)
    assert t.lr_rise and t.batch_fall and not t.lr_contradictions and not t.batch_contradictions
    text = im.agreement_sentence(good)
    assert "from 59% at η = 0.01 to 100% at η = 0.04" in text and "No neighbouring pair" in text
    assert "ends in the sharp valley at every η shown" in text
    assert "show the claim at every η shown" in im.claim_sentence(good)
    bad = [_share(0.01, [300, 100, 0]), _share(0.04, [100, 400, 0])]
    t = im.trends(bad)
    assert t.lr_contradictions == ("B = 1: η = 0.01 → 0.04",)
    assert t.batch_contradictions == ("η = 0.04: B = 1 → 2",)
    assert "disagree" in im.agreement_sentence(bad)
    # The title's claim, said plainly when the counts do not carry it.
    partial = [_share(0.005, [0, 0, 0]), _share(0.04, [512, 400, 0])]
    assert im.claim_sentence(partial).startswith("**The runs show the claim only at η = 0.04.**")
    assert "η = 0.005: 0% at B = 1, 0% at B = 4" in im.claim_sentence(partial)
    flat_start = [_share(0.04, [512, 512, 1])]
    assert im.claim_sentence(flat_start).startswith("**The runs do not show the claim here:**")
    assert "ends in the flat valley at η = 0.04" in im.agreement_sentence(flat_start)
    scenario = im.playground_scenario(0.04, 2, 100, seed=7)
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == [] and parsed == scenario


def test_modified_grids_put_every_window_on_its_own_points():
    windows = [im.MAP_WINDOW, im.zoom_window()]
    grids = im.modified_grids(0.04, windows, (7, 5))
    for grid, ((x0, x1), (y0, y1)), size in zip(grids, windows, (7, 5), strict=True):
        np.testing.assert_allclose(grid.xs, np.linspace(x0, x1, size))
        np.testing.assert_allclose(grid.ys, np.linspace(y0, y1, size))
        gx, gy = np.meshgrid(grid.xs, grid.ys)
        np.testing.assert_allclose(grid.loss, sharp_flat_numpy(np.stack([gx, gy], axis=-1)), rtol=1e-5)
    (x0, x1), (y0, y1) = im.zoom_window()
    sharp = sharp_flat.minima()[0]
    assert x0 < sharp[0] < x1 and y0 < sharp[1] < y1 and x1 - x0 <= 0.5


# ----------------------------------------------------------------------------- the page


def run_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def test_page_chart_equals_a_direct_count_and_the_url_round_trips():
    at = run_page({"implicit.lrs": "0.04", "implicit.seeds": str(SEEDS)})
    assert errors(at) == [] and not at.warning
    assert at.multiselect(key="implicit.lrs").value == [0.04]
    assert at.select_slider(key="implicit.seeds").value == SEEDS
    (share_fig,) = figures(at)
    map_fig = map_figure(at)
    (line,) = share_fig["data"]
    batch, cells, flat = direct_runs(0.04, SEEDS)
    counts = np.bincount(cells, weights=flat)
    runs = np.bincount(cells)
    np.testing.assert_array_equal(decode(line["x"]), im.BATCH_SIZES)
    np.testing.assert_allclose(decode(line["y"]), counts / runs, rtol=1e-6)
    low, high = im.wilson(counts[:-1], SEEDS)
    np.testing.assert_allclose(decode(line["error_y"]["array"])[:-1], high - counts[:-1] / SEEDS, atol=1e-6)
    np.testing.assert_allclose(decode(line["error_y"]["arrayminus"])[:-1], counts[:-1] / SEEDS - low, atol=1e-6)
    assert decode(line["error_y"]["array"])[-1] == decode(line["error_y"]["arrayminus"])[-1] == 0
    text = " ".join(m.value for m in at.markdown)
    assert f"{100 * counts[0] / SEEDS:.0f}% at B = 1" in text
    assert im.prediction_sentence(im.prediction(0.04)) in text
    assert "f + (η/4)‖∇f‖², η = 0.04" in map_fig["data"][0]["name"]
    page_text = text + " ".join(c.value for c in at.caption) + " ".join(i.value for i in at.info)
    assert "basin_of" not in page_text and "`" not in page_text

    # The map draws a few of these very runs, in both panels, and links the first to the Playground.
    drawn = [t for t in map_fig["data"] if t.get("mode") == "lines" and t["name"].startswith(("B = ", "full"))]
    assert len(drawn) == 6 and {t.get("xaxis", "x") for t in drawn} == {"x", "x2"}
    k = int(np.argmin(np.abs((counts / runs)[:-1] - 0.5)))
    size = im.BATCH_SIZES[k]
    seed = int(np.flatnonzero(flat[cells == k])[0])
    first = drawn[0]
    assert first["name"] == f"B = {size}, seed {seed}: ends in the flat valley"
    path = batch.paths[np.flatnonzero(cells == k)[seed]]
    np.testing.assert_allclose(np.stack([decode(first["x"]), decode(first["y"])], axis=1), path, atol=1e-6)
    (button,) = at.get("link_button")
    assert f"batch_size={size}" in button.proto.url and (f"seed={seed}" in button.proto.url or seed == 0)

    # The sharp valley has a close-up: a panel a fraction of the map's width, centred on the sharp minimum.
    sharp = sharp_flat.minima()[0]
    main, close = map_fig["layout"]["xaxis"]["range"], map_fig["layout"]["xaxis2"]["range"]
    assert close[0] < sharp[0] < close[1] and (close[1] - close[0]) < (main[1] - main[0]) / 5
    assert any(t["type"] == "contour" and t.get("xaxis") == "x2" for t in map_fig["data"])
    assert map_fig["data"][0]["colorbar"]["ticktext"] and colour_bar_problems(map_fig) == []
    for fig in (share_fig, map_fig):
        assert marker_problems(fig) == []
    ends = [t for t in map_fig["data"] if t["name"].endswith("(end)")]
    assert ends and all(t["marker"]["symbol"] == END for t in ends)

    # Another start moves only the runs: the browser keeps the surface it holds, nothing of it is sent again.
    first = live_maps(at)[0]
    at.selectbox(key="implicit.start").set_value(im.start_label(1)).run()
    assert errors(at) == []
    moved = live_maps(at)[0]
    assert "surface" not in moved and moved["surface_key"] == first["surface_key"]
    starts = [(t["x"][0], t["y"][0]) for t in moved["overlay"] if t["name"] == "start of every run"]
    assert starts == [tuple(map(float, landscapes.get(im.LANDSCAPE).starts[1]))] * 2, "on both panels"
    (shares_moved,) = figures(at)[0]["data"]

    # Its main control: the modified loss redraws for another step size; the shares stay.
    before = decode(map_fig["data"][0]["z"])
    at.select_slider(key="implicit.map_lr").set_value(0.02).run()
    assert errors(at) == []
    (share_after,) = figures(at)
    map_after = map_figure(at)
    assert map_after["live"]["surface_key"] != first["surface_key"]
    assert not np.allclose(before, decode(map_after["data"][0]["z"]))
    np.testing.assert_array_equal(decode(share_after["data"][0]["y"]), decode(shares_moved["y"]))


def test_default_view_shows_small_batches_ending_flatter():
    """The title's claim, read off the page's own default chart: at every default η, B = 1 beats B = N."""
    at = run_page({})
    assert errors(at) == [] and not at.warning
    (share_fig,) = figures(at)
    map_fig = map_figure(at)
    assert [t["name"] for t in share_fig["data"]] == [f"η = {lr:g}" for lr in im.DEFAULT_LRS]
    for line in share_fig["data"]:
        y = decode(line["y"])
        above, below = decode(line["error_y"]["array"]), decode(line["error_y"]["arrayminus"])
        assert y[0] - below[0] > y[-1] + above[-1], line["name"]
        assert np.all(above[:-1] + below[:-1] > 0), "the spread over seeds is drawn for every minibatch size"
    caption = " ".join(c.value for c in at.caption)
    assert f"{im.DEFAULT_SEEDS} seeds per batch size" in caption
    text = " ".join(m.value for m in at.markdown)
    assert "**The runs show the claim at every η shown:**" in text
    # The map shows it too: from the same start, a minibatch run ends flat and the full-batch run sharp.
    names = [t["name"] for t in map_fig["data"] if t.get("mode") == "lines" and t.get("xaxis", "x") == "x"]
    assert any(n.startswith("B = ") and n.endswith("ends in the flat valley") for n in names)
    assert f"full batch (B = {N}): ends in the sharp valley" in names


def test_page_says_so_when_its_runs_do_not_show_the_claim():
    """From the start in the flat valley every run ends there: no batch size ends flatter, and the page says so."""
    at = run_page({"implicit.lrs": "0.04", "implicit.seeds": str(SEEDS), "implicit.start": im.start_label(1)})
    assert errors(at) == [] and not at.warning
    (line,) = figures(at)[0]["data"]
    y = decode(line["y"])
    assert y[0] == y[-1] == 1.0
    text = " ".join(m.value for m in at.markdown)
    assert "**The runs do not show the claim here:**" in text and "show the claim at" not in text


def test_garbage_link_shows_one_notice():
    at = run_page(
        {"implicit.lrs": "0.04", "implicit.steps": "999", "implicit.seeds": "-3", "implicit.bogus": "<i>x</i>"}
    )
    assert errors(at) == []
    assert len(at.warning) == 1
    for name in ("implicit.steps", "implicit.seeds", "implicit.bogus"):
        assert name in notice(at)
    assert at.select_slider(key="implicit.steps").value == 100
    assert at.select_slider(key="implicit.seeds").value == im.DEFAULT_SEEDS


def test_a_costly_link_is_reduced_with_a_notice():
    """Every page view fits the compute budget: 1024 seeds x 500 steps at four rates runs 64 seeds, and says so."""
    at = run_page({"implicit.seeds": "1024", "implicit.steps": "500", "implicit.lrs": "0.005,0.01,0.02,0.04"})
    assert errors(at) == []
    notices = [i.value for i in at.info]
    assert any("64 seeds instead of 1024" in text for text in notices), notices
    assert any("64 seeds per batch size" in c.value for c in at.caption)


# ----------------------------------------------------------------------------- the page's scenario and builders


def test_scenario_from_a_link_keeps_its_spellings():
    """An old share link (the multiselect's repeated key, the start's label) reads back as one scenario."""
    query = {"implicit.lrs": ["0.04", "0.01"], "implicit.seeds": "64", "implicit.start": im.start_label(1)}
    scenario, ignored = ImplicitScenario.from_query(query)
    assert ignored == []
    assert scenario == ImplicitScenario(lrs=(0.04, 0.01), seeds=64, start=im.start_label(1))
    assert scenario.to_query() == query
    assert ImplicitScenario.from_query({"implicit.lrs": [""]})[0].lrs == ()
    bad, ignored = ImplicitScenario.from_query({"implicit.steps": "999", "implicit.start": "0,0"})
    assert bad == ImplicitScenario() and len(ignored) == 2


def test_an_empty_choice_of_learning_rates_asks_for_one():
    at = run_page({"implicit.lrs": "", "implicit.seeds": str(SEEDS)})
    assert errors(at) == [] and not at.warning
    assert at.multiselect(key="implicit.lrs").value == []
    assert figures(at) == [] and any("Pick at least one learning rate" in i.value for i in at.info)
    assert live_maps(at), "the map of the modified loss is still drawn"


def test_default_view_shows_what_the_builder_returns():
    at = run_page({})
    view = page_view(ImplicitScenario())
    (share_fig,) = figures(at)
    assert share_fig == json.loads(json.dumps(view.share_figure))
    assert live_maps(at)[0]["surface_key"] == view.surface.key
    assert live_maps(at)[0]["overlay"] == json.loads(json.dumps(view.overlay))
    text = " ".join(m.value for m in at.markdown)
    assert view.claim_text in text and view.agreement_text in text and view.prediction_text in text
