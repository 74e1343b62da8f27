"""The ill-conditioning lesson: curvature, stability, measured against theoretical rates, and its page."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from charts.lessons.conditioning import LABEL_SIZE, eigen_labels, eigen_traces
from engine.lessons import conditioning as cond
from engine.scenario import from_query, to_query
from engine.simulate import simulate
from tests.apptest_helpers import errors, figures, live_maps, map_figure, notice
from tests.figure_rules import colour_bar_problems, marker_problems
from ui.lessons.conditioning import ConditioningScenario, build

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "views/lesson_ill_conditioning.py")


def hb_optimum(kappa: float) -> tuple[float, float, float]:
    """Polyak's tuning for eigenvalues 1 and 1/κ, written out here from the formulas (not from the module)."""
    root = math.sqrt(kappa)
    return 4.0 / (1.0 + 1.0 / root) ** 2, ((root - 1) / (root + 1)) ** 2, (root - 1) / (root + 1)


def run(key: str, settings: dict, kappa: float, angle: float, steps: int = cond.STEPS):
    (traj,) = simulate(
        "bowl",
        (key, settings),
        start=cond.bowl_start(angle),
        steps=steps,
        landscape_params={"kappa": kappa, "angle": angle},
    )
    return traj


@pytest.mark.parametrize(("kappa", "angle"), [(10.0, 30.0), (1000.0, -60.0), (1.0, 45.0)])
def test_eigen_directions_match_the_landscape_hessian(kappa, angle):
    curv = cond.curvature(kappa, angle)
    land = landscapes.get("bowl")
    loss = land.loss_function({"kappa": kappa, "angle": angle})
    autodiff = np.asarray(jax.hessian(loss)(jnp.zeros(2, jnp.float32)), np.float64)
    np.testing.assert_allclose(curv.eigenvalues, [1.0 / kappa, 1.0], rtol=1e-6)
    for lam, vec in zip(curv.eigenvalues, curv.eigenvectors.T, strict=True):
        np.testing.assert_allclose(autodiff @ vec, lam * vec, atol=1e-6)
    assert cond.stability_limit(curv) == pytest.approx(2.0)


@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0, 1000.0])
@pytest.mark.parametrize("angle", [0.0, 30.0, 45.0, -60.0])
def test_measured_gd_rate_equals_theory(kappa, angle):
    for lr in (2.0 / (1.0 + 1.0 / kappa), 1.0, 1.8, 0.3):
        theory = max(abs(1.0 - lr), abs(1.0 - lr / kappa))
        traj = run("sgd", {"lr": lr}, kappa, angle)
        fit = cond.measured_rate(cond.distances(traj.path, traj.diverged_at))
        assert fit is not None
        assert fit.rate == pytest.approx(theory, rel=1e-4), (kappa, angle, lr)
        assert cond.gd_rate(lr, cond.curvature(kappa, angle).eigenvalues) == pytest.approx(theory, rel=1e-12)


def test_optimal_gd_rate_is_the_smallest():
    curv = cond.curvature(50.0, 20.0)
    lr, rate = cond.gd_optimal(curv)
    assert rate == pytest.approx(49.0 / 51.0)
    assert lr == pytest.approx(2.0 / (1.0 + 1.0 / 50.0))
    others = [cond.gd_rate(x, curv.eigenvalues) for x in np.linspace(0.05, 1.99, 300)]
    assert min(others) >= rate - 1e-12


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
@pytest.mark.parametrize("angle", [0.0, 45.0])
def test_heavy_ball_at_its_optimum_converges_at_the_theoretical_rate(kappa, angle):
    lr, beta, rate = hb_optimum(kappa)
    assert cond.heavy_ball_optimal(cond.curvature(kappa, angle)) == pytest.approx((lr, beta, rate), rel=1e-12)
    assert cond.heavy_ball_rate(lr, beta, [1.0 / kappa, 1.0]) == pytest.approx(rate, rel=1e-6)
    traj = run("momentum", {"lr": lr, "momentum": beta}, kappa, angle)
    fit = cond.measured_rate(cond.distances(traj.path, traj.diverged_at), repeated_root=True)
    assert fit is not None and fit.rate == pytest.approx(rate, rel=1e-3)
    assert rate < (kappa - 1) / (kappa + 1), "heavy ball beats the best GD rate"


