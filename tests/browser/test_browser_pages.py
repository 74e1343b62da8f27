"""Every page of the app loads cleanly in Chromium, and a garbage link shows one notice."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from e2e.browser import CHARTS_DRAWN, LIVE_MAPS_DRAWN, wait_idle, wait_map
from engine.scenario import DEFAULT_LANDSCAPE
from tests.browser.pw_helpers import ALERT, ARTIFACTS, EXCEPTION, BrowserSession, slug

pytestmark = pytest.mark.browser

NAV_LINKS = "[data-testid='stSidebarNav'] a"
VIEW_MORE = "[data-testid='stSidebarNavViewButton']"
CONTENT = "[data-testid='stMain'] [data-testid='stElementContainer']"
"""Any element drawn in the main area: the page has started to render."""
PARALLEL_TABS = 3


def discover_pages(page: Any, base_url: str) -> list[str]:
    """URL paths of every page in the app's navigation, read from the sidebar's nav links.

    Streamlit draws no navigation at all while the app has a single page; then the only
    page is the one the root URL lands on. A long navigation is expanded first ("View N
    more"). New pages are picked up without editing this test.
    """
    page.goto(base_url + "/")
    wait_idle(page)
    more = page.locator(VIEW_MORE)
    if more.count() and "more" in more.inner_text():
        more.click()  # a long navigation shows its first pages only, behind "View N more"
        page.wait_for_function(f"() => !document.querySelector(\"{VIEW_MORE}\").textContent.includes('more')")
    hrefs = page.eval_on_selector_all(NAV_LINKS, "links => links.map(a => a.href)")
    paths = [urlsplit(href).path or "/" for href in hrefs] or [urlsplit(page.url).path or "/"]
    return list(dict.fromkeys(paths))


def test_every_page_loads_without_errors(session: BrowserSession, page: Any) -> None:
    """Each page renders without an exception element (console errors fail via the fixture),
    and every chart on it is drawn: ``st.plotly_chart`` charts and live maps alike.

    Pages load a few at a time in parallel tabs, so that a growing list of lesson pages
    stays within the browser suite's time budget.
    """
    paths = discover_pages(page, session.url)
    assert paths, "no page found in the navigation"
    tabs = [page] + [session.new_page() for _ in range(min(PARALLEL_TABS, len(paths)) - 1)]
    for first in range(0, len(paths), len(tabs)):
        batch = list(zip(tabs, paths[first : first + len(tabs)], strict=False))  # the last batch may be short
        for tab, path in batch:
            tab.goto(session.url + path, wait_until="commit")
        for tab, path in batch:
            wait_idle(tab)
            tab.wait_for_selector(CONTENT)
            tab.wait_for_function(CHARTS_DRAWN)  # st.plotly_chart charts
            tab.wait_for_function(LIVE_MAPS_DRAWN)  # live maps (ui/live_map.js)
            wait_idle(tab)
            tab.screenshot(path=str(ARTIFACTS / f"page-{slug(path.strip('/') or 'home')}.png"), full_page=True)
            exceptions = tab.locator(EXCEPTION)
            assert exceptions.count() == 0, f"{path}: {exceptions.first.inner_text()}"


def test_garbage_url_shows_one_notice(session: BrowserSession, page: Any) -> None:
    """An invalid link falls back to the defaults, says so once, and raises nothing."""
    page.goto(session.url + "/?land=atlantis&o1.lr=NaN&zzz=%3Cscript%3E")
    wait_map(page)
    assert page.locator(EXCEPTION).count() == 0
    alerts = page.locator(ALERT)
    assert alerts.count() == 1, [alerts.nth(i).inner_text() for i in range(alerts.count())]
    notice = alerts.first.inner_text()
    for bad in ("atlantis", "o1.lr", "zzz"):
        assert bad in notice
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("land") == [DEFAULT_LANDSCAPE], "the link was rewritten to the scenario actually shown"
    assert "zzz" not in query and "o1.lr" not in query
