"""Debian's Chromium driven by Playwright, and waiting for a Streamlit page to settle."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator

import numpy as np

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

PATIENCE_MS = 300_000
"""How long any wait for the app may take before it counts as a failure.

A wait returns as soon as its condition holds, so a long limit costs nothing when the app
works; it only decides how long a broken page takes to fail. It must cover the slowest
honest case: the first visit of a page in a fresh server process (its programs compile)
on a 2-core machine that other work keeps busy, where 60 s limits were seen to run out.
"""


def chromium_path() -> str:
    """Path of the system Chromium (``apt-get install chromium``)."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError("Chromium is not installed: run `apt-get install -y chromium`")


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright Chromium browser (the system one, never a downloaded build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("[data-testid='stPlotlyChart']"))
  .every(chart => { const p = chart.querySelector('.js-plotly-plot'); return p && p._fullLayout; })"""
"""JS predicate: every Plotly chart on the page has been drawn by plotly.js."""

LIVE_MAPS_DRAWN = """() => Array.from(document.querySelectorAll("[data-testid='stBidiComponent']")).every(c => {
  if (c.querySelector("[data-testid='copy-link']")) return true;
  const p = c.querySelector("[data-testid='live-map-plot']");
  return !!p && !!p._fullLayout && Number(p.dataset.draws || 0) > 0;
})"""
"""JS predicate: every live map on the page (``ui/live_map.js``) has been drawn at least once.

It looks at every custom component the page holds (the live maps and the Copy link button), so a
map whose script has not run yet counts as not drawn: a check of the drawn plots alone would hold
for a page whose components had not mounted (an empty list). A page may hold ``st.plotly_chart``
charts, live maps, or both: wait for this and :data:`CHARTS_DRAWN` together (each holds when the
page has none of its kind).
"""


def wait_idle(page, timeout_ms: float = PATIENCE_MS) -> None:
    """Wait until the Streamlit script has finished its run and the page has painted."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout_ms)


# ----- reading the Playground's live map (ui/live_map.js) in the page -----

MAP_PLOT = "document.querySelector(\"[data-testid='live-map-plot']\")"
"""JS expression: the live map's graph div, or null."""

MAP_READY = f"() => {{ const p = {MAP_PLOT}; return !!p && !!p._fullLayout && Number(p.dataset.draws) > 0; }}"
"""JS predicate: the map has been drawn at least once."""

MAP_SHOWN = MAP_READY
"""JS predicate: the map has been drawn and is visible (the live map draws into the visible div it keeps)."""

MAP_DRAWS = f"() => {{ const p = {MAP_PLOT}; return p ? Number(p.dataset.draws || 0) : 0; }}"
"""JS function: how many times the live map has drawn (in full, or only the dragged path) since the page loaded."""

PATHS_JSON = f"""() => {{
  const p = {MAP_PLOT};
  if (!p || !p.dlDrawn) return null;
  const out = {{}};
  const plain = a => Array.from(a, v => Number.isFinite(v) ? v : String(v));
  for (const t of p.dlDrawn) {{
    if (t.mode !== 'lines' || (t.name in out) || !t.legendgroup || !t.legendgroup.startsWith('run')) continue;
    out[t.name] = {{x: plain(t.x), y: plain(t.y)}};
  }}
  return JSON.stringify(out);
}}"""
"""JS function: every run's drawn path (by name) as a JSON string of plain numbers.

The live map draws the runs itself (not as plotly.js traces) and lists what it drew in
``dlDrawn`` on its graph div, trace-like: ``{type, mode, name, legendgroup, x, y, visible}``.

Equal strings mean identical drawings (float32 values print exactly); a non-finite value is
written as the string ``"NaN"``/``"Infinity"``. While the animation plays, paths are drawn
only up to the current step.
"""


def wait_map(page, timeout_ms: float = PATIENCE_MS) -> None:
    """Wait until the script is idle and the animated map has been drawn."""
    wait_idle(page, timeout_ms)
    page.wait_for_function(MAP_READY, timeout=timeout_ms)


def paths_json(page) -> str:
    """The drawn run paths as :data:`PATHS_JSON` returns them (raises if there is no map)."""
    text = page.evaluate(PATHS_JSON)
    if text is None:
        raise AssertionError("no live map on the page")
    return text


def run_paths(page) -> dict[str, np.ndarray]:
    """The drawn path of each run, by trace name, as numpy arrays of shape (N, 2)."""
    return {
        name: np.stack([np.asarray(xy["x"], np.float64), np.asarray(xy["y"], np.float64)], axis=1)
        for name, xy in json.loads(paths_json(page)).items()
    }