def test_engine_momentum_is_polyaks_heavy_ball():
    kappa, angle = 100.0, 30.0
    lr, beta, _ = hb_optimum(kappa)
    traj = run("momentum", {"lr": lr, "momentum": beta}, kappa, angle, steps=60)
    h = landscapes.bowl.hessian({"kappa": kappa, "angle": angle})
    x_prev = x = np.asarray(cond.bowl_start(angle), np.float64)
    polyak = [x]
    for _ in range(60):
        x, x_prev = x - lr * h @ x + beta * (x - x_prev), x
        polyak.append(x)
    np.testing.assert_allclose(traj.path, np.array(polyak), atol=2e-5)


def test_just_below_the_limit_converges_and_just_above_diverges():
    result = cond.study(10.0, 30.0, 1.8)
    below, above = result.runs[1], result.runs[2]
    assert below.diverged_at is None and np.hypot(*below.path[-1]) < 1e-6
    assert above.diverged_at is not None
    assert [r.theory for r in result.rates[1:3]] == pytest.approx([0.9, 1.1])
    assert result.rates[2].measured.rate == pytest.approx(1.1, rel=1e-4)
    assert "below the limit" in cond.stability_sentence(1.8, result.limit)
    assert "above the limit" in cond.stability_sentence(2.05, result.limit)
    assert "exactly on the limit" in cond.stability_sentence(2.0, result.limit)


def steps_to(traj, tol: float = cond.TOLERANCE) -> int | None:
    near = np.hypot(traj.path[:, 0], traj.path[:, 1]) <= tol
    return int(np.argmax(near)) if near.any() else None


@pytest.mark.parametrize("kappa", [100.0, 1000.0])
def test_adaptive_methods_gain_on_the_aligned_bowl_not_on_the_rotated_one(kappa):
    """Steps to within 0.01: GD and heavy ball are the same at 0° and 45° (they only see the geometry);
    RMSprop and Adam need fewer at 0° than at 45°, so their advantage over optimal GD is larger at 0°.
    At κ = 100 Adam beats optimal GD at 0° and loses to it at 45°."""
    result = cond.study(kappa, 45.0, 1.0)
    table = {label: (aligned, rotated) for label, aligned, rotated in result.arrivals}
    gd_label, hb_label, *adaptive = (label for label, *_ in result.arrivals)
    gd_lr, _ = cond.gd_optimal(result.curvature)
    hb_lr, hb_beta, _ = hb_optimum(kappa)
    assert table[gd_label] == (
        steps_to(run("sgd", {"lr": gd_lr}, kappa, 0.0)),
        steps_to(run("sgd", {"lr": gd_lr}, kappa, 45.0)),
    )
    assert table[gd_label][0] == table[gd_label][1]
    hb = {"lr": hb_lr, "momentum": hb_beta}
    assert table[hb_label] == (steps_to(run("momentum", hb, kappa, 0.0)), steps_to(run("momentum", hb, kappa, 45.0)))
    assert table[hb_label][0] == table[hb_label][1]
    horizon = cond.STEPS + 1
    gd = table[gd_label][0] or horizon
    for (key, lr), label in zip(cond.ADAPTIVE, adaptive, strict=True):
        aligned = steps_to(run(key, {"lr": lr}, kappa, 0.0))
        rotated = steps_to(run(key, {"lr": lr}, kappa, 45.0))
        assert table[label] == (aligned, rotated)
        assert aligned is not None
        assert gd / aligned > gd / (rotated or horizon), label
    if kappa == 100.0:
        adam = table[adaptive[-1]]
        assert adam[0] < gd < adam[1]


