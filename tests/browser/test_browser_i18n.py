"""A Korean link in Chromium: the page shows Korean, and the share link keeps ``lang=ko``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from core.i18n import translator, use_language
from e2e.browser import wait_idle, wait_map
from tests.browser.pw_helpers import BrowserSession, copy_link_button

pytestmark = pytest.mark.browser


def test_korean_link_shows_korean_and_share_link_keeps_it(session: BrowserSession, page: Any) -> None:
    with use_language("ko"):
        title, sweeps = translator("app")("Playground"), translator("app")("Sweeps")
    assert title != "Playground"
    page.goto(f"{session.url}/?lang=ko&land=rosenbrock")
    wait_map(page)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert title in nav and sweeps in nav
    button = copy_link_button(page)
    button.wait_for()
    assert parse_qs(urlsplit(button.get_attribute("data-url")).query)["lang"] == ["ko"]
    assert parse_qs(urlsplit(page.url).query)["lang"] == ["ko"]
    page.locator("[data-testid='stSidebarNav'] a", has_text=sweeps).click()
    wait_idle(page)
    assert parse_qs(urlsplit(page.url).query).get("lang") == ["ko"]
    assert sweeps in page.locator("[data-testid='stMain']").inner_text() or sweeps in page.title()
