"""App-wide CSS: Streamlit's "stale" fade in four steps instead of a frame-by-frame animation.

While a script reruns, Streamlit fades every element it has not redrawn yet to a third of
its opacity (``opacity 1s ease-in 0.5s``): nothing happens for runs shorter than half a
second, after that the page dims over one second. Without GPU compositing (headless
Chromium, virtual machines, browsers that fall back to software) every frame of that
animation repaints the whole viewport. Measured in the Playground (one headless Chromium
page, 1400 x 1800, reruns over 0.5 s): about 0.2 s of compositor CPU and 0.1 s of renderer
CPU per slider move, a quarter of the page's whole cost per move. In the 10-page browser
load test (every move slower than 0.5 s) the browser CPU per move fell from 1.26 s to
0.85 s; with 20 pages the starved compositor already dropped most of those frames.

Four steps keep Streamlit's timing (the same delay and duration) and end state (the page
still visibly dims while it is out of date), at four repaints instead of about sixty.
"""

from __future__ import annotations

import streamlit as st

STALE_FADE_CSS = '[data-stale="true"] { transition-timing-function: steps(4, end) !important; }'
"""Applies to Streamlit's stale elements only; their opacity, delay and duration stay Streamlit's."""


def apply_page_style() -> None:
    """Add the app-wide CSS to the page (a style-only ``st.html`` takes no room in the layout)."""
    st.html(f"<style>{STALE_FADE_CSS}</style>")