def test_kappa_one_reaches_the_minimum_at_once_and_is_reported_as_such():
    result = cond.study(1.0, 0.0, 1.0)
    assert result.rates[3].measured is None and result.rates[3].theory == pytest.approx(0.0, abs=1e-12)
    rows = cond.rate_table(result)
    assert rows[3]["measured rate"].startswith("—")


# ---------------------------------------------------------------- the page


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def trace(fig: dict, name: str) -> np.ndarray:
    t = next(t for t in fig["data"] if t.get("name") == name)
    return np.stack([decode(t["x"]), decode(t["y"])], axis=1)


def test_page_renders_and_the_lr_slider_moves_the_path():
    at = open_page()
    assert errors(at) == [] and not at.warning
    (dist_fig,) = figures(at)
    map_fig = map_figure(at)
    assert map_fig["data"][0]["type"] == "contour"
    assert dist_fig["layout"]["yaxis"]["type"] == "log"
    curve = next(t for t in dist_fig["data"] if t.get("name") == "GD, your η = 1.8")
    expected = cond.distances(cond.study(10.0, 30.0, 1.8).runs[0].path, None)
    np.testing.assert_allclose(decode(curve["y"]), expected[: len(decode(curve["y"]))], rtol=1e-6)
    before = trace(map_fig, "GD, your η = 1.8")
    assert np.allclose(before, cond.study(10.0, 30.0, 1.8).runs[0].path[: len(before)], atol=1e-6)
    at.select_slider(key="ill.lr").set_value(1).run()
    assert errors(at) == []
    after = trace(map_figure(at), "GD, your η = 1")
    assert not np.allclose(before[:50], after[:50])


def test_moving_the_lr_resends_no_surface_and_changing_the_bowl_does():
    """η only moves paths: the browser keeps the bowl it holds. κ reshapes the bowl: its new surface is sent."""
    at = open_page()
    first = live_maps(at)[0]
    assert "surface" in first, "a new session's first run sends the surface"
    at.select_slider(key="ill.lr").set_value(1).run()
    second = live_maps(at)[0]
    assert "surface" not in second and second["surface_key"] == first["surface_key"]
    assert second["overlay"] != first["overlay"], "the paths moved"
    at.select_slider(key="ill.kappa").set_value(100).run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"]
    assert map_figure(at)["data"][0]["type"] == "contour"


def test_page_url_round_trips():
    query = {"ill.kappa": "100", "ill.angle": "45", "ill.lr": "2.05"}
    at = open_page(query)
    assert errors(at) == [] and not at.warning
    assert at.select_slider(key="ill.kappa").value == 100
    assert at.slider(key="ill.angle").value == 45
    assert at.select_slider(key="ill.lr").value == 2.05
    by_hand = open_page()
    by_hand.select_slider(key="ill.kappa").set_value(100).run()
    by_hand.slider(key="ill.angle").set_value(45).run()
    by_hand.select_slider(key="ill.lr").set_value(2.05).run()
    for a, b in zip(figures(at), figures(by_hand), strict=True):
        assert a == b
    # The same map: the surface key is a digest of the layer's content, and the same paths over it.
    linked, clicked = live_maps(at)[0], live_maps(by_hand)[0]
    assert linked["surface_key"] == clicked["surface_key"] and linked["overlay"] == clicked["overlay"]
    assert any("above the limit" in m.value for m in at.markdown)


def test_page_garbage_url_shows_one_notice():
    at = open_page({"ill.kappa": "7", "ill.lr": "fast", "ill.zzz": "<b>1</b>"})
    assert errors(at) == []
    assert len(at.warning) == 1
    for bad in ("ill.kappa", "ill.lr", "ill.zzz"):
        assert bad in notice(at)
    # κ = 7 lies between two positions of the slider: the page uses the nearer one (log scale) and says so.
    assert "using 5" in notice(at)
    assert at.select_slider(key="ill.kappa").value == 5
    assert at.select_slider(key="ill.lr").value == 1.8


