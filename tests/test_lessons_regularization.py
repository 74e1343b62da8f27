"""L1/L2 geometry lesson: the penalized optima (KKT, exact zeros, closed forms) and the page."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from charts.lessons.regularization import region_outline
from engine.lessons import regularization as rg
from tests.apptest_helpers import figures, live_maps, map_figure, notice
from tests.figure_rules import (
    colour_bar_problems,
    colour_bar_reading_problems,
    log_axis_problems,
    marker_problems,
    named_shape_problems,
)
from ui.lessons.l1_l2 import PenaltyScenario, build, maps_window

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_l1_l2.py")


def _normal_equations() -> tuple[np.ndarray, np.ndarray, float]:
    """A = XᵀX/N, b = Xᵀy/N, c = ½ mean y², straight from the training data (float64)."""
    land = landscapes.get("train_val")
    data = land.data(land.resolve())
    x, y = data.inputs.astype(np.float64), data.targets.astype(np.float64)
    return x.T @ x / len(y), x.T @ y / len(y), 0.5 * float(y @ y) / len(y)


def _onset() -> tuple[float, int]:
    """Where the L1 path first zeroes a weight: w(α) = A⁻¹(b - α sign(w₀)) crosses zero."""
    a, b, _ = _normal_equations()
    w0 = np.linalg.solve(a, b)
    crossing = np.linalg.solve(a, b) / np.linalg.solve(a, np.sign(w0))
    crossing[crossing <= 0] = np.inf
    j = int(np.argmin(crossing))
    return float(crossing[j]), j


def _subgradient_gap(w: np.ndarray, alpha: float) -> float:
    a, b, _ = _normal_equations()
    g = a @ w - b
    return float(np.max(np.where(w != 0, np.abs(g + alpha * np.sign(w)), np.maximum(np.abs(g) - alpha, 0.0))))


def test_l1_optimum_has_an_exact_zero_for_large_enough_alpha():
    onset, j = _onset()
    _, b, _ = _normal_equations()
    everything = float(np.max(np.abs(b)))  # beyond this both weights are 0
    alphas = np.array([onset / 2, 2 * onset, everything * 1.01])
    optima = rg.penalized_optima(alphas, "l1")
    assert np.all(optima[0] != 0.0), "below the onset both weights are non-zero"
    assert optima[1, j] == 0.0 and optima[1, 1 - j] != 0.0, "past the onset one weight is exactly 0.0"
    assert np.all(optima[2] == 0.0)
    for alpha, w in zip(alphas, optima, strict=True):
        assert _subgradient_gap(w, alpha) < 1e-5


def test_zero_onset_on_the_drawn_path_matches_theory():
    onset, j = _onset()
    view = rg.penalty_view(0.05, "l1")
    found = rg.zero_onset(view.path_alphas, view.path)
    assert found is not None and found[1] == j
    ratio = view.path_alphas[2] / view.path_alphas[1]  # grid spacing
    assert onset <= found[0] <= onset * ratio * 1.0001
    stays = view.path_alphas >= found[0]
    assert np.all(view.path[stays, j] == 0.0), "once zero, the weight stays exactly zero along the path"
    l2 = rg.penalty_view(0.05, "l2")
    assert np.count_nonzero(l2.path[l2.path_alphas > 0] == 0.0) <= 1, "no L2 weight rests at zero"


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.3, 5.0])
def test_l2_optima_match_the_closed_form(alpha):
    a, b, _ = _normal_equations()
    (w,) = rg.penalized_optima(np.array([alpha]), "l2")
    expected = np.linalg.solve(a + 2 * alpha * np.eye(2), b)
    np.testing.assert_allclose(w, expected, atol=1e-5 * max(1.0, np.abs(expected).max()))


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_drawn_optimum_is_the_constrained_optimum(kind):
    """No point inside the drawn fence has a lower loss than the marked optimum (dense check)."""
    a, b, c = _normal_equations()
    view = rg.penalty_view(0.05, kind)
    w = view.optimum
    loss = 0.5 * w @ a @ w - b @ w + c
    assert view.level == pytest.approx(loss, rel=1e-9)
    budget = np.abs(w).sum() if kind == "l1" else (w * w).sum()
    assert view.budget == pytest.approx(budget, rel=1e-12)
    reach = budget if kind == "l1" else np.sqrt(budget)
    g = np.linspace(-reach, reach, 801)
    gx, gy = np.meshgrid(g, g)
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    inside = (np.abs(pts).sum(1) if kind == "l1" else (pts * pts).sum(1)) <= budget
    losses = 0.5 * np.einsum("ni,ij,nj->n", pts, a, pts) - pts @ b + c
    assert losses[inside].min() >= loss - 1e-6
    assert view.kkt < 1e-5


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_drawn_contour_is_the_landscapes_level_through_the_optimum_and_touches_the_fence(kind):
    """The dotted line is the loss contour through the optimum: the landscape's own loss (float32, jax) equals the
    optimum's loss all along it, and it touches the fence at the optimum without crossing it."""
    land = landscapes.get("train_val")
    f = jax.vmap(land.loss_function(land.resolve()))
    view = rg.penalty_view(0.05, kind)
    ring = rg.training_problem().level_set(view.level, points=4001)
    np.testing.assert_allclose(np.asarray(f(jnp.asarray(ring, jnp.float32))), view.level, rtol=2e-5)
    np.testing.assert_array_equal(ring[0], ring[-1])
    fence = np.abs(ring).sum(1) if kind == "l1" else (ring * ring).sum(1)
    assert fence.min() == pytest.approx(view.budget, rel=1e-3), "it reaches the fence"
    assert fence.min() >= view.budget * (1 - 1e-6), "and does not cross into it"
    closest = ring[np.argmin(fence)]
    assert np.hypot(*(closest - view.optimum)) < 0.02, "where the optimum is"


