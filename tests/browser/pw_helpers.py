"""Steps the browser tests share: open the Playground, nudge a run's learning rate, read the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from e2e.browser import MAP_PLOT as MAP_PLOT_JS
from e2e.browser import PATHS_JSON, PATIENCE_MS, paths_json, run_paths, wait_map
from e2e.server import ROOT

ARTIFACTS = ROOT / "artifacts" / "browser"
VIEWPORT = {"width": 1500, "height": 2400}
"""Tall enough that the whole Playground fits: Streamlit scrolls inside its own container,
so a full-page screenshot of a short viewport would cut the page off."""

BENIGN_CONSOLE_ERRORS: tuple[tuple[str, str, str], ...] = (
    (
        r"status of 404",
        r"/[^/]+/_stcore/(health|host-config)$",
        "Opening a page by its own URL (/lesson-x), Streamlit's frontend first probes that path as the "
        "app's base path and only then the root; the probe's 404 is expected (streamlit/streamlit#7074).",
    ),
)
"""(message regex, resource URL regex, reason) of console errors to ignore. Chromium's
"Unrecognized feature" and iframe-sandbox notices are warnings, not errors, and need no entry.
Add a pattern only with the reason it is harmless."""

SERVER_FLAGS = ("--client.showErrorDetails=full",)
"""The deployed config hides exception details from viewers; a failing test's screenshot
should show them."""


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "page"


@dataclass
class BrowserSession:
    """Pages opened by one test, with every console and page error they reported."""

    context: Any
    url: str
    errors: list[str] = field(default_factory=list)
    pages: list[Any] = field(default_factory=list)

    def new_page(self) -> Any:
        """A new page in this test's context, watched for console errors and uncaught exceptions."""
        page = self.context.new_page()
        page.set_default_timeout(PATIENCE_MS)
        index = len(self.pages)

        def on_console(message: Any) -> None:
            where = message.location.get("url", "") if isinstance(message.location, dict) else ""
            if message.type == "error" and not is_benign(message.text, where):
                self.errors.append(f"page {index}: console error: {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page {index}: uncaught error: {error}"))
        self.pages.append(page)
        return page

    def screenshot(self, name: str) -> list[Path]:
        """Full-page screenshots of every open page: ``name.png``, ``name-2.png``, ..."""
        paths = []
        for i, page in enumerate(self.pages):
            if page.is_closed():
                continue
            path = ARTIFACTS / f"{slug(name)}{'' if i == 0 else f'-{i + 1}'}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        return paths


def is_benign(text: str, url: str) -> bool:
    """Whether a console error (its text and the URL it is about) matches :data:`BENIGN_CONSOLE_ERRORS`."""
    return any(re.search(message, text) and re.search(where, url) for message, where, _ in BENIGN_CONSOLE_ERRORS)


SIDEBAR_RUNS = "[data-testid='stSidebar'] [class*='st-key-pg-run-']"
"""The per-optimizer boxes in the sidebar (containers keyed ``pg-run-<id>``), in run order."""

EXCEPTION = "[data-testid='stException']"
ALERT = "[data-testid='stAlert']"
COPY_LINK = "[data-testid='copy-link']"


def open_playground(page: Any, base_url: str, query: str = "") -> None:
    """Load the Playground (the default page) and wait until its map is drawn."""
    page.goto(f"{base_url}/{query}")
    wait_map(page)


def first_run_label(page: Any) -> str:
    """The label of the first run, read from the title of its sidebar box ("● 1. SGD" -> "SGD")."""
    title = page.locator(SIDEBAR_RUNS).first.locator("[data-testid='stHtml']").first.inner_text()
    return re.sub(r"^\W*\d+\.\s*", "", title).strip()


def lr_thumb(page: Any) -> Any:
    """The lr slider of the first run (always shown, outside the run's "More settings" expander).

    Streamlit 1.67 draws sliders with react-aria: the thumb is an ``<input type=range>``
    whose role is implicit, so it is found by role and accessible name, not ``[role=slider]``.
    """
    return page.locator(SIDEBAR_RUNS).first.get_by_role("slider", name=re.compile(r"^lr\b"))


