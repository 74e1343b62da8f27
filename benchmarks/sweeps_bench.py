"""Sweeps benchmark (issue 7): prints medians of repeated runs on this machine.

Run: ``.venv/bin/python -m benchmarks.sweeps_bench``. Workloads, each one vmapped
call through :func:`engine.sweeps.hyper_sweep` (what the Sweeps page runs):
a 128 x 128 (lr, momentum) map x 500 steps of heavy ball on the bowl, and a 64 x 64
(lr, beta1) map x 1000 steps of Adam on Rosenbrock; then building the 128 x 128
heatmap figure and its size. The first call of each workload (compile or disk-cache
load) is reported apart from the warm median.
"""

from __future__ import annotations

import json
import os
import time

import jax

from benchmarks.timing import median_ms, row
from charts.sweeps import sweep_figure
from engine import bowl_theory, sweeps


def bowl_map() -> sweeps.SweepMap:
    """128 x 128 cells x 500 steps: heavy ball over lr (log) x momentum on the bowl (kappa = 10)."""
    x = sweeps.make_axis("momentum", "lr", 1e-3, 10.0, True)
    y = sweeps.make_axis("momentum", "momentum", 0.0, 0.99, False)
    return sweeps.hyper_sweep("bowl", None, "momentum", {}, x, y, 128, 128, steps=500)


def rosenbrock_map() -> sweeps.SweepMap:
    """64 x 64 cells x 1000 steps: Adam over lr (log) x beta1 on Rosenbrock."""
    x = sweeps.make_axis("adam", "lr", 1e-4, 1.0, True)
    y = sweeps.make_axis("adam", "beta1", 0.0, 0.99, False)
    return sweeps.hyper_sweep("rosenbrock", None, "adam", {}, x, y, 64, 64, steps=1000)


def first_call_s(fn) -> float:
    """Seconds for the first call (tracing plus compiling, or loading from the disk cache)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    print(f"jax {jax.__version__} on {jax.default_backend()} ({os.cpu_count()} cpus); medians of repeated runs")
    print(row("128 x 128 x 500 bowl map, first call", first_call_s(bowl_map), "s"))
    print(row("128 x 128 x 500 bowl map (heavy ball, lr x momentum), warm", median_ms(bowl_map, 9), "ms", "< 100 ms"))
    print(row("64 x 64 x 1000 Rosenbrock map, first call", first_call_s(rosenbrock_map), "s"))
    print(row("64 x 64 x 1000 Rosenbrock map (Adam, lr x beta1), warm", median_ms(rosenbrock_map, 7), "ms", "< 500 ms"))
    m = bowl_map()
    overlay = bowl_theory.theory_overlay(m.landscape, m.landscape_params, m.optimizer, m.settings, m.x, m.y)

    def figure() -> dict:
        return sweep_figure(
            m.metric("loss"), m.x, m.y, m.xs, m.ys, "loss", m.final_loss, m.first_hit, m.diverged_at, overlay=overlay
        )

    print(row("build the 128 x 128 heatmap figure", median_ms(figure, 9), "ms"))
    print(row("its size as JSON", len(json.dumps(figure())) / 1e3, "kB"))


if __name__ == "__main__":
    main()
