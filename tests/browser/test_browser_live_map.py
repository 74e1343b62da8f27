"""The Playground's live map in a real browser: scrubbing, committing, clicking, playing, offline plotly.js.

The map is one plotly.js plot kept alive across reruns (``ui/live_map.js``). These tests
drive its own controls (the Drag row's slider, Play, clicks on the map) and check what it
draws against the engine itself: every path shown must be ``engine.simulate``'s path for
the value shown beside it, and dragging must never wait for the server.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from e2e.browser import MAP_DRAWS, MAP_PLOT, MAP_READY, paths_json, run_paths, wait_map
from engine.scenario import from_query
from engine.scrub import kept_steps
from tests.browser.pw_helpers import (
    ALERT,
    ARTIFACTS,
    EXCEPTION,
    MAP,
    MAP_STATUS,
    PLAY,
    SCRUB_RANGE,
    SCRUB_VALUE,
    SCRUB_WHICH,
    WATCH_SCRIPT_RUNS,
    BrowserSession,
    assert_start_moved_to,
    click_empty_map,
    domain_width,
    first_run_label,
    head,
    link_query,
    lr_thumb,
    map_traces,
    nudge_lr,
    open_playground,
    record_sent_frames,
    step_label,
    wait_played,
    wait_playing,
)

pytestmark = pytest.mark.browser

FLOAT32 = {"rtol": 2e-6, "atol": 2e-6}
"""Drawn paths travel as float32: equal to the engine's float32 paths up to float32 rounding."""
PLOTLY_JS = r"/plotly[^/]*\.js$/i.test(n)"
"""JS test of a resource URL ``n``: a plotly.js bundle."""
SET_SCRUB = """(el, k) => { el.value = String(k); el.dispatchEvent(new Event('input', {bubbles: true})); }"""
"""JS: move the Drag row's slider to position ``k`` as a drag does (an ``input`` event, no ``change``)."""


def engine_paths(query: dict[str, str]) -> dict[str, np.ndarray]:
    """Each run's path (by label) as the engine computes it (``Scenario.run``) for the scenario of ``query``."""
    scenario, ignored = from_query(query)
    assert not ignored, f"the query {query} was not taken as given: {ignored}"
    return {run.label: run.path for run in scenario.run()}


def scrub_value(page: Any) -> tuple[str, str]:
    """The Drag row's label beside its slider, as (setting, value text): ``"lr = 0.05"`` -> ``("lr", "0.05")``."""
    name, _, value = page.locator(SCRUB_VALUE).first.inner_text().partition(" = ")
    assert value, f"no value beside the map's slider: {name!r}"
    return name.strip(), value.strip()


def range_box(page: Any) -> dict[str, float]:
    """The Drag row's slider on screen (scrolled into view)."""
    slider = page.locator(SCRUB_RANGE).first
    slider.scroll_into_view_if_needed()
    return slider.bounding_box()


def test_dragging_the_map_slider_swaps_paths_without_a_rerun(page: Any, session: BrowserSession) -> None:
    """Holding the mouse on the Drag row's slider and moving it redraws the first run's path at each position,
    before any release: the Streamlit script never runs and the browser sends the server nothing."""
    sent = record_sent_frames(page)
    open_playground(page, session.url)
    assert page.locator(SCRUB_WHICH).first.input_value() == "0.lr", "the map's slider drags run 1's lr by default"
    label = first_run_label(page)
    url = page.url
    committed = run_paths(page)
    page.evaluate(WATCH_SCRIPT_RUNS)
    quiet = len(sent)

    box = range_box(page)
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.25 * box["width"], y)
    draws = page.evaluate(MAP_DRAWS)
    page.mouse.down()  # on the track: the thumb jumps there, as a drag's first step
    page.wait_for_function(f"n => ({MAP_DRAWS})() > n", arg=draws)
    seen: dict[str, np.ndarray] = {}
    for fraction in (0.15, 0.4, 0.6, 0.8):
        draws = page.evaluate(MAP_DRAWS)
        page.mouse.move(box["x"] + fraction * box["width"], y)
        page.wait_for_function(f"n => ({MAP_DRAWS})() > n", arg=draws)
        _, value = scrub_value(page)
        paths = run_paths(page)
        assert value not in seen, f"two positions of the slider both show lr = {value}"
        seen[value] = paths[label]
        for name in committed.keys() - {label}:
            np.testing.assert_array_equal(paths[name], committed[name], err_msg=f"{name} moved with run 1's lr")

    assert len(seen) == 4, f"four positions showed only the values {sorted(seen)}"
    drawn = [committed[label], *seen.values()]
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            assert a.shape != b.shape or not np.allclose(a, b), "two slider positions drew the same path"
    assert page.evaluate("window.__scriptRuns") == 0, "the script ran while the slider was held"
    assert sent[quiet:] == [], f"the browser sent {len(sent) - quiet} message(s) to the server during the drag"
    assert page.url == url, "the link changed before the slider was let go"


