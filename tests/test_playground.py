"""The Playground page, run headless with AppTest."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

import optimizers
from charts.live_map import json_safe, runs_payload
from engine.scenario import Scenario, from_query
from engine.simulate import resolve_landscape, simulate
from landscapes.custom import DEFAULT_DOMAIN, custom_landscape
from tests.apptest_helpers import errors, live_maps, map_figure, open_more_settings, path_of, run_app, send_trigger
from ui import playground_state as ps
from ui.markdown import escape_markdown
from ui.playground_view import playground_surface


def test_default_page_renders_four_runs():
    at = run_app()
    assert errors(at) == []
    fig = map_figure(at)
    names = {t.get("name") for t in fig["data"] if t.get("mode") == "lines"}
    assert {optimizers.get(k).name for k in ("sgd", "momentum", "rmsprop", "adam")} <= names
    assert fig["layout"]["images"][0]["source"].startswith("data:image/png;base64,"), "the surface is one picture"
    assert [t for t in fig["data"] if t.get("marker", {}).get("showscale")], "with a colour bar"
    assert not at.warning, "a clean URL shows no notice"
    assert at.query_params["opt"] == "sgd,momentum,rmsprop,adam"


def test_lr_slider_changes_the_drawn_path():
    at = run_app()
    before = path_of(map_figure(at), "SGD")
    slider = at.select_slider(key=ps.run_key(0, "lr"))
    slider.set_value(0.002).run()
    assert errors(at) == []
    after = path_of(map_figure(at), "SGD")
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
    # A run's setting, the start and the steps rerun only the view fragment; AppTest then holds only
    # the fragment's elements, so a full run brings back the sidebar's before the next interaction.
    by_hand.select_slider(key=ps.run_key(0, "lr")).set_value(0.1).run()
    open_more_settings(by_hand, 0)
    by_hand.button(key="dup0").click().run()
    by_hand.select_slider(key=ps.run_key(1, "lr")).set_value(0.01).run()
    open_more_settings(by_hand, 1)
    by_hand.text_input(key=ps.run_key(1, "label")).input("slow Adam").run()
    by_hand.number_input(key=ps.START_X).set_value(-1.0).run()
    by_hand.number_input(key=ps.START_Y).set_value(2.5).run()
    by_hand.slider(key=ps.STEPS).set_value(300).run()
    assert errors(by_hand) == []

    a, b = map_figure(from_url), map_figure(by_hand)
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
    fig = map_figure(at)
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
    state = dict(seeded)
    ps.on_map_click(state, 0.5, -0.25)
    assert (state[ps.START_X], state[ps.START_Y]) == (0.5, -0.25)
    outside = dict(seeded)
    ps.on_map_click(outside, 50.0, 0.0)
    assert ps.START_X not in outside


def test_map_click_is_rounded_to_a_thousandth_of_the_domain():
    """A pixel's coordinates (-3.0000004713, 1.99999952) go into the link as the point the reader meant."""
    state = {ps.LAND: "himmelblau", ps.FORMULA: "x**2", ps.DOMAIN: DEFAULT_DOMAIN}
    ps.on_map_click(state, -3.0000004713139488, 1.9999995286860521)
    assert (state[ps.START_X], state[ps.START_Y]) == (-3.0, 2.0)
    ps.on_map_click(state, 1.23456, -0.98765)
    assert (state[ps.START_X], state[ps.START_Y]) == (1.23, -0.99)


def test_duplicate_and_remove_runs():
    at = open_more_settings(run_app({"opt": "adam"}), 0)
    at.button(key="dup0").click().run()
    labels = [t.get("name") for t in map_figure(at)["data"] if t.get("mode") == "lines"]
    assert labels.count("Adam") == 1 and "Adam #2" in labels
    open_more_settings(at, 1).button(key="rm1").click().run()
    labels = [t.get("name") for t in map_figure(at)["data"] if t.get("mode") == "lines"]
    assert "Adam #2" not in labels and errors(at) == []


