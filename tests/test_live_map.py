"""The live map's data: families of paths, slider positions, the surface layer, JSON safety, callbacks."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

import landscapes
import optimizers
from charts.encoding import decode, typed
from charts.live_map import json_safe, split_figure
from charts.raster import banded_image
from core.param import Param
from engine.config import OptimizerRun, all_params
from engine.scenario import Scenario
from engine.scrub import kept_steps, path_family
from engine.simulate import simulate
from landscapes.custom import DEFAULT_DOMAIN
from ui import live_map as lm
from ui import playground_state as ps
from ui.param_widgets import log_grid, slider_positions
from ui.playground_view import family_scenario, playground_surface, scrub_payload


def test_kept_steps_are_even_and_keep_both_ends():
    assert kept_steps(500, 300)[[0, -1]].tolist() == [0, 500]
    assert len(kept_steps(500, 300)) == 300
    assert kept_steps(10, 300).tolist() == list(range(11)), "a short run keeps every step"
    gaps = np.diff(kept_steps(4990, 300))
    assert gaps.min() >= 16 and gaps.max() <= 17


@pytest.mark.parametrize(("key", "name"), [("sgd", "lr"), ("momentum", "momentum"), ("adam", "beta1")])
def test_every_path_of_a_family_is_the_engines_path_for_its_value(key, name):
    """What the map shows while dragging is never an interpolation: each path is simulate()'s for its value."""
    scenario = replace(Scenario(), runs=(OptimizerRun.build("sgd"), OptimizerRun.build(key)))
    values = [all_params(optimizers.get(key))[name].low, 0.01, 0.5, 0.9]
    family = path_family(scenario, 1, name, values, points=120)
    assert family.paths.shape == (4, 120, 2)
    for k, value in enumerate(values):
        run = replace(scenario.runs[1], values={**scenario.runs[1].values, name: value})
        (direct,) = simulate(scenario.surface, [run], start=scenario.start, steps=scenario.steps)
        np.testing.assert_allclose(family.paths[k], direct.path[family.indices], rtol=2e-5, atol=2e-5)
        assert family.diverged_at[k] == (-1 if direct.diverged_at is None else direct.diverged_at)


def test_a_diverging_value_is_marked_in_its_family():
    family = path_family(Scenario(), 0, "lr", [0.001, 1.0], points=50)
    assert family.diverged_at[0] == -1 and family.diverged_at[1] > 0


def test_log_slider_positions_are_the_sidebar_widgets_own_values():
    lr = all_params(optimizers.get("sgd"))["lr"]
    positions = slider_positions(lr)
    assert set(positions) <= set(log_grid(lr.low, lr.high))
    assert len(positions) == len(log_grid(lr.low, lr.high)) <= 64, "six decades keep all ten values per decade"
    wide = Param("w", "w", 1.0, 1e-9, 1e9, log=True)
    assert len(slider_positions(wide)) <= 64


def test_linear_and_integer_slider_positions_sit_on_the_widgets_steps():
    momentum = all_params(optimizers.get("momentum"))["momentum"]
    positions = slider_positions(momentum)
    assert positions[0] == momentum.low and positions[-1] == momentum.high
    steps = (positions - momentum.low) / 0.0001  # the sidebar slider's step for a range of 0.999
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-6)
    assert 32 <= len(positions) <= 64
    count = Param("n", "n", 3, 1, 200, integer=True)
    assert np.all(slider_positions(count) == np.round(slider_positions(count)))


def test_json_safe_names_the_bare_nan_and_lets_typed_arrays_carry_it():
    with pytest.raises(ValueError, match=r"data\.runs\[1\]\.diverged_at"):
        json_safe({"runs": [{"diverged_at": 3}, {"diverged_at": float("nan")}]})
    with pytest.raises(ValueError, match="inf"):
        json_safe([1.0, -math.inf])
    with pytest.raises(TypeError, match=r"data\.start\[0\] is a float32"):
        json_safe({"start": [np.float32(1.0)]})
    carried = typed(np.array([1.0, np.nan, np.inf, -np.inf]))
    json_safe({"xy": carried})
    back = decode(json.loads(json.dumps(carried, allow_nan=False)))
    assert back[0] == 1.0 and np.isnan(back[1]) and back[2] == np.inf and back[3] == -np.inf