def test_releasing_the_map_slider_commits_the_engine_path(page: Any, session: BrowserSession) -> None:
    """Letting go of the Drag row's slider reruns with that value: the link and run 1's sidebar lr show it, and
    every drawn path equals ``engine.simulate`` for the scenario in the link."""
    open_playground(page, session.url)
    label = first_run_label(page)
    url = page.url
    box = range_box(page)
    y = box["y"] + box["height"] / 2
    committed = scrub_value(page)
    page.mouse.move(box["x"] + 0.3 * box["width"], y)
    for action in (page.mouse.down, lambda: page.mouse.move(box["x"] + 0.55 * box["width"], y)):
        draws = page.evaluate(MAP_DRAWS)
        action()
        page.wait_for_function(f"n => ({MAP_DRAWS})() > n", arg=draws)  # drawn for where the slider is now
    name, value = scrub_value(page)
    assert name == "lr" and (name, value) != committed, f"the drag did not leave lr = {value}"
    page.mouse.up()

    page.wait_for_function("url => location.href !== url", arg=url)
    wait_map(page)
    query = link_query(page.url)
    assert float(query["o1.lr"]) == float(value), f"released at lr = {value}, the link says {query.get('o1.lr')}"
    assert lr_thumb(page).get_attribute("aria-valuetext") == value, "the sidebar's lr slider did not follow"
    expected = engine_paths(query)
    steps = from_query(query)[0].steps
    page.wait_for_function(
        f"([name, n]) => {{ const p = {MAP_PLOT};"
        " const t = p && p.dlDrawn && p.dlDrawn.find(t => t.name === name && t.mode === 'lines');"
        " return !!t && t.x.length === n; }",
        arg=[label, steps + 1],
    )  # the exact path replaced the dragged family's thinned one
    drawn = run_paths(page)
    assert drawn.keys() == expected.keys()
    for run, path in expected.items():
        np.testing.assert_allclose(drawn[run], path, **FLOAT32, err_msg=f"{run} is not the engine's path")
    assert scrub_value(page) == (name, value), "the map's slider moved away from the committed value"
    assert page.locator(EXCEPTION).count() == 0


