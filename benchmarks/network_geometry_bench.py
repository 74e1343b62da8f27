"""Network geometry pages: cold and warm default-view times, and the 41 x 41 slice.

Run: ``flock /tmp/descent-bench.lock .venv/bin/python -m benchmarks.network_geometry_bench [--repeats 3]``.

- **cold**: a fresh Python process runs the page's default view once (Streamlit's AppTest, the
  page script from its first import on); the time is that first run, imports of the page's
  modules and JAX compilation included. Measured twice: with the project's persistent compile
  cache as it is (filled by earlier runs or ``scripts/warm_cache.py``: the deployed state), and
  with an empty cache folder (the worst case: every program compiled).
- **warm, computed**: the same process, every program compiled, the page's Streamlit caches
  cleared before each run: the engine's work for the default view.
- **warm, cached**: a new session (a fresh AppTest) in the same process: what a second visitor
  to the default view waits for.
- **slice**: one 41 x 41 filter-normalized slice of the full training loss (1,681 losses over
  1,348 images) in one vmapped call, warm.

Prints median and p95 of the repeats. Measured on the shared 2-core machine (load average 2-3, 3 repeats,
seconds, median / p95; "empty cache" is one run):

| page | cold, cache filled | cold, empty cache | warm, computed | warm, cached |
|---|---|---|---|---|
| network-landscape | 3.22 / 3.28 | 6.1 | 0.54 / 0.56 | 0.073 / 0.073 |
| network-sharpness | 4.57 / 4.66 | 8.3 | 1.73 / 1.77 | 0.075 / 0.075 |
| network-batch-flatness | 5.57 / 5.57 | 12.1 | 1.70 / 1.77 | 0.072 / 0.079 |

The 41 x 41 slice: 0.177 / 0.181 s. ``scripts/warm_cache.py`` runs every page once, so a deployed
server starts in the "cache filled" column.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("network_landscape.py", "network_sharpness.py", "network_batch_flatness.py")


def run_page(page: str) -> float:
    """Seconds of one AppTest run of ``page``'s default view (raises if the page raised)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "views" / page), default_timeout=600)
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return elapsed


def child(page: str) -> None:
    """Entry point of a fresh process: print the cold time of ``page``."""
    print(f"{run_page(page):.4f}")


def cold(page: str, repeats: int, cache_dir: str | None) -> list[float]:
    """Cold times of ``page``, one fresh process each (``cache_dir``: a compile cache folder to use)."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["DESCENT_LAB_JAX_CACHE"] = cache_dir
    out = []
    for _ in range(repeats):
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.network_geometry_bench", "--child", page],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(float(proc.stdout.strip().splitlines()[-1]))
    return out


def warm(page: str, repeats: int) -> tuple[list[float], list[float]]:
    """(computed, cached) warm times of ``page`` in this process."""
    import streamlit as st

    run_page(page)
    computed, cached = [], []
    for _ in range(repeats):
        st.cache_resource.clear()
        computed.append(run_page(page))
        cached.append(run_page(page))
    return computed, cached


def slice_times(repeats: int) -> list[float]:
    """Seconds of one 41 x 41 slice of the full training loss through trained-like weights."""
    import core.cpu_backend  # noqa: F401
    from engine.network import landscape as ls
    from engine.network.sharpness import MODEL, initial_weights
    from network.data import digits

    d = digits()
    w = initial_weights(MODEL, 0, 1.0)
    ls.random_slice(MODEL, w, d.x_train, d.y_train)
    out = []
    for i in range(repeats):
        start = time.perf_counter()
        ls.random_slice(MODEL, w, d.x_train, d.y_train, seed=i)
        out.append(time.perf_counter() - start)
    return out


def stats(values: list[float]) -> str:
    """Median and p95 (nearest rank) of ``values`` in seconds, with the count."""
    v = np.sort(np.asarray(values))
    p95 = v[min(len(v) - 1, int(np.ceil(0.95 * len(v))) - 1)]
    return f"median {np.median(v):7.3f} s   p95 {p95:7.3f} s   (n={len(v)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-empty-cache", action="store_true", help="skip the cold runs with an empty compile cache")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child)
        return
    print(f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} at start")
    for page in PAGES:
        cold(page, 1, None)  # fill the project's compile cache for this page
        print(f"{page}")
        print(f"  cold, compile cache filled   {stats(cold(page, args.repeats, None))}")
        if not args.no_empty_cache:
            with tempfile.TemporaryDirectory() as empty:
                print(f"  cold, empty compile cache    {stats(cold(page, 1, empty))}")
        computed, cached = warm(page, args.repeats)
        print(f"  warm, computed               {stats(computed)}")
        print(f"  warm, cached (new session)   {stats(cached)}")
    print(f"41 x 41 slice (1,681 losses)   {stats(slice_times(max(args.repeats, 7)))}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
