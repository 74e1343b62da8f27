"""First visit of every page: from opening its URL to every chart drawn, in headless Chromium.

Run: ``.venv/bin/python -m benchmarks.first_visit [--baseline REV] [--repeats N] [PATH ...]``.

Each visit gets a new server process, as the first visitor after a deploy or restart does:
the script imports JAX and compiles the page's programs. The first visit of each page uses
an empty JAX compilation cache on disk (a fresh clone, CI, Community Cloud); the later
``--repeats`` reuse that cache (a restarted server, or the Docker image, whose cache was
warmed at build time). With ``--baseline REV`` the same visits are made to revision REV,
checked out in a temporary worktree, in the same run, so the two columns are comparable.
Prints, per page, the empty-cache time and the median and p95 of the warm-cache visits.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from e2e.browser import CHARTS_DRAWN, LIVE_MAPS_DRAWN, PATIENCE_MS, chromium, wait_idle
from e2e.server import ROOT, streamlit_server

CONTENT = "[data-testid='stMain'] [data-testid='stElementContainer']"


def page_paths(root: Path) -> list[str]:
    """URL paths of the pages that ``root``'s app.py routes (the default page is ``/``)."""
    text = (root / "app.py").read_text()
    return ["/"] + ["/" + p for p in re.findall(r'url_path="([^"]+)"', text)]


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """A temporary worktree of ``rev`` sharing this checkout's .venv."""
    with tempfile.TemporaryDirectory(prefix="descent-baseline-") as tmp:
        where = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(where), rev], cwd=ROOT, check=True)
        (where / ".venv").symlink_to(ROOT / ".venv")
        try:
            yield where
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(where)], cwd=ROOT, check=False)


def visit_seconds(browser, root: Path, path: str, cache: Path) -> float:
    """Seconds from opening ``path`` on a new server of ``root`` to every chart drawn."""
    env = {"DESCENT_LAB_JAX_CACHE": str(cache)}
    with streamlit_server(env=env, root=root) as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 2400})
        start = time.perf_counter()
        page.goto(url + path, wait_until="commit")
        page.wait_for_selector(CONTENT, timeout=PATIENCE_MS)
        wait_idle(page)
        page.wait_for_function(CHARTS_DRAWN, timeout=PATIENCE_MS)
        page.wait_for_function(LIVE_MAPS_DRAWN, timeout=PATIENCE_MS)
        elapsed = time.perf_counter() - start
        page.close()
    return elapsed


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def measure(browser, root: Path, paths: list[str], repeats: int) -> dict[str, tuple[float, list[float]]]:
    """Per path: the empty-cache visit and the warm-cache visits (seconds)."""
    out = {}
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="descent-jax-cache-") as cache:
            cold = visit_seconds(browser, root, path, Path(cache))
            warm = [visit_seconds(browser, root, path, Path(cache)) for _ in range(repeats)]
        out[path] = (cold, warm)
        median = statistics.median(warm)
        print(f"  {root.name:>10} {path:<32} empty cache {cold:6.2f} s, warm {median:6.2f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="URL paths (default: every page)")
    parser.add_argument("--baseline", help="a git revision to measure in the same run")
    parser.add_argument("--repeats", type=int, default=3, help="warm-cache visits per page")
    args = parser.parse_args()
    paths = args.paths or page_paths(ROOT)
    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(chromium())
        roots = {"now": ROOT}
        if args.baseline:
            roots = {"baseline": stack.enter_context(checkout(args.baseline)), **roots}
        results = {name: measure(browser, root, paths, args.repeats) for name, root in roots.items()}
    print(f"\nfirst visit, new server process, seconds (warm: median / p95 of {args.repeats})")
    header = "".join(f" | {name:>8} empty  warm med  p95" for name in results)
    print(f"{'page':<34}{header}")
    for path in paths:
        cells = ""
        for result in results.values():
            cold, warm = result.get(path, (float("nan"), [float("nan")]))
            cells += f" | {cold:14.2f} {statistics.median(warm):9.2f} {p95(warm):5.2f}"
        print(f"{path:<34}{cells}")


if __name__ == "__main__":
    main()
