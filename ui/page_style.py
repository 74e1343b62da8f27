"""App-wide CSS: no "stale" fade. Starting it on every element cost each rerun a quarter of the browser's work.

While a script reruns, Streamlit marks every element it has not redrawn yet as stale and
starts an opacity transition on it (to a third, ``1s ease-in 0.5s``), then cancels it when the
element is redrawn. A Playground move reruns in about 0.2 s, so the fade never shows, yet
creating and cancelling those transitions (and the compositing layers they bring) cost the
browser's main thread on every move. Measured on the Playground, lr key press to new paths,
interleaved presses on this 2-core machine:

- Streamlit's fade in four steps (this module before): 214 ms, main thread 0.25 s per move;
- no fade: 163 ms, 0.18 s (a second run: 236 against 181 ms, 0.28 against 0.22 s);
- a CSS animation in its place (dims only after 0.5 s): 208 ms, 0.23 s: animations cost the same.

``benchmarks/live_map_bench.py --baseline 1eb1c8e`` measures this change alone: key press to new
paths 191 -> 142 ms (median; p95 256 -> 193), map click 180 -> 134 ms, renderer CPU per move
0.35 -> 0.24 s, main thread 0.21 -> 0.18 s (20 moves each, load average 1.0-2.4).

A rerun that takes long still shows that it is running: Streamlit's status in the top bar,
and every page's spinner around its costly builder.
"""

from __future__ import annotations

import streamlit as st

STALE_FADE_CSS = '[data-stale="true"] { transition: none !important; opacity: 1 !important; }'
"""Applies to Streamlit's stale elements only: no transition is started, and they keep full opacity."""


def apply_page_style() -> None:
    """Add the app-wide CSS to the page (a style-only ``st.html`` takes no room in the layout)."""
    st.html(f"<style>{STALE_FADE_CSS}</style>")
