"""Sweeps: the maps agree with convergence theory on the bowl, a cell re-runs exactly, and the page."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from charts import markers
from charts.encoding import decode
from charts.sweeps import CLICK_TRACES, decade_ticks
from core.numbers import number_text
from engine import bowl_theory, sweeps
from engine.scenario import from_query
from engine.simulate import simulate
from engine.sweeps import SweepAxis
from tests.apptest_helpers import live_maps, map_figure
from ui.lesson import playground_url

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "sweeps.py")
BOWL = {"kappa": 10.0, "angle": 30.0}


def radius_by_eigvals(lr: float, mu: float, lam: float) -> float:
    """Spectral radius of heavy ball's 2x2 iteration matrix, straight from numpy's eigenvalues."""
    return float(np.max(np.abs(np.linalg.eigvals(np.array([[1.0 + mu - lr * lam, -mu], [1.0, 0.0]])))))


def worst_by_eigvals(lr: float, mu: float, lams: tuple[float, ...]) -> float:
    return max(radius_by_eigvals(lr, mu, lam) for lam in lams)


def near_boundary(theory: np.ndarray) -> np.ndarray:
    """Cells with a neighbour (8-neighbourhood, the cell itself included) on the other side of the boundary."""
    rows, cols = theory.shape
    padded = np.pad(theory, 1, mode="edge")
    near = np.zeros_like(theory)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            near |= padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols] != theory
    return near


# ---------------------------------------------------------------- theory


def test_closed_form_boundary_matches_the_companion_matrix():
    """lr < 2(1 + mu) / lam_max  <=>  max over eigenvalues of the spectral radius < 1 (Jury's test)."""
    rng = np.random.default_rng(0)
    lam_min, lam_max = bowl_theory.bowl_eigenvalues(BOWL)
    assert (lam_min, lam_max) == pytest.approx((0.1, 1.0))
    checked = 0
    for lr, mu in zip(10 ** rng.uniform(-3, 1, 3000), rng.uniform(0, 0.999, 3000), strict=True):
        worst = worst_by_eigvals(lr, mu, (lam_min, lam_max))
        if abs(worst - 1.0) < 1e-6:
            continue  # on the boundary itself
        assert (worst < 1.0) == bool(bowl_theory.lr_limit(mu, lam_max) > lr), (lr, mu, worst)
        assert float(bowl_theory.worst_radius(lr, mu, lam_min, lam_max)) == pytest.approx(worst, abs=1e-9)
        checked += 1
    assert checked > 2900


def test_polyak_optimum_is_the_fastest_setting():
    lam_min, lam_max = bowl_theory.bowl_eigenvalues(BOWL)
    lr_star, mu_star, rate = bowl_theory.heavy_ball_optimum(lam_min, lam_max)
    assert worst_by_eigvals(lr_star, mu_star, (lam_min, lam_max)) == pytest.approx(rate, rel=1e-6)
    lrs, mus = np.linspace(0.5, 3.9, 200), np.linspace(0.0, 0.9, 200)
    best = min(worst_by_eigvals(a, b, (lam_min, lam_max)) for a in lrs[::4] for b in mus[::4])
    assert rate <= best + 1e-9
    gd_lr, gd_rate = bowl_theory.gd_optimum(lam_min, lam_max)
    assert max(abs(1 - gd_lr * lam) for lam in (lam_min, lam_max)) == pytest.approx(gd_rate)
    assert rate < gd_rate


# ---------------------------------------------------------------- measured maps against theory


def _measured_vs_theory(optimizer: str, other: SweepAxis, steps: int, theory_fn) -> None:
    """The measured convergent region equals theory everywhere except within one cell of the boundary.

    "Convergent" as measured: the run did not diverge and ended closer to the minimum than half its
    start distance. The premise that this is decidable in ``steps`` steps is checked too: away from
    the boundary, theory's convergent cells shrink by far more than half (rate^steps < 0.05) and its
    divergent cells grow.
    """
    lr_axis = sweeps.make_axis(optimizer, "lr", 0.03, 10.0, True)
    m = sweeps.hyper_sweep("bowl", BOWL, optimizer, {}, lr_axis, other, 32, 32, steps=steps)
    lam_min, lam_max = bowl_theory.bowl_eigenvalues(BOWL)
    rate = np.array([[theory_fn(lr, v, lam_min, lam_max) for lr in m.xs] for v in m.ys])
    theory = rate < 1.0
    start = np.hypot(*m.start)
    final = np.hypot(m.final[..., 0], m.final[..., 1])
    measured = (m.diverged_at < 0) & (final < 0.5 * start)
    near = near_boundary(theory)
    assert 0.3 < theory.mean() < 0.9, "both regions must be sizeable for the test to mean anything"
    assert np.all(rate[theory & ~near] ** steps < 0.05)
    assert np.all(rate[~theory & ~near] > 1.05)
    disagree = measured != theory
    assert not np.any(disagree & ~near), np.argwhere(disagree & ~near)
    assert disagree.sum() <= near.sum()
    # The line drawn on the page separates the same cells as the spectral radius.
    overlay = bowl_theory.theory_overlay("bowl", BOWL, optimizer, {}, lr_axis, other)
    assert overlay is not None and overlay.curves[0].name.startswith("convergence boundary")


def test_heavy_ball_map_matches_theory_except_within_one_cell_of_the_boundary():
    momentum = sweeps.make_axis("momentum", "momentum", 0.0, 0.95, False)
    _measured_vs_theory("momentum", momentum, 1000, lambda lr, mu, lo, hi: worst_by_eigvals(lr, mu, (lo, hi)))
    lam_min, lam_max = bowl_theory.bowl_eigenvalues(BOWL)
    overlay = bowl_theory.theory_overlay(
        "bowl", BOWL, "momentum", {}, sweeps.make_axis("momentum", "lr", 0.03, 10, True), momentum
    )
    curve = overlay.curves[0]
    for lr, mu in zip(curve.x, curve.y, strict=True):
        assert worst_by_eigvals(lr, mu, (lam_min, lam_max)) == pytest.approx(1.0, abs=1e-6)
    lr_star, mu_star, _ = bowl_theory.heavy_ball_optimum(lam_min, lam_max)
    assert overlay.point == pytest.approx((lr_star, mu_star))


def test_gradient_descent_map_matches_theory_with_weight_decay():
    """GD with L2 weight decay wd is GD on eigenvalues shifted by wd: lr < 2 / (lam_max + wd)."""
    decay = sweeps.make_axis("sgd", "weight_decay", 0.0, 1.0, False)
    _measured_vs_theory("sgd", decay, 1000, lambda lr, wd, lo, hi: max(abs(1.0 - lr * (lam + wd)) for lam in (lo, hi)))


# ---------------------------------------------------------------- cells, axes, start maps


@pytest.fixture(scope="module")
def adam_map():
    x = sweeps.make_axis("adam", "lr", 1e-3, 0.5, True)
    y = sweeps.make_axis("adam", "beta1", 0.0, 0.99, False)
    return sweeps.hyper_sweep("rosenbrock", None, "adam", {"beta2": 0.99}, x, y, 6, 5, steps=250)


def test_a_cell_opened_from_the_map_equals_a_direct_simulate_call():
    """Each cell's numbers on the map are those of a direct ``simulate`` call with that cell's settings.

    The map and the direct call are different compiled programs (vmapped or not), so the end
    points agree to float32 rounding (the engine's own batch-vs-single tolerance), and the
    step counts exactly. The path drawn for a clicked cell *is* such a direct call.
    """
    x = sweeps.make_axis("momentum", "lr", 0.01, 8.0, True)
    y = sweeps.make_axis("momentum", "momentum", 0.0, 0.9, False)
    m = sweeps.hyper_sweep("bowl", BOWL, "momentum", {}, x, y, 7, 5, steps=150)
    assert m.shape == (5, 7)
    assert (m.diverged_at >= 0).any() and (m.first_hit >= 0).any() and ((m.first_hit < 0) & (m.diverged_at < 0)).any()
    for row in range(5):
        for col in range(7):
            settings = {"lr": float(m.xs[col]), "momentum": float(m.ys[row])}
            (direct,) = simulate("bowl", ("momentum", settings), start=m.start, steps=150, landscape_params=BOWL)
            np.testing.assert_allclose(direct.path[-1], m.final[row, col], rtol=2e-5, atol=2e-6)
            assert (-1 if direct.first_hit is None else direct.first_hit) == m.first_hit[row, col]
            assert (-1 if direct.diverged_at is None else direct.diverged_at) == m.diverged_at[row, col]
    opened = m.cell_run(2, 3)
    (direct,) = simulate(
        "bowl", ("momentum", {"lr": m.xs[3], "momentum": m.ys[2]}), start=m.start, steps=150, landscape_params=BOWL
    )
    np.testing.assert_array_equal(opened.path, direct.path)


def test_the_playground_link_of_a_cell_reproduces_its_run(adam_map):
    m = adam_map
    for row, col in [(0, 0), (4, 5), m.best_cell()]:
        settings = {"lr": float(m.xs[col]), "beta1": float(m.ys[row]), "beta2": 0.99}
        (direct,) = simulate("rosenbrock", ("adam", settings), start=m.start, steps=250)
        url = playground_url(m.cell_scenario(row, col))
        scenario, ignored = from_query({k: v[-1] for k, v in parse_qs(urlparse(url).query).items()})
        assert ignored == []
        np.testing.assert_array_equal(scenario.run()[0].path, direct.path)
        np.testing.assert_array_equal(m.cell_run(row, col).path, direct.path)


def test_metrics_follow_the_runs(adam_map):
    m = adam_map
    loss = m.metric("loss")
    ok = m.diverged_at < 0
    np.testing.assert_allclose(loss[ok], np.log10(np.maximum(m.final_loss[ok] - 0.0, sweeps.LOSS_FLOOR)), rtol=1e-6)
    assert np.all(np.isnan(loss[~ok]))
    arrival = m.metric("arrival")
    assert np.array_equal(np.isnan(arrival), m.first_hit < 0)
    with pytest.raises(ValueError, match="metric"):
        m.metric("vibes")


def test_axes_are_validated_against_the_optimizer_ranges():
    with pytest.raises(ValueError, match=r"lr"):
        sweeps.make_axis("adam", "lr", 1e-3, 50.0, True)
    with pytest.raises(ValueError, match="log axis"):
        sweeps.make_axis("momentum", "momentum", 0.0, 0.9, True)
    with pytest.raises(ValueError, match="low < high"):
        sweeps.make_axis("adam", "beta1", 0.5, 0.5, False)
    with pytest.raises(ValueError, match="cannot sweep"):
        sweeps.make_axis("sgd", "momentum", 0.0, 0.5, False)
    lr = sweeps.make_axis("sgd", "lr", 0.01, 1.0, True)
    with pytest.raises(ValueError, match="different"):
        sweeps.hyper_sweep("bowl", None, "sgd", {}, lr, lr, 4, 4)
    with pytest.raises(ValueError, match="nx"):
        sweeps.hyper_sweep("bowl", None, "sgd", {}, lr, sweeps.default_axis("sgd", "weight_decay"), 129, 4)
    np.testing.assert_allclose(lr.values(3), [0.01, 0.1, 1.0])
    xb, yb = sweeps.compare_axes("adam", SweepAxis("lr", 1e-3, 1.0, True), SweepAxis("momentum", 0.0, 0.9, False))
    assert (xb.name, yb.name, yb.low, yb.high) == ("lr", "beta1", 0.0, 0.9)


def test_clicked_point_maps_to_its_cell():
    x, y = SweepAxis("lr", 1e-3, 10.0, True), SweepAxis("momentum", 0.0, 0.9, False)
    xs, ys = x.values(5), y.values(4)
    assert sweeps.cell_from_click({"x": np.log10(xs[3]), "y": ys[2]}, xs, ys, x, y) == (2, 3)
    assert sweeps.cell_from_click({"x": np.log10(xs[3]) + 0.2, "y": ys[2] - 0.05}, xs, ys, x, y) == (2, 3)
    assert sweeps.cell_from_click({"x": 5.0, "y": 0.3}, xs, ys, x, y) is None
    assert sweeps.cell_from_click({"y": 0.3}, xs, ys, x, y) is None


def test_start_map_basins_agree_with_direct_runs():
    m = sweeps.start_sweep("himmelblau", None, "adam", {"lr": 0.05}, 8, steps=400)
    assert set(np.unique(m.basin)) >= {0, 1, 2, 3}, "all four of Himmelblau's minima have a basin"
    for row, col in [(0, 0), (7, 7), (3, 4), (5, 1)]:
        run = m.cell_run(row, col)
        assert run.path[0] == pytest.approx(m.cell_start(row, col))
        end = run.path[-1]
        dist = [np.hypot(*(end - np.array(p))) for p in m.minima]
        expected = int(np.argmin(dist)) if min(dist) <= m.tolerance else sweeps.BASIN_ELSEWHERE
        assert m.basin[row, col] == expected


def test_theory_is_silent_where_it_does_not_apply():
    lr = SweepAxis("lr", 0.01, 5.0, True)
    mom = SweepAxis("momentum", 0.0, 0.9, False)
    assert bowl_theory.theory_overlay("rosenbrock", {"a": 1.0, "b": 100.0}, "momentum", {}, lr, mom) is None
    assert bowl_theory.theory_overlay("bowl", BOWL, "adam", {}, lr, SweepAxis("beta1", 0.0, 0.9, False)) is None
    assert bowl_theory.theory_overlay("bowl", BOWL, "momentum", {"clip_norm": 1.0}, lr, mom) is None
    clip = SweepAxis("clip_norm", 0.01, 100.0, True)
    gd = bowl_theory.theory_overlay("bowl", BOWL, "sgd", {}, lr, clip)
    assert gd is not None and np.allclose(gd.curves[0].x, 2.0)  # the vertical line at 2 / lam_max


# ---------------------------------------------------------------- the page


def _run(query: dict[str, str] | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _heat(fig: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    heat = fig["data"][0]
    assert heat["type"] == "heatmap"
    return decode(heat["x"]), decode(heat["y"]), decode(heat["z"])


def test_page_renders_the_default_map_with_theory():
    at = _run()
    assert not at.exception and not at.warning and not at.error
    (heat_fig,) = _figures(at)
    path_fig = map_figure(at)
    x, _, z = _heat(heat_fig)
    assert z.shape == (32, 32)
    names = [t.get("name") for t in heat_fig["data"]]
    assert "convergence boundary (theory)" in names and any(n.startswith("optimum (theory)") for n in names)
    assert all(heat_fig["data"][i]["name"] == "cells" for i in CLICK_TRACES)
    clicks = sum(len(decode(heat_fig["data"][i]["x"])) for i in CLICK_TRACES)
    assert clicks == 32 * 32, "one click marker per cell"
    # The map is the engine's map for the default settings.
    m = sweeps.hyper_sweep(
        "bowl",
        None,
        "momentum",
        {},
        sweeps.default_axis("momentum", "lr"),
        sweeps.default_axis("momentum", "momentum"),
        32,
        32,
        steps=300,
    )
    np.testing.assert_allclose(z, m.metric("loss").astype(np.float32), equal_nan=True)
    np.testing.assert_allclose(x, np.log10(m.xs).astype(np.float32))
    assert path_fig["data"][0]["type"] == "contour"


def test_another_cell_redraws_only_the_path_under_its_title():
    """Choosing a cell sends its path alone: the browser keeps the contour map it holds for this surface."""
    x, y = sweeps.default_axis("momentum", "lr"), sweeps.default_axis("momentum", "momentum")
    m = sweeps.hyper_sweep("bowl", None, "momentum", {}, x, y, 32, 32, steps=300)
    at = _run()
    first = live_maps(at)[0]
    row, col = 5, 3
    at.session_state["sweep.cell"] = {"which": "0", "point": (float(m.xs[col]), float(m.ys[row]))}
    at.run()
    assert not at.exception
    second = live_maps(at)[0]
    assert "surface" in first and "surface" not in second and second["surface_key"] == first["surface_key"]
    (direct,) = simulate("bowl", ("momentum", {"lr": m.xs[col], "momentum": m.ys[row]}), start=m.start, steps=300)
    line = next(t for t in second["overlay"] if t.get("mode") == "lines")
    np.testing.assert_array_equal(np.stack([decode(line["x"]), decode(line["y"])], axis=1), direct.path)
    title = f"Momentum (heavy ball): lr = {number_text(m.xs[col])}, momentum = {number_text(m.ys[row])}"
    assert any(md.value.replace("\\", "") == f"**{title}**" for md in at.markdown), title


def test_changing_an_axis_range_changes_the_heatmap():
    at = _run()
    _, _, z0 = _heat(_figures(at)[0])
    at.select_slider(key="sweep.xr").set_value((0.01, 5.0)).run()
    assert not at.exception
    x1, _, z1 = _heat(_figures(at)[0])
    assert x1[0] == pytest.approx(np.log10(0.01)) and x1[-1] == pytest.approx(np.log10(5.0))
    assert not np.allclose(np.nan_to_num(z0), np.nan_to_num(z1))


def test_url_round_trips_and_the_selected_cell_is_the_drawn_path():
    query = {
        "sweep.land": "rosenbrock",
        "sweep.opt": "adam",
        "sweep.y": "beta1",
        "sweep.xr": ["0.001", "0.5"],
        "sweep.n": "16",
        "sweep.steps": "200",
        "sweep.metric": "Steps to arrive",
        "sweep.h.beta2": "0.99",
    }
    x, y = SweepAxis("lr", 0.001, 0.5, True), SweepAxis("beta1", 0.0, 0.99, False)
    m = sweeps.hyper_sweep("rosenbrock", None, "adam", {"beta2": 0.99}, x, y, 16, 16, steps=200)
    row, col = 11, 9
    at = _run(query, {"sweep.cell": {"which": "0", "point": (float(m.xs[col]), float(m.ys[row]))}})
    assert not at.exception and not at.warning
    assert at.selectbox(key="sweep.land").value == "rosenbrock"
    assert at.selectbox(key="sweep.opt").value == "adam"
    assert at.selectbox(key="sweep.y").value == "beta1"
    assert at.select_slider(key="sweep.xr").value == (0.001, 0.5)
    assert at.select_slider(key="sweep.n").value == 16
    assert at.slider(key="sweep.steps").value == 200
    assert at.slider(key="sweep.h.beta2").value == pytest.approx(0.99)
    (heat_fig,) = _figures(at)
    path_fig = map_figure(at)
    np.testing.assert_allclose(_heat(heat_fig)[2], m.metric("arrival").astype(np.float32), equal_nan=True)
    (direct,) = simulate(
        "rosenbrock", ("adam", {"lr": m.xs[col], "beta1": m.ys[row], "beta2": 0.99}), start=m.start, steps=200
    )
    line = next(t for t in path_fig["data"] if t.get("mode") == "lines")
    np.testing.assert_array_equal(np.stack([decode(line["x"]), decode(line["y"])], axis=1), direct.path)
    link = at.get("link_button")[0].proto.url
    scenario, ignored = from_query({k: v[-1] for k, v in parse_qs(urlparse(link).query).items()})
    assert ignored == [] and scenario.runs[0].values["lr"] == pytest.approx(m.xs[col])
    assert at.radio(key="sweep.metric").value == "arrival"


def test_garbage_url_shows_one_notice_and_the_defaults():
    at = _run({"sweep.land": "atlantis", "sweep.n": "4096", "sweep.xr": "banana", "sweep.zzz": "<b>1</b>"})
    assert not at.exception and not at.error
    assert len(at.warning) == 1
    notice = at.warning[0].value.replace("\\", "")  # the notice may escape Markdown characters
    for bad in ("sweep.land", "sweep.n", "sweep.zzz"):
        assert bad in notice
    assert at.selectbox(key="sweep.land").value == "bowl"
    assert _heat(_figures(at)[0])[2].shape == (32, 32)


def test_compare_and_start_modes_render():
    at = _run({"sweep.mode": "Compare two", "sweep.n": "8"})
    assert not at.exception and not at.warning
    left, right = _figures(at)[:2]
    assert left["data"][0]["zmin"] == right["data"][0]["zmin"], "both maps share one colour scale"
    assert right["layout"]["yaxis"]["title"]["text"] == "beta1"
    at = _run({"sweep.mode": "Start points", "sweep.land": "himmelblau", "sweep.opt": "adam", "sweep.n": "8"})
    assert not at.exception and not at.warning
    legend = [t.get("name", "") for t in _figures(at)[0]["data"]]
    assert sum(name.startswith("ends at") for name in legend) == 4


# ---------------------------------------------------------------- issue 12: what the page shows and how


COSTLY_LINK = {
    "sweep.mode": "Compare two",
    "sweep.n": "128",
    "sweep.steps": "2000",
    "sweep.land": "minibatch",
    "sweep.opt": "newton",
    "sweep.opt2": "adabelief",
}
"""Issue 12's link: 32.6 s of server CPU and 230 MB before the page had a compute budget."""


def test_default_view_shows_where_the_optimizer_works_at_all():
    """The title asks where an optimizer works at all; the default map must show every answer the text names.

    The text promises "where the loss ends low, where the steps are too timid to arrive in
    time, and the edge past which ... the run flies off the map", checked against theory:
    so the default map holds a sizeable share of each, the theory boundary is drawn, and a
    chosen cell (a square on the map) has its path drawn beside it.
    """
    at = _run()
    assert not at.exception and not at.warning
    assert not [i for i in at.info if "compute budget" in i.value], "the default view runs in full"
    (heat_fig,) = _figures(at)
    path_fig = map_figure(at)
    diverged, arrived, timid = (len(decode(heat_fig["data"][i]["x"])) for i in CLICK_TRACES)
    total = diverged + arrived + timid
    for share, what in ((diverged, "diverged"), (arrived, "arrived"), (timid, "too timid to arrive")):
        assert share >= 0.05 * total, f"the default map shows too few cells that {what}"
    names = {t.get("name") for t in heat_fig["data"]}
    assert "convergence boundary (theory)" in names
    chosen = next(t for t in heat_fig["data"] if t.get("name") == "selected cell")
    assert chosen["marker"]["symbol"].startswith("square")
    assert any(t.get("mode") == "lines" for t in path_fig["data"])
    assert at.title[0].value.startswith("Sweeps: where does an optimizer work at all?")


def test_selectors_show_display_names_and_links_keep_registry_keys():
    at = _run({"sweep.land": "rosenbrock", "sweep.opt": "Adam"})
    assert not at.exception and not at.warning
    land, opt = at.selectbox(key="sweep.land"), at.selectbox(key="sweep.opt")
    assert "Rosenbrock valley" in land.options and "Ill-conditioned bowl" in land.options
    assert "Momentum (heavy ball)" in opt.options
    assert not {"bowl", "rosenbrock", "momentum", "adam"} & set(land.options + opt.options), "raw keys shown"
    assert (land.value, opt.value) == ("rosenbrock", "adam")
    # The link names them by key, as the Playground's links do, whichever way it was opened.
    assert at.query_params["sweep.land"] == "rosenbrock" and at.query_params["sweep.opt"] == "adam"
    land.set_value("himmelblau").run()
    assert not at.exception and at.query_params["sweep.land"] == "himmelblau"
    at.selectbox(key="sweep.land").set_value("bowl").run()
    assert "sweep.land" not in at.query_params, "the default is left out of the link"


def test_the_costly_link_runs_within_the_budget_and_says_so():
    at = _run(COSTLY_LINK)
    assert not at.exception and not at.warning
    notices = [i.value for i in at.info if "compute budget" in i.value]
    assert len(notices) == 1
    assert "128 × 128" in notices[0] and "2000 steps" in notices[0]
    left, right = _figures(at)[:2]
    cells = _heat(left)[2].shape[0]
    assert _heat(left)[2].shape == _heat(right)[2].shape == (cells, cells) and cells < 128
    assert f"{cells} × {cells} cells instead of 128 × 128" in notices[0]
    assert any(f"{cells} × {cells} runs of 2000 steps per map" in c.value for c in at.caption)
    # The widgets keep what the link asked for; only the run is smaller.
    assert at.select_slider(key="sweep.n").value == 128 and at.slider(key="sweep.steps").value == 2000


def test_numbers_are_written_without_dangling_points():
    """'final loss 0.' read as a cut-off number: captions write numbers whole, hovers trim zeros."""
    at = _run()
    captions = [c.value for c in at.caption]
    assert any("its loss is 0 after 300 steps" in c for c in captions), captions
    for text in captions + [i.value for i in at.info]:
        assert not re.search(r"\d\.(\s|$)", text), text
    templates = [t.get("hovertemplate", "") for fig in [*_figures(at), map_figure(at)] for t in fig["data"]]
    cells = [t for t in templates if "final loss" in t]
    assert cells
    for template in cells:
        assert not re.search(r":\.\d+g\}", template), template  # d3's .4g prints a loss of 0 as 0.000


def test_colour_bar_has_few_round_ticks():
    at = _run()
    bar = _figures(at)[0]["data"][0]["colorbar"]
    ticks, labels = bar["tickvals"], bar["ticktext"]
    assert 3 <= len(ticks) <= 6, labels
    spacing = {b - a for a, b in pairwise(ticks)}
    assert len(spacing) == 1 and spacing.pop() in (1, 2, 5, 10, 20, 50)
    assert all(t % (ticks[1] - ticks[0]) == 0 for t in ticks), "ticks sit on multiples of their spacing"
    for value, label in zip(ticks, labels, strict=True):
        assert float(label) == pytest.approx(10.0**value), (value, label)
        assert re.fullmatch(r"1e[+-]\d+|1|10|100|1000|0\.1|0\.01|0\.001", label), label


def test_decade_ticks_stay_few_and_round():
    assert decade_ticks(-12.3, 2.1) == [-10, -5, 0]
    assert decade_ticks(-3.5, 0.2) == [-3, -2, -1, 0]
    assert decade_ticks(-40.0, 0.0) == [-40, -30, -20, -10, 0]
    assert decade_ticks(0.2, 0.8) == []
    for lo in np.linspace(-60, 0, 37):
        ticks = decade_ticks(lo, lo + 30)
        assert 1 <= len(ticks) <= 6


def test_sweeps_charts_speak_the_marker_language():
    """A square marks the chosen cell, a diamond the theory's optimum, an x only a run that diverged."""
    diverged_cell = {"sweep.cell": {"which": "0", "point": (10.0, 0.9)}}
    pages = [
        _run(),
        _run(state=diverged_cell),
        _run({"sweep.mode": "Compare two", "sweep.n": "8"}),
        _run({"sweep.mode": "Start points", "sweep.land": "himmelblau", "sweep.opt": "adam", "sweep.n": "8"}),
    ]
    seen = set()
    for at in pages:
        assert not at.exception
        for fig in [*_figures(at), map_figure(at)]:
            for trace in fig["data"]:
                symbol = (trace.get("marker") or {}).get("symbol")
                if symbol is None or trace.get("mode") != "markers" or trace.get("x") == [None]:
                    continue  # not a marker, or a colour swatch of the legend
                base = symbol.removesuffix("-open")
                name = trace.get("name", "")
                seen.add((base, name))
                assert base in vars(markers).values(), (symbol, name)
                for shape, meaning in markers.MEANINGS.items():
                    words = (meaning,) if isinstance(meaning, str) else meaning
                    if base == shape:
                        assert any(word in name for word in words), f"{symbol} drawn for {name!r}"
                if name == "selected cell":
                    assert base == markers.CHECKPOINT
                if name.startswith("optimum (theory)"):
                    assert base == markers.REFERENCE
    assert (markers.DIVERGED, "diverged") in seen, "the diverged cell's path ends in an x"
    assert (markers.CHECKPOINT, "selected cell") in seen


# ---------------------------------------------------------------- issue 14: the page's scenario and builder


def test_a_link_becomes_one_scenario_and_back():
    """A link's choices and dependent settings are read, checked and written back with the same spellings."""
    from ui.lessons.sweeps import SweepsScenario

    link = {
        "sweep.mode": "Compare two",
        "sweep.land": "Rosenbrock valley",
        "sweep.opt": "adam",
        "sweep.y": "beta1",
        "sweep.xr": ["0.5", "0.001"],
        "sweep.h.beta2": "0.99",
        "sweep.h2.clip_norm": "off",
        "sweep.metric": "Steps to arrive",
    }
    scenario, ignored = SweepsScenario.from_query(link)
    assert ignored == []
    assert (scenario.mode, scenario.land, scenario.opt, scenario.metric) == ("compare", "rosenbrock", "adam", "arrival")
    assert scenario.value("xr") == (0.001, 0.5) and scenario.value("h.beta2") == 0.99
    query = scenario.to_query()
    assert query["sweep.mode"] == "Compare two" and query["sweep.metric"] == "Steps to arrive"
    assert query["sweep.land"] == "rosenbrock" and query["sweep.xr"] == ["0.001", "0.5"]
    assert "sweep.h2.clip_norm" not in query, "off is the default: left out of the link"
    assert SweepsScenario.from_canonical(scenario.canonical()) == scenario
    assert SweepsScenario.from_query(query) == (scenario, [])

    bad, ignored = SweepsScenario.from_query({"sweep.opt": "sgd", "sweep.h.beta1": "0.5", "sweep.xr": "2", "x": "1"})
    assert bad == SweepsScenario(opt="sgd")
    assert [line.split(" (")[0] for line in ignored] == ["sweep.xr=2", "sweep.h.beta1=0.5", "x=1"]


def test_default_view_is_what_the_builder_returns():
    """The page draws the builder's figures for the default scenario, the chosen cell marked on them."""
    from ui.lessons.sweeps import SweepsScenario, build, choose_cell

    view = build(SweepsScenario())
    cell = choose_cell(view, None)
    at = _run()
    assert not at.exception and not at.warning
    (heat_fig,) = _figures(at)
    built = view.panels[0].figure
    assert len(heat_fig["data"]) == len(built["data"]) + 1, "the builder's traces and the chosen cell's square"
    np.testing.assert_array_equal(_heat(heat_fig)[2], decode(built["data"][0]["z"]))
    square = heat_fig["data"][-1]
    assert square["name"] == "selected cell" and (square["x"][0], square["y"][0]) == pytest.approx(cell.marker)


def test_compare_mode_draws_its_shared_colour_bar_once():
    at = _run({"sweep.mode": "Compare two", "sweep.n": "8"})
    left, right = (fig["data"][0] for fig in _figures(at)[:2])
    assert (left["zmin"], left["zmax"]) == (right["zmin"], right["zmax"])
    assert left.get("showscale") is False and "colorbar" not in left
    assert right.get("showscale", True) and right["colorbar"]["title"]["text"]
