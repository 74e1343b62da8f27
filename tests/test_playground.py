"""The Playground page, run headless with AppTest."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

import optimizers
from charts.paths import path_figure
from engine.scenario import Scenario, from_query
from engine.simulate import resolve_landscape, simulate
from landscapes.custom import DEFAULT_DOMAIN, custom_landscape
from tests.apptest_helpers import errors, figures, path_of, run_app
from ui import playground_state as ps
from ui.markdown import escape_markdown


def test_default_page_renders_four_runs():
    at = run_app()
    assert errors(at) == []
    fig = figures(at)[0]
    names = {t.get("name") for t in fig["data"] if t.get("mode") == "lines"}
    assert {optimizers.get(k).name for k in ("sgd", "momentum", "rmsprop", "adam")} <= names
    assert fig["data"][0]["type"] == "contour"
    assert not at.warning, "a clean URL shows no notice"
    assert at.query_params["opt"] == "sgd,momentum,rmsprop,adam"


def test_lr_slider_changes_the_drawn_path():
    at = run_app()
    before = path_of(figures(at)[0], "SGD")
    slider = at.select_slider(key=ps.run_key(0, "lr"))
    slider.set_value(0.002).run()
    assert errors(at) == []
    after = path_of(figures(at)[0], "SGD")
    assert before.shape == after.shape
    assert not np.allclose(before, after)
    assert at.query_params["o1.lr"], "the new lr is in the share link"


def test_url_reproduces_the_same_paths_as_widgets():
    query = {
        "land": "rosenbrock",
        "opt": "adam,adam",
        "o1.lr": "0.1",
        "o2.lr": "0.01",
        "o2.label": "slow Adam",
        "start": "-1,2.5",
        "steps": "300",
    }
    from_url = run_app(query)
    assert errors(from_url) == [] and not from_url.warning

    by_hand = run_app({"land": "rosenbrock", "opt": "adam"})
    by_hand.select_slider(key=ps.run_key(0, "lr")).set_value(0.1).run()
    by_hand.button(key="dup0").click().run()
    by_hand.select_slider(key=ps.run_key(1, "lr")).set_value(0.01).run()
    by_hand.text_input(key=ps.run_key(1, "label")).input("slow Adam").run()
    by_hand.number_input(key=ps.START_X).set_value(-1.0).run()
    by_hand.number_input(key=ps.START_Y).set_value(2.5).run()
    by_hand.slider(key=ps.STEPS).set_value(300).run()
    assert errors(by_hand) == []

    a, b = figures(from_url)[0], figures(by_hand)[0]
    for name in ("Adam", "slow Adam"):
        np.testing.assert_array_equal(path_of(a, name), path_of(b, name))
    direct = simulate("rosenbrock", [("adam", {"lr": 0.1}), ("adam", {"lr": 0.01})], start=(-1, 2.5), steps=300)
    np.testing.assert_allclose(path_of(a, "slow Adam"), direct[1].path, rtol=1e-6)
    assert dict(by_hand.query_params.items()) == query


def test_garbage_url_shows_notice_and_defaults():
    at = run_app(
        {
            "land": "atlantis",
            "opt": "sgd,warp_drive",
            "o1.lr": "NaN",
            "steps": "1e99",
            "start": "inf,0",
            "zzz": "<script>alert(1)</script>",
            "o1.schedule": "sometimes",
        }
    )
    assert errors(at) == []
    assert len(at.warning) == 1
    notice = at.warning[0].value
    for bad in ("atlantis", "warp_drive", "o1.lr", "steps", "start", "zzz", "o1.schedule"):
        assert escape_markdown(bad) in notice
    fig = figures(at)[0]
    default = Scenario.default()
    (sgd,) = simulate(default.landscape, "sgd", start=default.start, steps=default.steps)
    np.testing.assert_allclose(path_of(fig, "SGD"), sgd.path, rtol=1e-6)


def test_landscape_change_resets_start_and_keeps_optimizers():
    at = run_app()
    at.selectbox(key=ps.LAND).set_value("rosenbrock").run()
    assert errors(at) == []
    land = resolve_landscape("rosenbrock")
    assert (at.number_input(key=ps.START_X).value, at.number_input(key=ps.START_Y).value) == tuple(land.starts[0])
    assert at.query_params["land"] == "rosenbrock"
    assert at.multiselect(key=ps.OPTS).value == ["sgd", "momentum", "rmsprop", "adam"]


def test_map_click_moves_start():
    seeded = {ps.LAND: "rosenbrock", ps.FORMULA: "x**2", ps.DOMAIN: DEFAULT_DOMAIN}
    state = {**seeded, "chart": {"selection": {"points": [{"x": 0.5, "y": -0.25, "curve_number": 3}]}}}
    ps.on_map_select(state, "chart")
    assert (state[ps.START_X], state[ps.START_Y]) == (0.5, -0.25)
    outside = {**seeded, "chart": {"selection": {"points": [{"x": 50.0, "y": 0.0}]}}}
    ps.on_map_select(outside, "chart")
    assert ps.START_X not in outside


def test_duplicate_and_remove_runs():
    at = run_app({"opt": "adam"})
    at.button(key="dup0").click().run()
    labels = [t.get("name") for t in figures(at)[0]["data"] if t.get("mode") == "lines"]
    assert labels.count("Adam") == 1 and "Adam #2" in labels
    at.button(key="rm1").click().run()
    labels = [t.get("name") for t in figures(at)[0]["data"] if t.get("mode") == "lines"]
    assert "Adam #2" not in labels and errors(at) == []


def test_figure_for_8_runs_x_1000_steps_fits_budget():
    keys = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lion"]
    runs = simulate("rosenbrock", keys, start=(-1.5, 2.0), steps=1000)
    land = resolve_landscape("rosenbrock")
    fig = path_figure(land, land.resolve(), runs, (-1.5, 2.0))
    size = len(json.dumps(fig))
    assert size < 1.5e6, f"figure is {size / 1e6:.2f} MB"
    assert all(t.get("type") != "contour" for f in fig["frames"] for t in f["data"]), "contour never in frames"
    assert all(len(f["traces"]) == len(f["data"]) for f in fig["frames"])
    # the last frame shows every path at full resolution
    last = fig["frames"][-1]["data"]
    assert len(last[0]["x"]["bdata"]) == len(fig["data"][fig["frames"][-1]["traces"][0]]["x"]["bdata"])


@pytest.mark.parametrize("steps", [10, 5000])
def test_extreme_settings_show_divergence_not_a_crash(steps):
    at = run_app({"steps": str(steps), "o1.lr": "10"})
    assert errors(at) == []
    table = at.dataframe[0].value
    sgd = table[table["optimizer"] == optimizers.get("sgd").name].iloc[0]
    assert sgd["diverged at step"] != "—", "SGD at lr 10 on the default surface diverges and the table says when"


def test_link_text_is_shown_literally_not_as_markdown():
    at = run_app({"![x](https://evil.example/p.png)": "1", "o1.label": "[Log in](https://evil.example)"})
    assert errors(at) == []
    notice = at.warning[0].value
    assert "![x](" not in notice and "\\!\\[x\\]" in notice
    assert all("[Log in](" not in m.value for m in at.markdown)


def test_removing_a_middle_run_keeps_each_runs_own_settings():
    at = run_app({"opt": "sgd,adam,momentum", "o2.schedule": "step", "o2.decay_every": "300"})
    at.button(key="rm0").click().run()
    assert errors(at) == []
    assert at.query_params["opt"] == "adam,momentum"
    assert at.query_params["o1.decay_every"] == "300" and "o2.decay_every" not in at.query_params


def test_deselecting_every_optimizer_is_refused():
    at = run_app({"opt": "adam"})
    at.multiselect(key=ps.OPTS).set_value([]).run()
    assert errors(at) == []
    assert at.multiselect(key=ps.OPTS).value == ["adam"] and at.query_params["opt"] == "adam"


def test_switching_clipping_on_shows_the_threshold_in_use():
    at = run_app({"opt": "sgd"})
    at.toggle(key=ps.run_key(0, "clip_on")).set_value(True).run()
    assert errors(at) == []
    assert at.query_params["o1.clip_norm"] == "1"
    assert at.slider(key=ps.run_key(0, "clip_norm")).value == 1.0


def test_custom_surface_start_survives_the_link():
    query = {"land": "custom", "f": "x**2 + y**2", "dom": "-2,2,-2,2", "start": "-1.5,1.5"}
    at = run_app(query)
    assert errors(at) == [] and not at.warning
    assert (at.number_input(key=ps.START_X).value, at.number_input(key=ps.START_Y).value) == (-1.5, 1.5)
    assert at.query_params["start"] == "-1.5,1.5"
    scenario, ignored = from_query(dict(at.query_params.items()))
    assert ignored == [] and scenario.start == (-1.5, 1.5)


def test_custom_formula_from_the_link_and_the_form():
    at = run_app({"land": "custom", "f": "sin(x)*cos(y) + 0.1*(x**2+y**2)", "dom": "-4,4,-3,3", "opt": "adam"})
    assert errors(at) == [] and not at.warning
    fig = figures(at)[0]
    assert fig["layout"]["xaxis"]["range"] == [-4.0, 4.0] and fig["layout"]["yaxis"]["range"] == [-3.0, 3.0]
    path = path_of(fig, optimizers.get("adam").name)
    surface = custom_landscape("sin(x)*cos(y) + 0.1*(x**2+y**2)", ((-4, 4), (-3, 3)))
    (direct,) = simulate(surface, "adam", start=tuple(path[0]), steps=len(path) - 1)
    np.testing.assert_allclose(path, direct.path, rtol=1e-6)

    at.text_input(key=ps.FORMULA_INPUT).input("x**2 + 3*y**2")
    at.button[0].click()  # the form's Apply button
    at.run()
    assert errors(at) == []
    assert at.query_params["f"] == "x**2 + 3*y**2"

    at.text_input(key=ps.FORMULA_INPUT).input("__import__('os').system('echo hacked')")
    at.button[0].click()
    at.run()
    assert errors(at) == []
    assert len(at.error) == 1 and escape_markdown("x**2 + 3*y**2") in at.error[0].value, "the previous surface stays"
    assert at.query_params["f"] == "x**2 + 3*y**2"


def test_bad_formula_in_link_falls_back_with_notice():
    at = run_app({"land": "custom", "f": "open('/etc/passwd')", "dom": "1,0,0,1"})
    assert errors(at) == []
    notice = at.warning[0].value
    assert "f=" in notice and "dom=" in notice
    assert figures(at)[0]["layout"]["xaxis"]["range"] == list(DEFAULT_DOMAIN[0])


def test_a_label_cannot_inject_hover_placeholders():
    runs = simulate("rosenbrock", [("sgd", {})], steps=20)
    runs[0] = replace(runs[0], label="%{x} <b>bold</b>")
    land = resolve_landscape("rosenbrock")
    fig = path_figure(land, land.resolve(), runs, (-1.5, 2.0))
    for trace in fig["data"]:
        assert "%{x} <b>" not in trace.get("hovertemplate", ""), "labels never enter a hovertemplate"
        if trace.get("legendgroup") == "run0" and trace.get("mode") == "lines":
            assert trace["name"] == "%{x} &lt;b&gt;bold&lt;/b&gt;"