def nudge_lr(page: Any, key: str = "ArrowRight", timeout_ms: float = PATIENCE_MS) -> str:
    """Press ``key`` on the first run's lr slider and wait until the drawn paths change.

    Returns the slider's new value text. Waiting on the chart's data (not only on the
    script state) makes sure the new figure has reached Plotly, not just the server.
    """
    before = paths_json(page)
    thumb = lr_thumb(page)
    old = thumb.get_attribute("aria-valuetext")
    thumb.focus()
    page.keyboard.press(key)
    page.wait_for_function(f"prev => ({PATHS_JSON})() !== prev", arg=before, timeout=timeout_ms)
    wait_map(page, timeout_ms)
    new = thumb.get_attribute("aria-valuetext")
    assert new != old, f"the lr slider did not move ({old!r})"
    return new


def copy_link_button(page: Any) -> Any:
    """The Copy link button (a components-v2 element in the page, no iframe)."""
    return page.locator(COPY_LINK)


def number_input(page: Any, label: str) -> Any:
    """The ``<input>`` of the sidebar number input labelled ``label``."""
    return page.locator(f"[data-testid='stNumberInput'] input[aria-label='{label}']")


# ----- the live map's own controls (ui/live_map.js) -----
# The Playground holds two live plots: the map, then the loss chart (drawn by the same component, its
# controls hidden). The map comes first: JS reads it with querySelector, locators with ``.first``.

MAP = "[data-testid='live-map-plot']"
"""The live map's plotly graph div."""
PLAY = "[data-testid='live-map-play']"
STEP_LABEL = "[data-testid='live-map-step']"
SCRUB_WHICH = ".dl-scrub-which"
SCRUB_RANGE = ".dl-scrub-range"
SCRUB_VALUE = "[data-testid='live-map-scrub-value']"
MAP_STATUS = "[data-testid='live-map'] [role='status']"
"""Where the map says it could not be drawn (empty while all is well)."""

MAP_POINT = f"""([fx, fy]) => {{
  const p = {MAP_PLOT_JS}, xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis, box = p.getBoundingClientRect();
  const x = xa.range[0] + fx * (xa.range[1] - xa.range[0]), y = ya.range[0] + fy * (ya.range[1] - ya.range[0]);
  const px = Math.round(box.left + xa._offset + xa.l2p(x)), py = Math.round(box.top + ya._offset + ya.l2p(y));
  return {{x, y, px, py, dx: Math.abs(xa.range[1] - xa.range[0]) / xa._length,
          dy: Math.abs(ya.range[1] - ya.range[0]) / ya._length}};
}}"""
"""JS: the data point at fractions (fx, fy) of the map's axis ranges, its viewport pixel (whole pixels, as a
mouse lands) and the data width of one pixel along each axis (``dx``, ``dy``)."""

MAP_TRACES = f"""() => {{ const p = {MAP_PLOT_JS};
  return p.data.filter(t => t.meta !== 'legend-entry').concat(p.dlDrawn || []).map(t => ({{
  type: t.type || 'scatter', mode: t.mode || null, name: t.name || null, group: t.legendgroup || null,
  visible: t.visible === undefined || t.visible === true,
  symbol: (t.marker && typeof t.marker.symbol === 'string') ? t.marker.symbol : null,
  x: Array.from(t.x || [], Number), y: Array.from(t.y || [], Number)}})); }}"""
"""JS: every trace the map draws now: type, mode, name, legend group, shown or not, marker symbol and points (plotly.js
draws the surface and the page's overlay; the map itself draws the runs and lists them in ``dlDrawn``)."""

WATCH_SCRIPT_RUNS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__scriptRuns = 0;
  new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__scriptRuns += 1; })
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
"""JS: count, from now on, every time the Streamlit script starts a run (in ``window.__scriptRuns``)."""


def map_point(page: Any, fx: float, fy: float) -> dict[str, float]:
    """:data:`MAP_POINT` for fractions ``fx``, ``fy`` of the map's axis ranges (the map scrolled into view first)."""
    page.locator(MAP).first.scroll_into_view_if_needed()
    return page.evaluate(MAP_POINT, [fx, fy])