def test_map_data_for_8_runs_x_1000_steps_is_small_and_json_safe():
    """A rerun sends only the paths: float32, about 8 bytes per step per run in base64, and no bare NaN."""
    keys = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lion"]
    runs = simulate("rosenbrock", keys, start=(-1.5, 2.0), steps=1000)
    payload = runs_payload(runs, arrow_length=0.3)
    json_safe(payload)
    size = len(json.dumps(payload))
    assert size < 8 * 1001 * 8 * 4 / 3 * 1.1 + 60_000, f"paths are {size / 1e3:.0f} kB"
    land = resolve_landscape("rosenbrock")
    surface = len(json.dumps(playground_surface(land, land.resolve()).payload()))
    assert surface < 400_000, f"the surface layer is {surface / 1e3:.0f} kB"


def test_only_the_first_run_sends_the_surface_and_a_rerun_sends_only_paths():
    at = run_app()
    first = live_maps(at)[0]
    assert "surface" in first and first["surface_key"]
    at.select_slider(key=ps.run_key(0, "lr")).set_value(0.002).run()
    second = live_maps(at)[0]
    assert "surface" not in second, "the browser already holds the surface"
    assert second["surface_key"] == first["surface_key"]
    assert second["paths"] != first["paths"]
    at.run()  # the move reran only the view fragment (AppTest then holds only its elements)
    at.selectbox(key=ps.LAND).set_value("rosenbrock").run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"], "a new surface is sent once"


def test_a_runs_setting_reruns_only_the_view_and_a_surface_change_reruns_the_page():
    at = run_app()
    at.select_slider(key=ps.run_key(0, "lr")).set_value(0.002).run()
    assert errors(at) == []
    assert len(live_maps(at)) == 2, "the view (map and loss chart) was redrawn"
    assert at.query_params["o1.lr"] == "0.002", "the view fragment keeps the link in step"
    assert not at.selectbox, "the sidebar's widgets were not redrawn: only the view fragment ran"
    at.run()
    at.selectbox(key=ps.LAND).set_value("rosenbrock").run()
    assert at.selectbox(key=ps.LAND).value == "rosenbrock" and len(live_maps(at)) == 2


def test_link_text_is_shown_literally_not_as_markdown():
    at = run_app({"![x](https://evil.example/p.png)": "1", "o1.label": "[Log in](https://evil.example)"})
    assert errors(at) == []
    notice = at.warning[0].value
    assert "![x](" not in notice and "\\!\\[x\\]" in notice
    assert all("[Log in](" not in m.value for m in at.markdown)


def test_removing_a_middle_run_keeps_each_runs_own_settings():
    at = open_more_settings(run_app({"opt": "sgd,adam,momentum", "o2.schedule": "step", "o2.decay_every": "300"}), 0)
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
    at = open_more_settings(run_app({"opt": "sgd"}), 0)
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
    fig = map_figure(at)
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
    assert map_figure(at)["layout"]["xaxis"]["range"] == list(DEFAULT_DOMAIN[0])


def test_a_label_cannot_inject_hover_placeholders():
    runs = simulate("rosenbrock", [("sgd", {})], steps=20)
    runs[0] = replace(runs[0], label="%{x} <b>bold</b>")
    payload = runs_payload(runs, arrow_length=0.3)
    assert payload["runs"][0]["name"] == "%{x} &lt;b&gt;bold&lt;/b&gt;", "the label is escaped for plotly.js"


def test_map_click_commit_and_speed_reach_the_url_through_the_page():
    """The component's triggers go through the same widgets as the sidebar: one source of truth, one URL."""
    at = run_app()
    at = send_trigger(at, "click", {"x": -3.0000004, "y": 1.9999995})
    assert errors(at) == [] and at.query_params["start"] == "-3,2"
    (sgd,) = simulate("himmelblau", "sgd", start=(-3, 2), steps=500)
    np.testing.assert_allclose(path_of(map_figure(at), "SGD"), sgd.path, rtol=1e-6)

    at = send_trigger(at, "commit", {"id": "1.momentum", "value": 0.5})
    assert at.slider(key=ps.run_key(1, "momentum")).value == 0.5
    assert at.query_params["o2.momentum"] == "0.5"

    at = send_trigger(at, "speed", 10)
    assert at.select_slider(key=ps.SPEED).value == 10 and at.query_params["speed"] == "10"

    at = send_trigger(at, "commit", {"id": "0.lr", "value": "<script>"})
    assert errors(at) == [] and "o1.lr" not in at.query_params, "a forged value changes nothing"
