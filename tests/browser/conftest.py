"""Browser tests: the real app served by ``streamlit run``, driven in Debian's Chromium by Playwright.

One server and one browser serve the whole session (starting them is the slow part); every
test gets fresh browser contexts, hence fresh Streamlit sessions. Each page a test opens is
watched: a console error or an uncaught page error fails the test. Screenshots of each
test's final state go to ``artifacts/browser/`` (git-ignored) for a human to look at.

Without Chromium (``apt-get install -y chromium``) the tests skip with the reason, except in
CI (``CI=true``), where a missing browser is a broken environment and fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.pw_helpers import ARTIFACTS, SERVER_FLAGS, VIEWPORT, BrowserSession


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``browser`` marker (deselect these tests with ``-m 'not browser'``)."""
    config.addinivalue_line("markers", "browser: runs the app in headless Chromium (needs /usr/bin/chromium)")


def in_ci() -> bool:
    """Whether we run in CI, where a missing browser must fail the tests instead of skipping them."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_chromium() -> None:
    """Skip (or, in CI, fail) unless Playwright and the system Chromium are both available."""
    from e2e.browser import chromium_path

    try:
        import playwright.sync_api  # noqa: F401

        chromium_path()
    except (ImportError, FileNotFoundError) as err:
        message = f"browser tests need Playwright and Debian's Chromium (apt-get install -y chromium): {err}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of the app, served for the whole test session (log: artifacts/browser/server.log)."""
    require_chromium()
    from e2e.server import streamlit_server

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(log=ARTIFACTS / "server.log", extra_args=SERVER_FLAGS) as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (the system build; Playwright never downloads one)."""
    require_chromium()
    from e2e.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def session(browser: Any, app_url: str, request: pytest.FixtureRequest) -> Iterator[BrowserSession]:
    """A fresh browser context for one test; fails the test on any console or page error.

    The context may read and write the clipboard (the Copy link button). At the end, every
    page the test opened is screenshotted to ``artifacts/browser/<test>.png``.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    watched = BrowserSession(context=context, url=app_url)
    try:
        yield watched
        watched.screenshot(request.node.name)
    finally:
        context.close()
    if watched.errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(watched.errors), pytrace=False)


@pytest.fixture
def page(session: BrowserSession) -> Any:
    """A watched page of this test's :class:`BrowserSession`."""
    return session.new_page()