def map_traces(page: Any) -> list[dict[str, Any]]:
    """:data:`MAP_TRACES`: the traces the map draws now."""
    return page.evaluate(MAP_TRACES)


def head(page: Any, run: int) -> dict[str, Any]:
    """The head marker of run ``run`` (0-based): its legend group's markers trace, as :data:`MAP_TRACES` reads it."""
    heads = [t for t in map_traces(page) if t["group"] == f"run{run}" and t["mode"] == "markers"]
    assert len(heads) == 1, f"run {run} has {len(heads)} head markers"
    return heads[0]


def start_marker(page: Any) -> tuple[float, float]:
    """Where the map's open ring (the trace named ``start``) sits."""
    (ring,) = [t for t in map_traces(page) if t["name"] == "start"]
    return ring["x"][0], ring["y"][0]


def step_label(page: Any) -> str:
    """The step the map's animation shows ("step 500")."""
    return page.locator(STEP_LABEL).first.inner_text()


def wait_playing(page: Any) -> None:
    """Wait until the map's animation is running (its button offers Pause)."""
    page.wait_for_function(f'() => document.querySelector("{PLAY}").textContent.includes("Pause")')


def wait_played(page: Any, last: str) -> None:
    """Wait until the animation has stopped on its last step (the step label reads ``last``, the button Play)."""
    page.wait_for_function(
        f'last => document.querySelector("{PLAY}").textContent.includes("Play")'
        f' && document.querySelector("{STEP_LABEL}").textContent === last',
        arg=last,
    )


def record_sent_frames(page: Any) -> list[int]:
    """Sizes of the websocket messages ``page`` sends from now on (call it before ``goto``)."""
    sent: list[int] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(len(frame or ""))))
    return sent


EMPTY = (0.8537, 0.1213)
"""A fraction of the axis ranges where the default Playground map has no path or marker (lower right),
deliberately off any round number so that rounding the clicked start shows."""


def link_query(url: str) -> dict[str, str]:
    """The query string of ``url``, one value per key."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def domain_width(page: Any) -> float:
    """The larger side of the shown surface's domain, read from the scenario in the page's link."""
    from engine.scenario import from_query  # here: importing the engine (JAX) is slow, and most tests need none

    (x0, x1), (y0, y1) = from_query(link_query(page.url))[0].surface.domain
    return max(x1 - x0, y1 - y0)


def click_empty_map(page: Any, fraction: tuple[float, float] = EMPTY) -> dict[str, float]:
    """Click the map at ``fraction`` of its axis ranges (an area with no path); returns :func:`map_point`'s point."""
    target = map_point(page, *fraction)
    page.mouse.click(target["px"], target["py"])
    return target


def assert_start_moved_to(page: Any, target: dict[str, float], width: float) -> None:
    """The start ring, the start inputs, every run's first point and the link's ``start=`` all sit at the click,
    rounded to a thousandth of the domain's ``width`` (a power of ten)."""
    quantum = 10.0 ** np.floor(np.log10(width / 1000))
    link = link_query(page.url).get("start")
    assert link, f"no start= in the link {page.url}"
    texts = link.split(",")
    start = tuple(float(t) for t in texts)
    for value, want, pixel in zip(start, (target["x"], target["y"]), (target["dx"], target["dy"]), strict=True):
        assert abs(value - want) <= quantum / 2 + pixel, f"start {start} is not where the map was clicked ({want})"
        assert abs(value / quantum - round(value / quantum)) < 1e-6, f"start {value} is not rounded to {quantum}"
    for text in texts:
        assert len(text.partition(".")[2]) <= max(0, -int(np.log10(quantum))), f"the link spells start={link}"
    inputs = number_input(page, "start x").input_value(), number_input(page, "start y").input_value()
    assert inputs == tuple(f"{v:.4f}" for v in start), f"the start inputs show {inputs}, the link {link}"
    np.testing.assert_allclose(start_marker(page), start, atol=1e-9, err_msg="the start ring is elsewhere")
    for name, path in run_paths(page).items():
        np.testing.assert_allclose(path[0], start, atol=1e-6, err_msg=f"{name} does not start at the click")
