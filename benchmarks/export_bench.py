"""Animation export benchmark (issue 16): render time and size of the Playground's GIF and MP4.

Run: ``flock /tmp/descent-bench.lock .venv/bin/python -m benchmarks.export_bench``. Workload:
the Playground's default scenario, 4 runs x 500 steps on Himmelblau, rendered as a click on a
download button renders it (:func:`ui.animation_export.render`: surface grid from the engine's
cache, frames, encoding). Targets: each <= 5 s on 2 cores and <= 5 MB. Prints the median and
p95 of repeated renders, and the frame count and sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from benchmarks.timing import row
from charts.video import gif_bytes, mp4_bytes
from engine.scenario import Scenario
from ui.animation_export import animation_of, render


def timed(fn, repeats: int) -> tuple[list[float], object]:
    """Wall times (ms) of ``repeats`` calls of ``fn`` after one untimed warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(1e3 * (time.perf_counter() - start))
    return times, result


def report(name: str, times: list[float], target: str = "") -> None:
    print(row(f"{name} (median)", statistics.median(times), "ms", target))
    print(row(f"{name} (p95)", float(np.percentile(times, 95)), "ms"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    scenario = Scenario()
    runs = scenario.run()
    print(f"{len(runs)} runs x {scenario.steps} steps on {scenario.landscape}; {os.cpu_count()} CPUs visible")
    frames_ms, animation = timed(lambda: animation_of(scenario, runs), args.repeats)
    report("frames only (surface, paths, text)", frames_ms)
    report("encode GIF from frames", timed(lambda: gif_bytes(animation), args.repeats)[0])
    report("encode MP4 from frames", timed(lambda: mp4_bytes(animation), args.repeats)[0])
    gif_ms, gif = timed(lambda: render(scenario, runs, "gif", "en"), args.repeats)
    mp4_ms, mp4 = timed(lambda: render(scenario, runs, "mp4", "en"), args.repeats)
    report("GIF: click to file", gif_ms, "target <= 5000 ms")
    report("MP4: click to file", mp4_ms, "target <= 5000 ms")
    width, height = animation.size
    print(f"{len(animation.frames)} frames (+{animation.hold_frames} held in the MP4), {width}x{height} px")
    print(row("GIF size", len(gif) / 2**20, "MB", "target <= 5 MB"))
    print(row("MP4 size", len(mp4) / 2**20, "MB", "target <= 5 MB"))


if __name__ == "__main__":
    main()
