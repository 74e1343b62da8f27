"""Network pages benchmark (issue 15): cold and warm time of each "Real network" page's default view.

Run: ``flock /tmp/descent-bench.lock .venv/bin/python -m benchmarks.network_bench [REPEATS]``.

Per page (each through Streamlit's ``AppTest``, which runs the page script as the server does):

- cold: a fresh Python process opens the page once (imports, JAX start, compiling or loading
  the training program, training, figures). Two kinds: with the project's persistent
  compilation cache already holding the page's programs (a deployed server after
  ``scripts/warm_cache.py``, or any restart), and with an empty cache folder (compiled here).
- warm, rerun: the same session reruns the page (the cached builder answers).
- warm, retrain: the builder's cache is cleared and the page reruns: the programs are in
  memory, the networks train again (what a new setting costs).

Prints median and p95 of the repeats, in seconds.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("network_training", "network_initialization")

_CHILD = """
import json, sys, time
start = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
cold = time.perf_counter() - start
assert not at.exception, at.exception
reruns, retrains = [], []
from ui.page_form import _build
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); at.run(); reruns.append(time.perf_counter() - t)
    _build.clear()
    t = time.perf_counter(); at.run(); retrains.append(time.perf_counter() - t)
print(json.dumps({"cold": cold, "rerun": reruns, "retrain": retrains}))
"""


def child(page: str, warm_repeats: int, cache_dir: str | None = None) -> dict:
    """One fresh process opening ``page``: its cold time and ``warm_repeats`` warm reruns and retrains."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cache_dir is not None:
        env["DESCENT_LAB_JAX_CACHE"] = cache_dir
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT / "views" / f"{page}.py"), str(warm_repeats)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def stats(values: list[float]) -> str:
    """Median and p95 (nearest rank) of ``values`` in seconds, and how many."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]
    return f"median {statistics.median(ordered):7.3f} s   p95 {p95:7.3f} s   (n={len(ordered)})"


def main(repeats: int = 3) -> None:
    """Print one block per page: cold (disk cache filled / empty) and warm (rerun / retrain)."""
    print(f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}; {repeats} fresh processes per cold row")
    for page in PAGES:
        child(page, 0)  # make sure the persistent cache holds this page's programs
        warm = [child(page, 5) for _ in range(repeats)]
        with tempfile.TemporaryDirectory() as empty:
            compiled = []
            for _ in range(repeats):
                with tempfile.TemporaryDirectory(dir=empty) as fresh:
                    compiled.append(child(page, 0, fresh)["cold"])
        print(page)
        print(f"  {'cold, compile cache filled':<30} {stats([r['cold'] for r in warm])}")
        print(f"  {'cold, compile cache empty':<30} {stats(compiled)}")
        print(f"  {'warm, rerun (cached view)':<30} {stats([t for r in warm for t in r['rerun']])}")
        print(f"  {'warm, retrain (programs kept)':<30} {stats([t for r in warm for t in r['retrain']])}")


if __name__ == "__main__":
    started = time.perf_counter()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