# ---------------------------------------------------------------- the page


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _optimum(at: AppTest, prefix: str) -> np.ndarray:
    trace = next(t for t in live_maps(at)[0]["overlay"] if t.get("name", "").startswith(prefix))
    return np.array([decode(trace["x"])[0], decode(trace["y"])[0]], np.float64)


def test_page_renders_and_alpha_moves_the_optima():
    at = _run()
    assert not at.exception and not at.warning
    assert len(at.get("plotly_chart")) == 1 and len(live_maps(at)) == 1
    first = live_maps(at)[0]
    before = _optimum(at, "L1 optimum"), _optimum(at, "L2 optimum")
    at.select_slider(key="reg.alpha").set_value(0.5).run()
    assert not at.exception
    after = _optimum(at, "L1 optimum"), _optimum(at, "L2 optimum")
    assert np.linalg.norm(before[0] - after[0]) > 0.1 and np.linalg.norm(before[1] - after[1]) > 0.1
    # α moves only the fences and optima: the browser keeps the surface it holds, nothing of it is sent again.
    second = live_maps(at)[0]
    assert "surface" in first and "surface" not in second and second["surface_key"] == first["surface_key"]
    assert any("exactly equal to 0" in s.value for s in at.success)


def test_url_round_trip_and_bad_link():
    at = _run({"reg.alpha": "0.2"})
    assert not at.exception and not at.warning
    assert at.select_slider(key="reg.alpha").value == 0.2
    np.testing.assert_allclose(_optimum(at, "L2 optimum"), rg.penalty_view(0.2, "l2").optimum, rtol=1e-6)

    bad = _run({"reg.alpha": "banana", "reg.zzz": "1"})
    assert not bad.exception
    assert len(bad.warning) == 1 and "reg.alpha" in notice(bad) and "reg.zzz" in notice(bad)
    assert bad.select_slider(key="reg.alpha").value == 0.05


def test_the_scenario_reads_an_old_link():
    scenario, ignored = PenaltyScenario.from_query({"reg.alpha": "0.2"})
    assert ignored == [] and scenario == PenaltyScenario(alpha=0.2) and scenario.to_query() == {"reg.alpha": "0.2"}
    assert PenaltyScenario.from_query({"reg.alpha": "20"}) == (
        PenaltyScenario(),
        ["reg.alpha=20 (outside 0.001 to 10)"],
    )


# ---------------------------------------------------------------- the default view


@pytest.fixture(scope="module")
def default_view() -> AppTest:
    return _run()


def test_default_view_shows_what_the_builder_returns(default_view):
    view = build(PenaltyScenario())
    live = live_maps(default_view)[0]
    assert live["surface_key"] == view.surface.key and live["overlay"] == json.loads(json.dumps(view.overlay))
    assert figures(default_view)[0]["data"] == json.loads(json.dumps(view.paths["data"]))


def test_default_view_l1_lands_on_an_axis_and_l2_does_not(default_view):
    """The title's claim at the default α: the L1 optimum sits on a corner of its diamond, the L2 one off every axis."""
    a, b, _ = _normal_equations()
    l1, l2 = _optimum(default_view, "L1 optimum"), _optimum(default_view, "L2 optimum")
    assert np.count_nonzero(l1 == 0.0) == 1, "one L1 weight exactly zero: a corner of the diamond"
    assert np.all(np.abs(l2) > 0.1), "no L2 weight near zero"
    np.testing.assert_allclose(l2, np.linalg.solve(a + 2 * 0.05 * np.eye(2), b), rtol=1e-5)
    assert _subgradient_gap(l1, 0.05) < 1e-5


def test_default_view_shows_each_whole_fence_at_equal_scale(default_view):
    """The diamond's and the circle's outlines lie inside both panels' axis ranges, with x and y at one scale."""
    fig = map_figure(default_view)
    layout = fig["layout"]
    fences = [t for t in fig["data"] if t.get("fill") == "toself"]
    assert len(fences) == 2
    for fence in fences:
        suffix = fence.get("xaxis", "x")[1:]
        (x0, x1), (y0, y1) = layout[f"xaxis{suffix}"]["range"], layout[f"yaxis{suffix}"]["range"]
        x, y = decode(fence["x"]), decode(fence["y"])
        assert x0 < x.min() and x.max() < x1 and y0 < y.min() and y.max() < y1, fence["name"]
        assert layout[f"yaxis{suffix}"]["scaleanchor"] == f"x{suffix}"
        assert layout[f"yaxis{suffix}"].get("scaleratio", 1) == 1


def test_one_window_holds_the_fences_of_every_alpha():
    """The map's window never moves with α: the fences of the whole path (α from 0 up) lie inside it."""
    values = landscapes.get("train_val").resolve()
    (x0, x1), (y0, y1) = maps_window(values)
    for kind in ("l1", "l2"):
        view = rg.penalty_view(1e-3, kind)
        for optimum in view.path:
            outline = region_outline(kind, float(rg.penalty(optimum, kind)))
            assert np.all((x0 < outline[:, 0]) & (outline[:, 0] < x1)), (kind, optimum)
            assert np.all((y0 < outline[:, 1]) & (outline[:, 1] < y1)), (kind, optimum)


def test_default_view_markers_and_colour_bars_follow_the_shared_rules(default_view):
    for fig in [*figures(default_view), map_figure(default_view)]:
        assert marker_problems(fig) == [] and named_shape_problems(fig) == []
        assert colour_bar_problems(fig) == [] and colour_bar_reading_problems(fig) == []
        assert log_axis_problems(fig) == []
