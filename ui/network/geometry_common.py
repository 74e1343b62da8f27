"""What the three network geometry pages share: the share-link row and the link to a 2D analogue."""

from __future__ import annotations

import streamlit as st

from core.i18n import translator
from core.page_scenario import PageScenario
from ui.lesson import page_url
from ui.share import copy_link_button, share_url

_ = translator("network_geometry")


def links_row(scenario: PageScenario, analogue_url: str, analogue_label: str) -> None:
    """The share link of ``scenario`` (a copy button) beside a button to the page's 2D analogue (same language)."""
    left, right = st.columns([1, 3])
    with left:
        copy_link_button(share_url(scenario.to_query()), _("Copy link to this view"))
    with right:
        st.link_button(analogue_label, page_url(analogue_url), icon=":material/open_in_new:")
