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


def wait_idle(page, timeout_ms: float = PATIENCE_MS) -> None:
    """Wait until the Streamlit script has finished its run and the page has painted."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout_ms)


# ----- reading the Playground's animated map (the Plotly graph div) in the page -----

MAP_PLOT = (
    "Array.from(document.querySelectorAll('.js-plotly-plot'))"
    ".find(p => p._fullLayout && p.layout && Array.isArray(p.layout.sliders) && p.layout.sliders.length)"
)
"""JS expression: the graph div of the animated map (the only chart with a step slider), or undefined."""

MAP_READY = f"() => !!({MAP_PLOT})"
"""JS predicate: the map has been drawn."""

MAP_SHOWN = f"() => {{ const p = {MAP_PLOT}; return !!p && p.style.visibility !== 'hidden'; }}"
"""JS predicate: the map has been drawn and is visible.

A figure that changed is drawn into a new graph div that Streamlit keeps hidden until it
knows the chart's width (then it draws it a second time), so new paths can be in the page
a few hundred milliseconds before anybody can see them.
"""

PATHS_JSON = f"""() => {{
  const p = {MAP_PLOT};
  if (!p) return null;
  const enc = v => (v && v.bdata !== undefined) ? {{dtype: v.dtype, bdata: v.bdata}} : Array.from(v || []);
  const out = {{}};
  for (const t of p.data) if (t.mode === 'lines' && !(t.name in out)) out[t.name] = {{x: enc(t.x), y: enc(t.y)}};
  return JSON.stringify(out);
}}"""
"""JS function: every run's drawn path (traces in ``lines`` mode, by name) as a JSON string.

Typed arrays stay base64 (``{dtype, bdata}``), so equal strings mean bit-identical paths, and
a changed string means a changed drawing. Read it before pressing Play: frames replace
``data`` with path prefixes while the animation runs.
"""


def wait_map(page, timeout_ms: float = PATIENCE_MS) -> None:
    """Wait until the script is idle and the animated map has been drawn."""
    wait_idle(page, timeout_ms)
    page.wait_for_function(MAP_READY, timeout=timeout_ms)


def paths_json(page) -> str:
    """The drawn run paths as :data:`PATHS_JSON` returns them (raises if there is no map)."""
    text = page.evaluate(PATHS_JSON)
    if text is None:
        raise AssertionError("no animated map on the page")
    return text


def run_paths(page) -> dict[str, np.ndarray]:
    """The drawn path of each run, by trace name, as numpy arrays of shape (N, 2)."""
    from charts.encoding import decode  # imports plotly: only when a test reads paths

    return {
        name: np.stack([decode(xy["x"]), decode(xy["y"])], axis=1) for name, xy in json.loads(paths_json(page)).items()
    }
