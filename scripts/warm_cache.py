"""Fill JAX's persistent compilation cache so a fresh server never compiles on a visitor's click.

Usage: ``.venv/bin/python scripts/warm_cache.py [--steps 500 1000] [--no-views]``

Compiles every surface (the registry's, plus the default custom formula) with every
optimizer for the given step counts' padded lengths (``engine.simulate.bucket``: the
Playground's default of 500 steps and 1000), by running ``engine.simulate.simulate`` once
per pairing; evaluates ``engine.grid.loss_grid`` once per surface at the contour and 3D
resolutions; and (unless ``--no-views``) builds each surface's default Playground view,
which also compiles the small eager computations a first visit needs, and runs every other
page (lessons, sweeps) once with its defaults. The cache lives in
``engine.compile_cache.CACHE_DIR`` (``DESCENT_LAB_JAX_CACHE`` or ``.jax_cache/``) and is
switched on when ``engine.simulate`` is imported. The Docker image runs this at build time.
Exits non-zero if any pairing fails, so a broken image fails its build.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import jax

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optimizers
from engine.compile_cache import CACHE_DIR
from engine.grid import MAP_RESOLUTION, loss_grid
from engine.scenario import LANDSCAPE_KEYS, Scenario
from engine.simulate import STEP_BUCKETS, bucket, simulate

ROOT = Path(__file__).resolve().parent.parent
OTHER_PAGES = sorted(p for p in (ROOT / "views").glob("*.py") if p.name != "playground.py")
"""The lessons and the sweeps page, warmed by running each once with its defaults."""
SURFACE_3D_RESOLUTION = 70
"""Grid resolution of ``charts.surface3d.surface_figure`` (a literal there)."""
CONTOUR_RESOLUTION = MAP_RESOLUTION


def cache_size() -> tuple[int, int]:
    """(files, bytes) in the compilation cache directory."""
    files = [p for p in CACHE_DIR.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def warm(step_counts: list[int], views: bool) -> int:
    """Compile everything; print one line per surface and a summary. Returns the number of failures."""
    lengths = sorted({bucket(s) for s in step_counts})
    files0, bytes0 = cache_size()
    started = time.perf_counter()
    failures: list[str] = []
    pairings = 0
    for key in LANDSCAPE_KEYS:
        t0 = time.perf_counter()
        scenario = Scenario.default(key)
        land = scenario.surface
        values = land.resolve(scenario.landscape_params)
        for resolution in (CONTOUR_RESOLUTION, SURFACE_3D_RESOLUTION):
            loss_grid(land, values, resolution)
        for opt in optimizers.REGISTRY:
            for length in lengths:
                try:
                    simulate(
                        land,
                        opt,
                        start=scenario.start,
                        steps=length,
                        batch_size=scenario.batch_size,
                        landscape_params=scenario.landscape_params,
                    )
                    pairings += 1
                except Exception as err:  # report every failing pairing, not just the first
                    failures.append(f"{key} x {opt} x {length}: {type(err).__name__}: {err}")
        if views:
            build_default_view(scenario)
        # Everything is on disk now; dropping the in-memory programs keeps the build's memory
        # flat (it peaked near 2.9 GB without this) instead of growing with every surface.
        jax.clear_caches()
        print(f"{key:>16}: {time.perf_counter() - t0:6.1f} s", flush=True)
    if views:
        for page in OTHER_PAGES:
            t0 = time.perf_counter()
            problems = run_page(page)
            failures.extend(f"{page.name}: {problem}" for problem in problems)
            jax.clear_caches()
            print(f"{page.stem:>16}: {time.perf_counter() - t0:6.1f} s", flush=True)
    files1, bytes1 = cache_size()
    print(
        f"warmed {pairings} surface x optimizer x length pairings ({len(LANDSCAPE_KEYS)} surfaces, "
        f"{len(optimizers.REGISTRY)} optimizers, lengths {lengths}) in {time.perf_counter() - started:.0f} s; "
        f"cache {CACHE_DIR}: {files1} files, {bytes1 / 2**20:.1f} MB "
        f"(+{files1 - files0} files, +{(bytes1 - bytes0) / 2**20:.1f} MB)"
    )
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return len(failures)


def build_default_view(scenario: Scenario) -> None:
    """Build the Playground's view of ``scenario`` exactly as the page does (figures, summary)."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no ScriptRunContext" noise outside a server
    from ui.playground_view import build_view, scenario_key

    build_view(scenario_key(scenario), "en")


def run_page(page: Path) -> list[str]:
    """Run ``page`` once with its default settings, as a first visitor would; its exceptions, if any."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page), default_timeout=900)
    at.run()
    return [str(e.value) for e in at.exception]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--steps",
        type=int,
        nargs="+",
        default=[500, 1000],
        help=f"step counts whose padded lengths to compile (lengths: {list(STEP_BUCKETS)}; default 500 1000)",
    )
    parser.add_argument("--no-views", action="store_true", help="skip building the default Playground views")
    args = parser.parse_args(argv)
    return 1 if warm(args.steps, views=not args.no_views) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
