"""The app-wide CSS: present on every page, and it only turns off Streamlit's stale fade."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.page_style import STALE_FADE_CSS


def _page() -> None:
    from ui.page_style import apply_page_style

    apply_page_style()


def test_page_style_is_one_style_only_html_element():
    """A style-only ``st.html`` goes to Streamlit's event container: it adds CSS, never room in the layout."""
    at = AppTest.from_function(_page).run()
    assert not at.exception
    bodies = [html.proto.body for html in at.get("html")]
    assert bodies == [f"<style>{STALE_FADE_CSS}</style>"]


def test_stale_elements_start_no_transition_and_stay_opaque():
    """Only Streamlit's stale elements are touched: no transition starts on them and they keep full opacity."""
    assert STALE_FADE_CSS.startswith('[data-stale="true"] {')
    assert "transition: none !important" in STALE_FADE_CSS and "opacity: 1 !important" in STALE_FADE_CSS
    assert "animation" not in STALE_FADE_CSS, "an animation in its place costs as much (see ui/page_style.py)"


def test_the_router_applies_it_before_any_page_runs():
    """app.py calls it right after the page config, so every page (and every rerun) gets it."""
    router = (Path(__file__).resolve().parent.parent / "app.py").read_text()
    assert router.index("apply_page_style()") < router.index("st.navigation(")