def test_dragged_path_is_the_engine_path_for_the_value_shown(page: Any, session: BrowserSession) -> None:
    """At each position of the Drag row's slider, the first run's drawn path is ``engine.simulate``'s path for the
    value printed beside the slider, at evenly spaced steps from the first to the last (no interpolation)."""
    open_playground(page, session.url)
    label = first_run_label(page)
    query = link_query(page.url)
    steps = from_query(query)[0].steps
    slider = page.locator(SCRUB_RANGE).first
    top = int(slider.get_attribute("max"))
    assert top >= 10, f"the map's slider has only {top + 1} positions"
    seen = set()
    for k in (3, top // 3, top // 2, top - 3):
        draws = page.evaluate(MAP_DRAWS)
        slider.evaluate(SET_SCRUB, k)
        page.wait_for_function(f"n => ({MAP_DRAWS})() > n", arg=draws)  # a draw after the event shows position k
        name, value = scrub_value(page)
        assert name == "lr" and value not in seen, f"position {k} shows lr = {value} again"
        seen.add(value)
        shown = run_paths(page)[label]
        engine = engine_paths({**query, "o1.lr": value})[label]
        kept = kept_steps(steps, len(shown))
        assert len(kept) == len(shown) and kept[0] == 0 and kept[-1] == steps
        # The family comes from one vmapped engine call, this from a single run: equal up to a few float32 ulps.
        np.testing.assert_allclose(
            shown, engine[kept], rtol=1e-5, atol=1e-5, equal_nan=True, err_msg=f"position {k}: not lr = {value}"
        )


def test_click_after_play_moves_the_start(page: Any, session: BrowserSession) -> None:
    """After ▶ Play has run to the last step, a click on an empty part of the map moves the start there (rounded
    to a thousandth of the domain) and the page logs no error: an earlier build threw
    "Cannot read properties of undefined (reading 'selectAll')" here."""
    open_playground(page, session.url)
    last = step_label(page)
    page.locator(PLAY).first.click()
    wait_playing(page)
    wait_played(page, last)
    url = page.url
    target = click_empty_map(page)
    page.wait_for_function("url => location.href !== url", arg=url)
    wait_map(page)
    assert_start_moved_to(page, target, domain_width(page))
    assert step_label(page) == last, "the map does not show the whole of the new paths"
    assert session.errors == []
    assert page.locator(EXCEPTION).count() == 0


def test_click_during_play_moves_the_start(page: Any, session: BrowserSession) -> None:
    """A click on the map while ▶ Play runs moves the start as well, the animation runs on to its last step, and the
    page logs no error."""
    open_playground(page, session.url)
    last = step_label(page)
    page.locator(PLAY).first.click()
    wait_playing(page)
    url = page.url
    target = click_empty_map(page)
    assert "Pause" in page.locator(PLAY).first.inner_text(), "the animation ended before the click: nothing tested"
    page.wait_for_function("url => location.href !== url", arg=url)
    wait_map(page)
    wait_played(page, last)
    assert_start_moved_to(page, target, domain_width(page))
    assert session.errors == []
    assert page.locator(EXCEPTION).count() == 0


def map_picture(page: Any) -> np.ndarray:
    """A screenshot of the map's graph div, as an RGB array."""
    return np.asarray(Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB"))


def trace_kinds(page: Any) -> list[tuple[Any, ...]]:
    """(type, mode, name, marker symbol) of every trace drawn, in order."""
    return [(t["type"], t["mode"], t["name"], t["symbol"]) for t in map_traces(page)]


def test_map_looks_the_same_after_play(page: Any, session: BrowserSession) -> None:
    """The map drawn once ▶ Play has ended is the map shown before it: the same traces, and the same picture up to
    a few antialiased pixels."""
    open_playground(page, session.url)
    last = step_label(page)
    before, kinds = map_picture(page), trace_kinds(page)
    paths = paths_json(page)
    page.locator(PLAY).first.click()
    wait_playing(page)
    wait_played(page, last)
    page.mouse.move(0, 0)  # nothing hovers the map in either picture
    after = map_picture(page)
    assert trace_kinds(page) == kinds
    assert paths_json(page) == paths, "the paths drawn after Play differ from those before it"
    assert after.shape == before.shape
    changed = np.any(np.abs(after.astype(int) - before.astype(int)) > 24, axis=2)
    if changed.mean() > 0.002:
        for name, picture in (("before", before), ("after", after), ("changed", changed.astype(np.uint8) * 255)):
            Image.fromarray(picture).save(ARTIFACTS / f"map-play-{name}.png")
        rows, cols = np.nonzero(changed)
        raise AssertionError(
            f"{changed.sum()} pixels ({changed.mean():.2%}) of the map changed after Play, in x {cols.min()}-"
            f"{cols.max()}, y {rows.min()}-{rows.max()} (see {ARTIFACTS}/map-play-*.png)"
        )


MAP_SURFACE = f"""() => {{
  const layout = {MAP_PLOT}.layout;
  return Array.from(window.__descentLabLiveMap.surfaces.values()).filter(s => s.layout === layout);
}}"""
"""JS: the cached surface layers whose layout the map draws with (one, while the map shows a layer it was sent)."""


def test_sidebar_move_keeps_the_surface_and_the_plot(page: Any, session: BrowserSession) -> None:
    """A sidebar lr move redraws the paths in the same plotly graph div, and the map's surface layer is not sent
    again: the browser's cache holds the same layer object (a resent layer would be a new one), and no more layers."""
    open_playground(page, session.url)
    assert len(page.evaluate(MAP_SURFACE)) == 1, "the map does not draw a cached surface layer"
    page.evaluate(f"() => {{ {MAP_PLOT}.__kept = true; ({MAP_SURFACE})()[0].__kept = true; }}")
    surfaces = page.evaluate("() => window.__descentLabLiveMap.surfaces.size")
    draws = page.evaluate(MAP_DRAWS)
    nudge_lr(page)
    assert page.evaluate(f"() => {MAP_PLOT}.__kept === true"), "the map was drawn into a new graph div"
    assert page.evaluate(MAP_DRAWS) > draws
    assert page.evaluate(f"() => ({MAP_SURFACE})().map(s => s.__kept === true)") == [True], "the layer was sent again"
    assert page.evaluate("() => window.__descentLabLiveMap.surfaces.size") == surfaces, "a surface layer was added"


def test_diverged_run_shows_an_x(page: Any, session: BrowserSession) -> None:
    """A link with a huge lr draws run 1's head as an x ("diverged") with no JSON error in the console."""
    open_playground(page, session.url, "?o1.lr=10")
    assert link_query(page.url).get("o1.lr") == "10", "the link's lr was not kept"
    marker = head(page, 0)
    assert marker["symbol"] == "x" and marker["name"].endswith("(diverged)"), marker
    assert all(np.isfinite(marker["x"] + marker["y"])), f"the x is drawn nowhere: {marker}"
    assert head(page, 1)["symbol"] == "circle", "run 2 (default lr) is marked as diverged"
    assert session.errors == []
    assert page.locator(EXCEPTION).count() == 0 and page.locator(ALERT).count() == 0


def test_plotly_js_comes_from_the_app(page: Any, session: BrowserSession) -> None:
    """With every request to another host refused, the map still draws, from a plotly.js the app serves itself,
    and the page tried no outside request at all.

    Streamlit's own chart module sets ``window.Plotly`` too when a page shows an ``st.plotly_chart``;
    it is held back until the map has drawn, so that the map cannot borrow it and must load its own.
    """
    app = urlsplit(session.url).netloc
    outside: list[str] = []
    held: list[Any] = []

    def gate(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).netloc != app:
            outside.append(url)
            route.abort()
        elif re.search(r"/static/js/PlotlyChart[^/]*\.js$", url):
            held.append(route)
        else:
            route.continue_()

    page.context.route("**/*", gate)
    page.goto(session.url + "/")
    page.wait_for_function(f'() => ({MAP_READY})() || !!document.querySelector("{MAP_STATUS}")?.textContent')
    status = page.locator(MAP_STATUS).first.inner_text()
    loaded = page.evaluate(f"() => performance.getEntriesByType('resource').map(e => e.name).filter(n => {PLOTLY_JS})")
    for route in held:
        route.continue_()
    assert status == "", f"the map says: {status}"
    assert outside == [], f"the page asked other hosts for {outside}"
    assert [urlsplit(url).netloc for url in loaded] == [app], f"the map's plotly.js came from {loaded}"
    wait_map(page)
    assert outside == [], f"the page asked other hosts for {outside}"


COUNT_PLOTLY_CALLS = """() => {
  const lib = window.__descentLabLiveMap.lib;
  window.__plotlyCalls = 0;
  for (const name of ['react', 'newPlot', 'restyle', 'relayout', 'update']) {
    const original = lib[name];
    lib[name] = function (...args) { window.__plotlyCalls += 1; return original.apply(this, args); };
  }
}"""
"""JS: count, from now on, every call the live maps make into plotly.js (in ``window.__plotlyCalls``)."""


def test_a_committed_move_redraws_the_runs_without_plotly_and_keeps_a_legend_choice(
    page: Any, session: BrowserSession
) -> None:
    """A sidebar lr move draws the engine's new paths as SVG in the plot (plotly.js is not called: it would
    redraw the whole plot), a run hidden from the legend stays hidden across the move, and hovering a drawn
    path names its run and step."""
    open_playground(page, session.url)
    label = first_run_label(page)
    others = [t["name"] for t in map_traces(page) if t["mode"] == "lines" and t["name"] != label]
    hidden = others[0]
    page.locator(MAP).first.locator(".legend .traces", has_text=hidden).first.locator(".legendtoggle").click()
    page.wait_for_function(
        f"name => {MAP_PLOT}.dlDrawn.some(t => t.name === name && t.mode === 'lines' && t.visible === false)",
        arg=hidden,
    )
    page.evaluate(COUNT_PLOTLY_CALLS)
    value = nudge_lr(page)
    assert page.evaluate("window.__plotlyCalls") == 0, "a move that changes only the paths called plotly.js"
    query = link_query(page.url)
    assert query["o1.lr"] == value
    drawn, expected = run_paths(page), engine_paths(query)
    for run, path in expected.items():
        np.testing.assert_allclose(drawn[run], path, **FLOAT32, err_msg=f"{run} is not the engine's path")
    lines = {t["name"]: t for t in map_traces(page) if t["mode"] == "lines"}
    assert lines[hidden]["visible"] is False and lines[label]["visible"] is True, "the legend choice was lost"
    shown = page.locator(f"{MAP} .dl-paths .dl-run")
    assert shown.nth(others.index(hidden) + 1).evaluate("g => getComputedStyle(g).display") == "none"

    # Hover the first run's point farthest from every other path: the tip names the run and that point's step.
    path = drawn[label]
    others_points = np.concatenate([p for name, p in drawn.items() if name != label])
    apart = [np.min(np.linalg.norm(others_points - point, axis=1)) for point in path]
    middle = int(np.argmax(apart))
    box = page.evaluate(
        f"""([x, y]) => {{ const p = {MAP_PLOT}, xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
          const b = p.getBoundingClientRect();
          return {{px: b.left + xa._offset + xa.l2p(x), py: b.top + ya._offset + ya.l2p(y)}}; }}""",
        [float(path[middle, 0]), float(path[middle, 1])],
    )
    page.mouse.move(box["px"], box["py"])
    tip = page.locator("[data-testid='live-map-tip']").first
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert text.startswith(f"{label} · step "), text
    step = int(re.search(r"step (\d+)", text).group(1))
    assert np.linalg.norm(path[step] - path[middle]) <= np.linalg.norm(path[-1] - path[0]) / 20, (
        f"the tip names step {step}, far from the hovered step {middle}"
    )
