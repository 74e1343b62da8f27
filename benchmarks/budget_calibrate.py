"""Calibrate the compute budget's cost model (:mod:`engine.budget`) on this machine.

Run: ``.venv/bin/python -m benchmarks.budget_calibrate`` (a few minutes). For every
landscape it times warm vmapped maps with plain gradient descent and with Newton (whose
Hessian costs most on the data-set surfaces), and every optimizer on the bowl, and prints
the CPU cost of one run-step in nanoseconds (see :func:`per_step_ns`): the least of a few
repeats, in CPU time of all the process's threads rather than wall time, so that other
work on the shared machine hardly moves it. The fixed cost of one call and of one drawn
map cell are printed last. The figures go into the tables of :mod:`engine.budget` by hand,
rounded up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import landscapes
import optimizers
from charts.sweeps import sweep_figure
from engine import sweeps

SHORT, LONG = 1001, 2000
"""Two step counts that share one compiled program (the 2000-step bucket)."""
REPEATS = 3
LONG_ENOUGH_S = 0.3


def fastest_s(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Least CPU time (all threads of this process) of ``fn()`` in seconds, after one untimed call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def sweep_call(land: str, opt: str, cells: int, steps: int) -> Callable[[], object]:
    """One hyperparameter map of ``opt`` on ``land`` over its default axes, as the Sweeps page runs it."""
    x = sweeps.default_axis(opt, "lr")
    y = sweeps.default_axis(opt, sweeps.default_y(opt))
    return lambda: sweeps.hyper_sweep(land, None, opt, {}, x, y, cells, cells, steps=steps)


def per_step_ns(land: str, opt: str, cells: int | None = None) -> float:
    """CPU nanoseconds per run-step of a warm map, the call's fixed cost removed.

    Two step counts in one compiled bucket (``SHORT`` and ``LONG`` steps run the same
    program, whose trip count is traced) are timed, and the difference divided by the extra
    run-steps. The map starts at 8 x 8 cells and, if that difference is under
    ``LONG_ENOUGH_S``, is measured again with enough cells (at most 128 x 128) to reach it;
    ``cells`` fixes the map's size instead.
    """

    def delta(cells: int) -> float:
        return fastest_s(sweep_call(land, opt, cells, LONG)) - fastest_s(sweep_call(land, opt, cells, SHORT))

    if cells is not None:
        return 1e9 * max(delta(cells), 0.0) / (cells * cells * (LONG - SHORT))
    cells = 8
    seconds = delta(cells)
    if seconds < LONG_ENOUGH_S:
        per_run = max(seconds, 1e-6) / cells**2
        cells = min(128, 2 ** math.ceil(math.log2(math.sqrt(LONG_ENOUGH_S / per_run))))
        seconds = delta(cells)
    return 1e9 * max(seconds, 0.0) / (cells * cells * (LONG - SHORT))


def main() -> None:
    print(f"CPU ns per run-step (steps {SHORT} to {LONG}, least of {REPEATS})")
    print("landscape          gradient    newton")
    for land in landscapes.REGISTRY:
        print(f"  {land:<16} {per_step_ns(land, 'sgd'):8.1f} {per_step_ns(land, 'newton'):9.1f}", flush=True)
    print("data-set landscapes on the largest map (128 x 128: the per-run data no longer stays in cache)")
    for land, surface in landscapes.REGISTRY.items():
        if surface.data(surface.resolve(None)) is not None and land != "sharp_flat":  # sharp_flat: never this big
            gradient, newton = per_step_ns(land, "sgd", 128), per_step_ns(land, "newton", 128)
            print(f"  {land:<16} {gradient:8.1f} {newton:9.1f}", flush=True)
    base = per_step_ns("bowl", "sgd")
    print(f"optimizer          extra over sgd on the bowl ({base:.1f})")
    for opt in optimizers.REGISTRY:
        print(f"  {opt:<16} {per_step_ns('bowl', opt) - base:8.1f}", flush=True)
    call = fastest_s(sweep_call("bowl", "sgd", cells=2, steps=1))  # ~ the call's fixed cost
    print(f"fixed CPU cost of one call: {1e3 * call:.2f} ms")
    m = sweep_call("bowl", "momentum", cells=128, steps=10)()
    figure_s = fastest_s(
        lambda: sweep_figure(m.metric("loss"), m.x, m.y, m.xs, m.ys, "loss", m.final_loss, m.first_hit, m.diverged_at)
    )
    print(f"CPU per drawn map cell (a 128 x 128 figure): {1e9 * figure_s / 128**2:.0f} ns")


if __name__ == "__main__":
    main()
