"""What every lesson page shares: the header and the Playground link.

A lesson's settings and its link live in its scenario (``ui/lessons/<lesson>.py``, drawn by
``ui/page_form.PageForm``); this module holds only what the pages show alike.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from core.i18n import link_query, translator
from engine.scenario import Scenario, to_query

_ = translator("app")


def lesson_header(title: str, explanation: str, formula: str | None = None) -> None:
    """Title, a short plain-English explanation and the formula the page is about."""
    st.title(title)
    st.markdown(explanation)
    if formula:
        st.latex(formula)


def playground_url(scenario: Scenario) -> str:
    """A link (relative to the app root) that opens ``scenario`` in the Playground, in the current language."""
    return "./?" + urlencode({**to_query(scenario), **link_query()})


def page_url(path: str) -> str:
    """A link to another page of the app (``"./saddles-and-minima"``) that keeps the current language."""
    query = link_query()
    return f"{path}?{urlencode(query)}" if query else path


def playground_link(scenario: Scenario, label: str | None = None) -> None:
    """A button that opens ``scenario`` (exactly) in the Playground."""
    st.link_button(label or _("Open in Playground"), playground_url(scenario), icon=":material/open_in_new:")
