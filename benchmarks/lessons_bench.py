"""Lesson benchmark (issue 5): prints medians of repeated runs on this machine.

Run: ``.venv/bin/python -m benchmarks.lessons_bench``. Each workload is a function
returning its median in milliseconds (warm: compiled once before timing), and
:func:`main` prints one :func:`benchmarks.timing.row` per workload, so further
workloads (the Monte Carlo runs of the minibatch pages) slot in as new functions
and rows. Workloads so far: a 100 x 100 basin map x 500 steps on Himmelblau (one
vmapped engine call plus the classification of the end points), for plain
gradient descent and for Adam; 512 seeds x 1000 steps of minibatch SGD in one
vmapped call (the regression data set, the issue's target, and the costlier
sharp-vs-flat data set); the minibatch-noise page's spread chart and one learning
rate of the implicit-regularization page.
"""

from __future__ import annotations

import os

import jax
import numpy as np

from benchmarks.timing import median_ms, row
from engine.lessons.basins import basin_map
from engine.lessons.implicit import flat_share
from engine.lessons.noise import spread_curve
from engine.simulate import simulate_many


def basin_map_ms(optimizer: str = "sgd", lr: float = 0.01, resolution: int = 100, steps: int = 500) -> float:
    """Median ms of one ``resolution`` x ``resolution`` basin map on Himmelblau (warm)."""
    return median_ms(lambda: basin_map("himmelblau", optimizer, lr, resolution, steps), repeats=7, warmup=1)


def monte_carlo_ms(landscape: str = "minibatch", seeds: int = 512, steps: int = 1000, batch_size: int = 32) -> float:
    """Median ms of ``seeds`` seeds x ``steps`` steps of minibatch SGD in one vmapped call (warm)."""
    lr = 0.1 if landscape == "minibatch" else 0.02
    ids = np.arange(seeds)
    return median_ms(
        lambda: simulate_many(landscape, ("sgd", {"lr": lr}), seeds=ids, batch_size=batch_size, steps=steps),
        repeats=5,
        warmup=1,
    )


def noise_page_ms() -> float:
    """Median ms of the minibatch-noise page's spread chart: 9 batch sizes x 256 seeds x 500 steps, one call."""
    return median_ms(lambda: spread_curve({"noise": 0.5}, 0.1, (-1.5, 2.0), 500, 256), repeats=3, warmup=1)


def implicit_page_ms() -> float:
    """Median ms of one learning rate on the implicit-regularization page: 9 batch sizes x 512 seeds x 100 steps."""
    return median_ms(lambda: flat_share(0.02, 100, 512), repeats=3, warmup=1)


def main() -> None:
    """Print every lesson workload as one aligned row."""
    print(f"jax {jax.__version__} on {jax.default_backend()} ({os.cpu_count()} cpus); medians of repeated runs")
    print(
        row("basin map 100 x 100 starts x 500 steps, Himmelblau, SGD", basin_map_ms("sgd", 0.01), "ms", "target < 1 s")
    )
    print(
        row(
            "basin map 100 x 100 starts x 500 steps, Himmelblau, Adam", basin_map_ms("adam", 0.05), "ms", "target < 1 s"
        )
    )
    print(row("512 seeds x 1000 steps, minibatch SGD B=32, regression", monte_carlo_ms(), "ms", "target < 500 ms"))
    print(row("512 seeds x 1000 steps, SGD B=8, sharp_flat", monte_carlo_ms("sharp_flat", batch_size=8), "ms"))
    print(row("noise page: 9 batch sizes x 256 seeds x 500 steps", noise_page_ms(), "ms"))
    print(row("implicit page, one lr: 9 batch sizes x 512 seeds x 100 steps", implicit_page_ms(), "ms"))


if __name__ == "__main__":
    main()