def test_steps_for_a_million_fold_drop_match_the_run():
    result = cond.study(10.0, 30.0, 1.8)
    row = result.rates[3]
    predicted = cond.steps_to_shrink(row.theory)
    assert predicted == pytest.approx(math.log(1e-6) / math.log(9.0 / 11.0))
    d = cond.distances(result.runs[3].path, None)
    assert d[math.ceil(predicted)] / d[0] <= 1e-6 < d[math.floor(predicted) - 1] / d[0]
    assert cond.steps_to_shrink(1.1) is None


def test_playground_link_reproduces_the_map_runs():
    result = cond.study(100.0, 45.0, 1.5)
    scenario = cond.playground_scenario(result)
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == []
    assert parsed.start == result.start and parsed.landscape_params == {"kappa": 100.0, "angle": 45.0}
    assert [(r.key, r.values, r.label) for r in parsed.runs] == [(r.key, r.values, r.label) for r in scenario.runs]
    assert scenario.runs[0].values["lr"] == 1.5


@pytest.mark.parametrize(
    "query", [{"ill.kappa": "1000", "ill.angle": "-90", "ill.lr": "2.5"}, {"ill.kappa": "1", "ill.lr": "0.01"}]
)
def test_page_extreme_settings_render(query):
    at = open_page(query)
    assert errors(at) == [] and not at.warning


def test_link_spelling_out_the_defaults_shows_no_notice():
    at = open_page({"ill.kappa": "10", "ill.angle": "30", "ill.lr": "1.8"})
    assert errors(at) == [] and not at.warning


def test_a_link_builds_its_scenario():
    scenario, ignored = ConditioningScenario.from_query({"ill.kappa": "100", "ill.angle": "45", "ill.lr": "2.05"})
    assert ignored == []
    assert scenario == ConditioningScenario(kappa=100.0, angle=45, lr=2.05)
    assert type(scenario.angle) is int and type(scenario.kappa) is float
    assert scenario.to_query() == {"ill.kappa": "100", "ill.angle": "45", "ill.lr": "2.05"}
    assert ConditioningScenario().to_query() == {}


def test_the_default_view_shows_what_the_builder_returns():
    at = open_page()
    view = build(ConditioningScenario())
    assert figures(at) == [json.loads(json.dumps(view.distance))]
    shown = live_maps(at)[0]
    assert shown["surface_key"] == view.surface.key
    assert shown["overlay"] == json.loads(json.dumps(view.paths))
    tables = [t.value.to_dict("records") for t in at.dataframe]
    assert tables == [view.rate_rows, view.arrival_rows]
    assert any(view.stability in m.value for m in at.markdown)


# ---------------------------------------------------------------- what the default view shows

PX_PER_UNIT = 30.0
"""A narrow map: 300 px for the bowl's 10 units (a phone, or a half-width column on a small laptop)."""
GLYPH_PX, LINE_PX, PAD_PX = 0.6 * LABEL_SIZE, 1.3 * LABEL_SIZE, 3.0
"""A generous average glyph width, a line's height and the backing's padding, in pixels, at the labels' size."""


def text_box(note: dict) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) in data units of a map annotation's text, from its anchors."""
    width = (len(note["text"]) * GLYPH_PX + 2 * PAD_PX) / PX_PER_UNIT
    height = (LINE_PX + 2 * PAD_PX) / PX_PER_UNIT
    left = {"right": note["x"] - width, "left": note["x"], "center": note["x"] - width / 2}[note["xanchor"]]
    bottom = {"bottom": note["y"], "top": note["y"] - height, "middle": note["y"] - height / 2}[note["yanchor"]]
    return left, left + width, bottom, bottom + height


def label_problems(notes: list[dict]) -> list[str]:
    """Map annotations whose text would reach past the bowl's domain."""
    (x0, x1), (y0, y1) = landscapes.get("bowl").domain
    problems = []
    for note in notes:
        left, right, bottom, top = text_box(note)
        if left < x0 or right > x1 or bottom < y0 or top > y1:
            problems.append(f"{note['text']!r} spans x {left:.2f}..{right:.2f}, y {bottom:.2f}..{top:.2f}")
    return problems


