"""Steps the browser tests share: open the Playground, nudge a run's learning rate, read the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e.browser import PATHS_JSON, PATIENCE_MS, paths_json, wait_map
from e2e.server import ROOT

ARTIFACTS = ROOT / "artifacts" / "browser"
VIEWPORT = {"width": 1500, "height": 2400}
"""Tall enough that the whole Playground fits: Streamlit scrolls inside its own container,
so a full-page screenshot of a short viewport would cut the page off."""

BENIGN_CONSOLE_ERRORS: tuple[tuple[str, str, str], ...] = (
    (
        r"status of 404",
        r"/[^/]+/_stcore/(health|host-config)$",
        "Opening a page by its own URL (/lesson-x), Streamlit's frontend first probes that path as the "
        "app's base path and only then the root; the probe's 404 is expected (streamlit/streamlit#7074).",
    ),
)
"""(message regex, resource URL regex, reason) of console errors to ignore. Chromium's
"Unrecognized feature" and iframe-sandbox notices are warnings, not errors, and need no entry.
Add a pattern only with the reason it is harmless."""

SERVER_FLAGS = ("--client.showErrorDetails=full",)
"""The deployed config hides exception details from viewers; a failing test's screenshot
should show them."""


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "page"


@dataclass
class BrowserSession:
    """Pages opened by one test, with every console and page error they reported."""

    context: Any
    url: str
    errors: list[str] = field(default_factory=list)
    pages: list[Any] = field(default_factory=list)

    def new_page(self) -> Any:
        """A new page in this test's context, watched for console errors and uncaught exceptions."""
        page = self.context.new_page()
        page.set_default_timeout(PATIENCE_MS)
        index = len(self.pages)

        def on_console(message: Any) -> None:
            where = message.location.get("url", "") if isinstance(message.location, dict) else ""
            if message.type == "error" and not is_benign(message.text, where):
                self.errors.append(f"page {index}: console error: {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page {index}: uncaught error: {error}"))
        self.pages.append(page)
        return page

    def screenshot(self, name: str) -> list[Path]:
        """Full-page screenshots of every open page: ``name.png``, ``name-2.png``, ..."""
        paths = []
        for i, page in enumerate(self.pages):
            if page.is_closed():
                continue
            path = ARTIFACTS / f"{slug(name)}{'' if i == 0 else f'-{i + 1}'}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        return paths


def is_benign(text: str, url: str) -> bool:
    """Whether a console error (its text and the URL it is about) matches :data:`BENIGN_CONSOLE_ERRORS`."""
    return any(re.search(message, text) and re.search(where, url) for message, where, _ in BENIGN_CONSOLE_ERRORS)


SIDEBAR_RUNS = "[data-testid='stSidebar'] [class*='st-key-pg-run-']"
"""The per-optimizer boxes in the sidebar (containers keyed ``pg-run-<id>``), in run order."""

EXCEPTION = "[data-testid='stException']"
ALERT = "[data-testid='stAlert']"
COPY_LINK = "[data-testid='copy-link']"


def open_playground(page: Any, base_url: str, query: str = "") -> None:
    """Load the Playground (the default page) and wait until its map is drawn."""
    page.goto(f"{base_url}/{query}")
    wait_map(page)


def first_run_label(page: Any) -> str:
    """The label of the first run, read from the title of its sidebar box ("● 1. SGD" -> "SGD")."""
    title = page.locator(SIDEBAR_RUNS).first.locator("[data-testid='stHtml']").first.inner_text()
    return re.sub(r"^\W*\d+\.\s*", "", title).strip()


def lr_thumb(page: Any) -> Any:
    """The lr slider of the first run (always shown, outside the run's "More settings" expander).

    Streamlit 1.67 draws sliders with react-aria: the thumb is an ``<input type=range>``
    whose role is implicit, so it is found by role and accessible name, not ``[role=slider]``.
    """
    return page.locator(SIDEBAR_RUNS).first.get_by_role("slider", name=re.compile(r"^lr\b"))


def nudge_lr(page: Any, key: str = "ArrowRight", timeout_ms: float = PATIENCE_MS) -> str:
    """Press ``key`` on the first run's lr slider and wait until the drawn paths change.

    Returns the slider's new value text. Waiting on the chart's data (not only on the
    script state) makes sure the new figure has reached Plotly, not just the server.
    """
    before = paths_json(page)
    thumb = lr_thumb(page)
    old = thumb.get_attribute("aria-valuetext")
    thumb.focus()
    page.keyboard.press(key)
    page.wait_for_function(f"prev => ({PATHS_JSON})() !== prev", arg=before, timeout=timeout_ms)
    wait_map(page, timeout_ms)
    new = thumb.get_attribute("aria-valuetext")
    assert new != old, f"the lr slider did not move ({old!r})"
    return new


def copy_link_button(page: Any) -> Any:
    """The Copy link button, inside the srcdoc iframe that ``st.iframe`` draws."""
    return page.frame_locator("iframe[data-testid='stIFrame']").locator(COPY_LINK)


def number_input(page: Any, label: str) -> Any:
    """The ``<input>`` of the sidebar number input labelled ``label``."""
    return page.locator(f"[data-testid='stNumberInput'] input[aria-label='{label}']")
