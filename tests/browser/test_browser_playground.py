"""The Playground in a real browser: sliders redraw, Play animates, clicks move the start, links reproduce."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from charts.paths import GRID_TRACE
from e2e.browser import MAP_PLOT, PATIENCE_MS, paths_json, run_paths, wait_map
from tests.browser.pw_helpers import (
    EXCEPTION,
    BrowserSession,
    copy_link_button,
    first_run_label,
    nudge_lr,
    number_input,
    open_playground,
)

pytestmark = pytest.mark.browser

ANIMATION_STATE = f"""label => {{
  const p = {MAP_PLOT};
  const head = p._fullData.find(t => t.name === label + ' now');
  return {{active: p._fullLayout.sliders[0].active, head: Array.from(head.x).concat(Array.from(head.y))}};
}}"""
"""JS: the step slider's active frame and the first run's head marker (x, y)."""

BACKGROUND = f"""() => {{
  const p = {MAP_PLOT};
  return p.querySelectorAll('.contourlayer path, .heatmaplayer image, .imagelayer image').length;
}}"""
"""JS: how many SVG items draw the map's loss surface right now: contour paths, or a heatmap or
layout image if the chart moves to one of those (0 = the surface is gone)."""

GRID_POINT = f"""([trace, fx, fy]) => {{
  const p = {MAP_PLOT};
  const grid = p._fullData[trace], xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
  const [x0, x1] = xa.range, [y0, y1] = ya.range;
  const tx = x0 + fx * (x1 - x0), ty = y0 + fy * (y1 - y0);
  let best = 0;
  for (let i = 0; i < grid.x.length; i++)
    if (Math.hypot(grid.x[i] - tx, grid.y[i] - ty) < Math.hypot(grid.x[best] - tx, grid.y[best] - ty)) best = i;
  const box = p.getBoundingClientRect();
  return {{name: grid.name, x: grid.x[best], y: grid.y[best],
          px: box.left + xa._offset + xa.l2p(grid.x[best]), py: box.top + ya._offset + ya.l2p(grid.y[best])}};
}}"""
"""JS: the click-grid marker nearest to a fraction (fx, fy) of the axis ranges, and its viewport pixel."""


def query_of(url: str) -> dict[str, list[str]]:
    """The parsed query string of ``url``."""
    return parse_qs(urlsplit(url).query)


def test_lr_slider_changes_the_drawn_path(page: Any, session: BrowserSession) -> None:
    """One ArrowRight on run 1's lr slider redraws run 1's path, leaves the others alone, updates the link."""
    open_playground(page, session.url)
    label = first_run_label(page)
    before = run_paths(page)
    value = nudge_lr(page)
    after = run_paths(page)
    assert label in before and label in after, f"no path named {label!r} in {sorted(before)}"
    assert before[label].shape == after[label].shape
    assert not np.allclose(before[label], after[label]), "the first run's path did not change"
    for name in before.keys() - {label}:
        np.testing.assert_array_equal(before[name], after[name], err_msg=f"{name} changed but its lr did not")
    assert query_of(page.url).get("o1.lr") == [value], "the new lr is in the address bar"
    assert page.locator(EXCEPTION).count() == 0


def test_play_advances_the_animation(page: Any, session: BrowserSession) -> None:
    """Pressing ▶ Play moves the step slider and the runs' head markers, and keeps moving them."""
    open_playground(page, session.url)
    label = first_run_label(page)
    start = page.evaluate(ANIMATION_STATE, label)
    page.locator(".updatemenu-button", has_text="Play").click()
    early = wait_for_frame_after(page, label, start["active"])
    late = wait_for_frame_after(page, label, early["active"])
    assert late["active"] > early["active"], f"the animation is not advancing: {early} then {late}"
    assert late["head"] != early["head"], "the head marker did not move"


def wait_for_frame_after(page: Any, label: str, active: int) -> dict[str, Any]:
    """The animation state once the step slider has left frame ``active`` (waits as long as the page needs)."""
    moved = f"([label, active]) => ({ANIMATION_STATE})(label).active !== active"
    page.wait_for_function(moved, arg=[label, active])
    return page.evaluate(ANIMATION_STATE, label)


