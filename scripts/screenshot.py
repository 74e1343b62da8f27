"""Start the app, open pages in headless Chromium and save full-page screenshots.

Usage: ``.venv/bin/python scripts/screenshot.py [OUT_DIR] [PATH?QUERY ...]``
(default: the Playground). Look at the PNGs: this is how the UI gets reviewed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from e2e.browser import CHARTS_DRAWN, LIVE_MAPS_DRAWN, PATIENCE_MS, chromium, wait_idle
from e2e.server import streamlit_server


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "artifacts/screenshots")
    targets = argv[1:] or ["/"]
    out.mkdir(parents=True, exist_ok=True)
    with streamlit_server(log=out / "server.log") as (url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 2400})
        for i, target in enumerate(targets):
            page.goto(url + target)
            wait_idle(page)
            for drawn in (CHARTS_DRAWN, LIVE_MAPS_DRAWN):
                page.wait_for_function(drawn, timeout=PATIENCE_MS)
            page.wait_for_timeout(500)
            name = out / f"{i:02d}-{target.strip('/').split('?')[0] or 'home'}.png"
            page.screenshot(path=str(name), full_page=True)
            print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
