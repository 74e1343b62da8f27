"""The Playground's animation downloads in a real browser: a click renders the GIF and the MP4 on the server."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from e2e.browser import PATIENCE_MS
from tests.browser.pw_helpers import EXCEPTION, BrowserSession, open_playground

pytestmark = pytest.mark.browser


def test_animation_buttons_download_a_gif_and_an_mp4(page: Any, session: BrowserSession) -> None:
    open_playground(page, session.url, "?steps=60")

    def download(name: str) -> tuple[str, bytes]:
        with page.expect_download(timeout=PATIENCE_MS) as info:
            page.get_by_role("button", name=name).click()
        return info.value.suggested_filename, Path(info.value.path()).read_bytes()

    name, gif = download("Download animation (GIF)")
    assert name == "descent-lab-himmelblau.gif"
    with Image.open(io.BytesIO(gif)) as image:
        assert image.format == "GIF" and image.n_frames > 10
    name, mp4 = download("Download animation (MP4)")
    assert name == "descent-lab-himmelblau.mp4" and mp4[4:8] == b"ftyp"
    assert page.locator(EXCEPTION).count() == 0