def test_banded_picture_has_one_flat_colour_per_band_and_light_edges():
    """A ramp from 0 to 1 across 300 pixels in 30 bands: 30 band colours, lines only where bands meet."""
    xs = np.linspace(0, 1, 300)
    z = np.tile(xs, (10, 1))
    image = banded_image(xs, np.linspace(0, 1, 10), z, levels=30)
    import base64
    import zlib

    png = base64.b64decode(image["source"].split(",", 1)[1])
    raw = zlib.decompress(png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8])
    row = np.frombuffer(raw[1 : 1 + 300 * 3], np.uint8).reshape(300, 3).astype(int)
    brightness = row.sum(axis=1)
    interior = [i for i in range(300) if i % 10 in (4, 5)]  # band middles: no line
    middles = {tuple(row[i]) for i in interior}
    assert len(middles) == 30, "one flat colour per band"
    edges = [i for i in range(1, 300) if i % 10 == 0]
    lighter = [brightness[i] > max(brightness[i - 5], brightness[min(i + 4, 299)]) for i in edges]
    assert all(lighter), "a light line where two bands meet"


def test_surface_key_changes_with_what_the_surface_shows_only():
    land = landscapes.get("rosenbrock")
    a = playground_surface(land, land.resolve())
    assert playground_surface(land, land.resolve()).key == a.key
    other = {name: value * 1.5 for name, value in land.resolve().items()}
    assert playground_surface(land, other).key != a.key
    json_safe(a.payload())


def test_split_figure_keys_only_the_surface_part():
    figure = {"data": [{"type": "contour", "z": [[1, 2]]}, {"type": "scatter", "x": [0, 1]}], "layout": {}}
    surface, overlay = split_figure(figure, 1)
    moved = {**figure, "data": [figure["data"][0], {"type": "scatter", "x": [0, 2]}]}
    again, overlay2 = split_figure(moved, 1)
    assert again.key == surface.key and overlay != overlay2
    assert surface.layout["paper_bgcolor"] == "rgba(0,0,0,0)", "the dark theme travels with the layout"


# ----- the Playground's map slider --------------------------------------------------------------


def test_scrub_defaults_to_the_first_runs_lr_and_rejects_a_forged_choice():
    scenario = Scenario()
    payload = scrub_payload(scenario, None)
    assert payload["selected"] == "0.lr"
    assert scrub_payload(scenario, "9.lr<script>")["selected"] == "0.lr"
    assert scrub_payload(scenario, "1.momentum")["selected"] == "1.momentum"
    family = payload["family"]
    assert family["values"][payload["index"]] == pytest.approx(scenario.runs[0].values["lr"])
    assert {o["value"] for o in payload["options"]} >= {"0.lr", "1.lr", "1.momentum", "3.beta1"}


def test_committing_a_dragged_value_does_not_change_the_family():
    """Releasing at a value changes that setting only: the family across it stays, and is not resent."""
    scenario = Scenario()
    moved = replace(
        scenario, runs=(replace(scenario.runs[0], values={**scenario.runs[0].values, "lr": 0.02}), *scenario.runs[1:])
    )
    assert family_scenario(scenario, 0, "lr") == family_scenario(moved, 0, "lr")
    assert scrub_payload(scenario, None)["family_key"] == scrub_payload(moved, None)["family_key"]
    other = replace(scenario, start=(1.0, 1.0))
    assert scrub_payload(other, None)["family_key"] != scrub_payload(scenario, None)["family_key"]


def seeded_state() -> dict:
    state: dict = {}
    ps.start_session(state, {})
    ps.seed_widgets(state, state[ps.SCENARIO])
    return state


def test_a_committed_value_sets_the_sidebar_widget_and_nothing_else():
    state = seeded_state()
    ps.on_scrub_commit(state, "1.momentum", 0.5)
    assert state[ps.run_key(1, "momentum")] == 0.5
    before = dict(state)
    for target, value in [("7.lr", 0.1), ("0.nope", 0.1), ("x.lr", 0.1), ("0.lr", 1e9), ("0.lr", -1.0)]:
        ps.on_scrub_commit(state, target, value)
    assert state == before, "a stale or forged commit changes nothing"


def test_speed_menu_sets_only_known_speeds():
    state = seeded_state()
    ps.on_speed(state, 5)
    assert state[ps.SPEED] == 5
    ps.on_speed(state, 7)
    assert state[ps.SPEED] == 5


def test_map_click_outside_a_custom_domain_is_ignored():
    state = {ps.LAND: "custom", ps.FORMULA: "x**2", ps.DOMAIN: DEFAULT_DOMAIN}
    (_, x1), _ = DEFAULT_DOMAIN
    ps.on_map_click(state, x1 + 1, 0.0)
    assert ps.START_X not in state


def test_plotly_js_is_served_by_the_app_from_the_plotly_package(tmp_path, monkeypatch):
    monkeypatch.setattr(lm, "STATIC", tmp_path / "static")
    src = lm.plotly_src()
    served = tmp_path / "static" / src.rsplit("/", 1)[1]
    assert src.startswith("/app/static/plotly-") and src.endswith(".min.js")
    assert served.read_bytes() == lm.plotly_file().read_bytes()
    assert "://" not in src, "never a CDN"
