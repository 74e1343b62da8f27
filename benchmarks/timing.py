"""Timing helper shared by the benchmark scripts: median of repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], repeats: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def row(name: str, value: float, unit: str = "ms", target: str = "") -> str:
    """One aligned line of a benchmark report."""
    return f"{name:<58} {value:>10.3f} {unit:<3} {target}"
