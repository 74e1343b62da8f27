"""What one Streamlit element costs the browser on every rerun, changed or not, in real Chromium.

Usage::

    .venv/bin/python -m benchmarks.element_cost              # 16 key presses per variant
    .venv/bin/python -m benchmarks.element_cost --moves 24

Why it exists: the Playground's renderer CPU per slider move stayed well above what its map,
loss chart and tables need, and the cause is not in them. Streamlit's frontend draws every
element on the page again at each rerun (when the script starts and when it stops), also the
elements a fragment rerun leaves alone and whose content did not change. The cost therefore
grows with the number of elements on the page, and it is why the Playground draws its
headings and notes inside its components (``ui/live_map.py``, ``ui/run_panel.py``).

How: a tiny app (written to a temporary folder) has one select slider in the sidebar whose
change reruns one fragment that writes one line of text; each variant adds static elements
that never change, outside the fragment, as a page's headings, captions, widgets and layout
would be. One server and one page (its own browser context, hence its own renderer process)
per variant; the pages take turns, key press by key press (ArrowRight on the slider, the
order within each round alternating), so load from the rest of the machine hits all alike.

Figures per variant (median and p95 over ``--moves``): key press -> text changed (in-page
clock, from the key event's ``timeStamp``); the renderer process's CPU seconds from before
the press until the page has settled (script idle, 0.5 s quiet); the main thread's task time
(CDP ``Performance.getMetrics`` ``TaskDuration``). Below the table: the cost per added
element, (variant - bare) / elements, from the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from benchmarks.first_visit import p95
from benchmarks.live_map_bench import cpu_of, find_renderer, renderers
from e2e.browser import PATIENCE_MS, chromium, wait_idle
from e2e.server import streamlit_server

APP = """
import os
import streamlit as st

st.set_page_config(layout="wide")
VARIANT = os.environ["ELEMENT_VARIANT"]
with st.sidebar:
    st.select_slider("lr", options=[round(0.001 * 1.1**k, 6) for k in range(60)], key="lr",
                     on_change=lambda: st.rerun("view"))
    if VARIANT == "sliders":
        for i in range(15):
            st.slider(f"other {i}", 0, 10, 3, key=f"o{i}")
box = st.container(key="value")
if VARIANT == "markdown":
    for i in range(15):
        st.subheader(f"Heading {i}")
        st.caption("A static note that says something about the chart below it.")
if VARIANT == "html":
    for i in range(15):
        st.html(f"<h3>Heading {i}</h3>")
        st.html("<p>A static note that says something about the chart below it.</p>")
if VARIANT == "one markdown":
    st.markdown("\\n\\n".join(f"### Heading {i}\\n\\nA static note that says something about the chart below it."
                             for i in range(15)))
if VARIANT == "blocks":
    for i in range(5):
        st.columns(2)
        st.container(border=True)


@st.fragment(key="view")
def view():
    with box:
        st.markdown(f"value {st.session_state.lr}")


view()
"""
VARIANTS = {
    "bare": 0,
    "markdown": 30,  # 15 st.subheader + 15 st.caption
    "html": 30,  # the same text as 30 st.html
    "one markdown": 1,  # the same text as one st.markdown
    "sliders": 15,
    "blocks": 25,  # 5 x (st.columns(2): a row and two columns; a bordered container and its body)
}
"""Each variant and how many static elements (or layout blocks) it adds to the bare page."""
TEXT = ".st-key-value [data-testid=stMarkdown]"
SETTLE_S = 0.5


@dataclass
class Way:
    """One variant's page and what it measured."""

    name: str
    page: Any
    cdp: Any
    renderer: psutil.Process | None
    latency: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    task: list[float] = field(default_factory=list)


def open_way(browser: Any, name: str, url: str) -> Way:
    """Open the app at ``url`` in its own browser context and find its renderer process."""
    earlier = set(renderers())
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    page = context.new_page()
    page.goto(url + "/")
    wait_idle(page)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    return Way(name, page, cdp, find_renderer(page, earlier))


def task_seconds(way: Way) -> float:
    """The page's main-thread task time so far, seconds."""
    metrics = way.cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def press(way: Way, key: str) -> None:
    """Press ``key`` on the slider; record latency, renderer CPU and main-thread time until settled."""
    page = way.page
    page.get_by_role("slider", name="lr").focus()
    before = page.locator(TEXT).inner_text()
    cpu0, task0 = cpu_of(way.renderer), task_seconds(way)
    page.evaluate(
        "() => document.addEventListener('keydown', e => { window.__t0 = e.timeStamp }, {once: true, capture: true})"
    )
    page.keyboard.press(key)
    page.wait_for_function(
        f"old => document.querySelector('{TEXT}').innerText !== old && (window.__t1 = performance.now())",
        arg=before,
        timeout=PATIENCE_MS,
    )
    way.latency.append(page.evaluate("() => window.__t1 - window.__t0"))
    wait_idle(page)
    time.sleep(SETTLE_S)
    way.cpu.append(cpu_of(way.renderer) - cpu0)
    way.task.append(task_seconds(way) - task0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=16, help="key presses per variant")
    args = parser.parse_args()
    loads = [psutil.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        (root / "app.py").write_text(APP, encoding="utf-8")
        browser = stack.enter_context(chromium())
        ways = []
        for name in VARIANTS:
            url, _ = stack.enter_context(streamlit_server(root=root, env={"ELEMENT_VARIANT": name}))
            ways.append(open_way(browser, name, url))
        for i in range(args.moves):
            key = "ArrowRight" if (i // 8) % 2 == 0 else "ArrowLeft"
            for way in ways if i % 2 == 0 else ways[::-1]:
                press(way, key)
            loads.append(psutil.getloadavg()[0])
    print(
        f"\nelement cost: {psutil.cpu_count()} cores, load average {min(loads):.1f}-{max(loads):.1f}, "
        f"{args.moves} key presses per variant (median / p95)"
    )
    print(f"{'variant':14s} {'added':>5s} | {'latency ms':>15s} | {'renderer CPU s':>15s} | {'main thread s':>15s}")
    for way in ways:
        cells = [f"{statistics.median(v):6.3g} / {p95(v):6.3g}" for v in (way.latency, way.cpu, way.task)]
        print(f"{way.name:14s} {VARIANTS[way.name]:5d} | " + " | ".join(cells))
    bare = ways[0]
    print("\nper added element, from the medians (variant - bare) / added:")
    for way in ways[1:]:
        n = VARIANTS[way.name]
        cpu = (statistics.median(way.cpu) - statistics.median(bare.cpu)) / n * 1000
        lat = (statistics.median(way.latency) - statistics.median(bare.latency)) / n
        print(f"  {way.name:14s} renderer CPU {cpu:5.2f} ms, latency {lat:5.2f} ms")


if __name__ == "__main__":
    main()