def test_surface_stays_drawn_while_animating(page: Any, session: BrowserSession) -> None:
    """The loss surface under the paths (contour, or its raster underlay) is still drawn while Play runs.

    plotly.js drops a contour layer when only scatter traces animate; the map guards against that.
    """
    open_playground(page, session.url)
    assert page.evaluate(BACKGROUND) > 0
    label = first_run_label(page)
    start = page.evaluate(ANIMATION_STATE, label)
    page.locator(".updatemenu-button", has_text="Play").click()
    wait_for_frame_after(page, label, wait_for_frame_after(page, label, start["active"])["active"])
    assert page.evaluate(BACKGROUND) > 0, "the surface disappeared when the animation started"


def test_clicking_the_map_moves_the_start(page: Any, session: BrowserSession) -> None:
    """Clicking a click-grid dot sets start x/y to that dot, redraws from there and puts start= in the link."""
    open_playground(page, session.url)
    before = number_input(page, "start x").input_value(), number_input(page, "start y").input_value()
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    target = page.evaluate(GRID_POINT, [GRID_TRACE, 0.85, 0.1])  # lower right: away from paths and minima
    assert target["name"] == "click to start here", f"trace {GRID_TRACE} is {target['name']!r}"
    expected = f"{target['x']:.4f}", f"{target['y']:.4f}"
    assert expected != before
    page.mouse.click(target["px"], target["py"])
    page.wait_for_function(
        "want => want.every((value, i) => document.querySelector("
        "`[data-testid='stNumberInput'] input[aria-label='start ${'xy'[i]}']`)?.value === value)",
        arg=list(expected),
    )
    shown = number_input(page, "start x").input_value(), number_input(page, "start y").input_value()
    assert shown == expected, f"start inputs show {shown} after clicking {expected}"
    page.wait_for_function(
        f"([x, y]) => {{ const p = {MAP_PLOT}; const t = p && p._fullData.find(t => t.name === 'start');"
        " return t && Math.abs(t.x[0] - x) < 1e-4 && Math.abs(t.y[0] - y) < 1e-4; }",
        arg=[target["x"], target["y"]],
    )
    wait_map(page)
    first = run_paths(page)[first_run_label(page)][0]
    np.testing.assert_allclose(first, [target["x"], target["y"]], atol=1e-4, err_msg="the path does not start there")
    assert "start" in query_of(page.url), "the new start is in the address bar"


def test_copy_link_reproduces_the_scenario(page: Any, session: BrowserSession) -> None:
    """The Copy link URL, opened in a new page, draws bit-identical paths for every run."""
    open_playground(page, session.url)
    value = nudge_lr(page)
    button = copy_link_button(page)
    page.wait_for_function(
        "value => Array.from(document.querySelectorAll(\"iframe[data-testid='stIFrame']\"))"
        ".some(f => (f.contentDocument?.querySelector(\"[data-testid='copy-link']\")?.title || '')"
        ".includes('o1.lr=' + value))",
        arg=value,
    )
    link = button.get_attribute("title")
    assert query_of(link).get("o1.lr") == [value]
    button.click()
    page.wait_for_timeout(200)
    assert page.evaluate("navigator.clipboard.readText()") == link, "the button copied another URL"

    shared = session.new_page()
    shared.goto(link)
    wait_map(shared)
    assert shared.locator(EXCEPTION).count() == 0
    assert query_of(shared.url) == query_of(page.url), "the opened link settled on another scenario"
    original, reopened = paths_json(page), paths_json(shared)
    assert reopened == original, "the shared link draws different paths"
    assert len(run_paths(shared)) >= 2


def test_exports_download_what_the_page_shows(page: Any, session: BrowserSession) -> None:
    """After a slider move, both export buttons download the scenario and the paths now drawn."""
    open_playground(page, session.url)
    value = nudge_lr(page)
    label = first_run_label(page)
    drawn = run_paths(page)[label]

    def download(name: str) -> str:
        with page.expect_download(timeout=PATIENCE_MS) as info:
            page.get_by_role("button", name=name).click()
        return Path(info.value.path()).read_text()

    scenario = json.loads(download("Scenario (JSON)"))
    assert scenario["optimizers"][0]["lr"] == pytest.approx(float(value))
    rows = list(csv.DictReader(io.StringIO(download("Paths (CSV)"))))
    first = np.array([[float(r["x"]), float(r["y"])] for r in rows if r["optimizer"] == label])
    assert len(first) == scenario["steps"] + 1
    np.testing.assert_allclose(first[-1], drawn[-1], rtol=1e-6, atol=1e-6)
    assert page.locator(EXCEPTION).count() == 0
