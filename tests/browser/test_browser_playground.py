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

from e2e.browser import MAP_PLOT, PATIENCE_MS, paths_json, run_paths, wait_map
from tests.browser.pw_helpers import (
    EXCEPTION,
    PLAY,
    BrowserSession,
    assert_start_moved_to,
    click_empty_map,
    copy_link_button,
    domain_width,
    first_run_label,
    nudge_lr,
    number_input,
    open_playground,
)

pytestmark = pytest.mark.browser

ANIMATION_STATE = f"""label => {{
  const p = {MAP_PLOT};
  const head = p.dlDrawn.find(t => t.name === label + ' now'), step = document.querySelector('.dl-step');
  return {{active: Number(step.value), head: Array.from(head.x).concat(Array.from(head.y))}};
}}"""
"""JS: the map's step slider position (its animation frame) and the first run's head marker (x, y)."""

BACKGROUND = f"""() => {{
  const p = {MAP_PLOT};
  return p.querySelectorAll('.contourlayer path, .heatmaplayer image, .imagelayer image').length;
}}"""
"""JS: how many SVG items draw the map's loss surface right now: its layout image (the live map draws the
surface as one picture), or contour paths or a heatmap if the map moves to one of those (0 = the surface is gone)."""


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


RULES = """() => Array.from(document.querySelectorAll('[data-testid=run-rule]'), cell => ({
  title: cell.querySelector('.dl-rule-title').innerText,
  typeset: cell.querySelector('.dl-rule-math .katex') !== null,
  math: cell.querySelector('.dl-rule-math').innerText,
  tex: cell.querySelector('.dl-rule-math').dataset.tex,
}))"""
"""JS: each run's update-rule block: its title, whether KaTeX typeset it, its text and LaTeX."""


def test_update_rules_are_typeset_and_follow_the_slider(page: Any, session: BrowserSession) -> None:
    """The rules are typeset by KaTeX (not left as LaTeX text); an lr move changes only the first run's rule."""
    open_playground(page, session.url)
    page.wait_for_function(f"() => ({RULES})().length > 0 && ({RULES})().every(r => r.typeset)", timeout=PATIENCE_MS)
    before = page.evaluate(RULES)
    assert before[0]["title"].split(" — ")[0].strip("● ") == first_run_label(page)
    nudge_lr(page)
    page.wait_for_function(f"old => ({RULES})()[0].tex !== old && ({RULES})()[0].typeset", arg=before[0]["tex"])
    after = page.evaluate(RULES)
    assert after[0]["math"] != before[0]["math"], "the first rule's typeset text did not change"
    assert [r["tex"] for r in after[1:]] == [r["tex"] for r in before[1:]], "another run's rule changed"
    assert page.locator(EXCEPTION).count() == 0


def test_play_advances_the_animation(page: Any, session: BrowserSession) -> None:
    """Pressing ▶ Play moves the step slider and the runs' head markers, and keeps moving them."""
    open_playground(page, session.url)
    label = first_run_label(page)
    start = page.evaluate(ANIMATION_STATE, label)
    page.locator(PLAY).first.click()
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

    plotly.js dropped a contour layer when only scatter traces animated; the live map redraws paths over a
    layout image with ``Plotly.react``, which must keep that image too.
    """
    open_playground(page, session.url)
    assert page.evaluate(BACKGROUND) > 0
    label = first_run_label(page)
    start = page.evaluate(ANIMATION_STATE, label)
    page.locator(PLAY).first.click()
    wait_for_frame_after(page, label, wait_for_frame_after(page, label, start["active"])["active"])
    assert page.evaluate(BACKGROUND) > 0, "the surface disappeared when the animation started"


def test_clicking_the_map_moves_the_start(page: Any, session: BrowserSession) -> None:
    """Clicking an empty part of the map sets start x/y there (rounded to a thousandth of the domain), redraws
    every run from there and puts start= in the link."""
    open_playground(page, session.url)
    before = number_input(page, "start x").input_value(), number_input(page, "start y").input_value()
    url = page.url
    target = click_empty_map(page)  # lower right: away from paths and minima
    page.wait_for_function("url => location.href !== url", arg=url)
    wait_map(page)
    assert (number_input(page, "start x").input_value(), number_input(page, "start y").input_value()) != before
    assert_start_moved_to(page, target, domain_width(page))
    assert "start" in query_of(page.url), "the new start is in the address bar"


def test_copy_link_reproduces_the_scenario(page: Any, session: BrowserSession) -> None:
    """The Copy link URL, opened in a new page, draws bit-identical paths for every run."""
    open_playground(page, session.url)
    value = nudge_lr(page)
    button = copy_link_button(page)
    page.wait_for_function(
        "value => (document.querySelector(\"[data-testid='copy-link']\")?.title || '').includes('o1.lr=' + value)",
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
