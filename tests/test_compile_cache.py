"""The persistent compile cache holds only the app's own programs: a visitor's formula adds nothing to it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
from dataclasses import replace
from pathlib import Path

from charts.contour import contour_traces
from engine.grid import surface_grid
from ui.playground_view import playground_surface
from engine.compile_cache import CACHE_DIR
from engine.simulate import simulate
from landscapes.custom import custom_landscape

assert CACHE_DIR == Path(sys.argv[1])


def entries() -> int:
    return len(list(CACHE_DIR.glob("*-cache")))


def visit(land) -> int:
    simulate(land, ["sgd", "adam"], start=land.starts[0], steps=20)
    contour_traces(land, {}, surface_grid(land, {}))
    playground_surface(land, {})
    return entries()


first = visit(custom_landscape("x**2 + 0.25*y**2 + 0.125*x*y", ((-2, 2), (-2, 2))))
second = visit(custom_landscape("x**2 + 0.75*y**2 + 0.375*x*y", ((-2, 2), (-2, 2))))
# The same kind of formula, but not marked as a user's: its programs do go to disk.
third = visit(replace(custom_landscape("x**2 + 0.5*y**2 + 0.625*x*y", ((-2, 2), (-2, 2))), tags=()))
print(first, second, third)
"""


def test_a_new_formula_adds_nothing_to_the_disk_compile_cache(tmp_path: Path) -> None:
    cache = tmp_path / "jax_cache"
    env = {**os.environ, "DESCENT_LAB_JAX_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(cache)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, second, third = (int(n) for n in done.stdout.split()[-3:])
    assert second == first, "a second formula wrote entries of its own"
    assert third > second, "the cache is on: the same programs for a built-in-like surface are written"