def map_texts(fig: dict) -> list[dict]:
    """Every text on a map, as annotations: layout annotations, and trace texts with their ``textposition``."""
    notes = list(fig["layout"].get("annotations", []))
    for t in fig["data"]:
        if "text" not in str(t.get("mode", "")):
            continue
        vertical, horizontal = t.get("textposition", "middle center").split()
        for x, y, text in zip(decode(t["x"]), decode(t["y"]), t["text"], strict=True):
            if text:
                xanchor = {"left": "right", "right": "left", "center": "center"}[horizontal]
                yanchor = {"top": "bottom", "bottom": "top", "middle": "middle"}[vertical]
                notes.append({"x": float(x), "y": float(y), "text": text, "xanchor": xanchor, "yanchor": yanchor})
    return notes


def test_default_view_labels_both_directions_inside_the_map():
    notes = map_texts(map_figure(open_page()))
    assert sorted(n["text"] for n in notes) == ["flat direction, λ = 0.1", "steep direction, λ = 1"]
    assert label_problems(notes) == []


@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
@pytest.mark.parametrize("angle", range(-90, 91, 15))
def test_eigen_direction_labels_stay_on_the_map_at_every_rotation(kappa, angle):
    view = SimpleNamespace(curvature=cond.curvature(kappa, angle), start=cond.bowl_start(angle))
    domain = landscapes.get("bowl").domain
    assert label_problems(eigen_labels(view, domain)) == []
    for t, vector in zip(eigen_traces(view, domain), (view.curvature.steep, view.curvature.flat), strict=True):
        (ax, ay), (bx, by) = np.stack([decode(t["x"]), decode(t["y"])], axis=1)
        assert abs(ax * by - ay * bx) < 1e-6 * (ax * ax + ay * ay), "a line through the minimum"
        assert abs(ax * vector[1] - ay * vector[0]) < 1e-6 * math.hypot(ax, ay), "along its eigenvector"


def test_default_view_shows_gd_zig_zag_across_and_crawl_along_while_heavy_ball_gets_further():
    """The title's claim at the defaults (κ = 10, θ = 30°, η = 1.8), read off the drawn paths.

    The eigen-directions are written out here from the bowl's definition (λ = 1 across the valley at θ,
    λ = 1/κ along it): GD's component across flips sign every step (1 − η·1 = −0.8 < 0), its component
    along never does (1 − η/κ = 0.82 > 0) and shrinks by that factor, each step moves much further across
    than along, and heavy ball is closer to the minimum than GD after the same number of steps.
    """
    at = open_page()
    (dist_fig,) = figures(at)
    map_fig = map_figure(at)
    theta = math.radians(30.0)
    across, along = np.array([math.cos(theta), math.sin(theta)]), np.array([-math.sin(theta), math.cos(theta)])
    gd = trace(map_fig, "GD, your η = 1.8")[:21].astype(np.float64)
    u, v = gd @ across, gd @ along
    assert np.all(u[:-1] * u[1:] < 0), "GD bounces from one wall of the valley to the other every step"
    assert np.all(v > 0) and np.all(np.diff(v) < 0), "GD creeps along the valley floor without overshooting"
    np.testing.assert_allclose(v[1:] / v[:-1], 1 - 1.8 / 10.0, rtol=1e-4)
    assert np.all(np.abs(np.diff(u))[:5] > 3 * np.abs(np.diff(v))[:5]), "early steps go mostly across the valley"
    curves = {t["name"]: decode(t["y"]) for t in dist_fig["data"] if not t["name"].startswith("theory")}
    gd_d, hb_d = curves["GD, your η = 1.8"], curves["heavy ball, optimal (η*, β*)"]
    for step in (20, 40, 60):
        assert hb_d[step] < 1e-2 * gd_d[step], f"heavy ball is far ahead of GD at step {step}"
    assert any("below the limit" in m.value for m in at.markdown)


def test_default_view_follows_the_marker_language_and_round_colour_bars():
    at = open_page()
    for fig in [*figures(at), map_figure(at)]:
        assert marker_problems(fig) == []
        assert colour_bar_problems(fig) == []
