"""Playground benchmark (issue 3): slider change to finished rerun, compute time, figure size.

Run: ``.venv/bin/python -m benchmarks.playground_bench``. Workload: 8 optimizers x 1000
steps on Rosenbrock. Prints medians of repeated runs, plus the cost of the
straightforward build for comparison (full paths re-sent in every one of 100
frames, figure built and validated through ``plotly.graph_objects``).
"""

from __future__ import annotations

import json
import statistics
import time

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from streamlit.testing.v1 import AppTest

from benchmarks.timing import median_ms, row
from engine.scenario import Scenario
from engine.simulate import resolve_landscape
from tests.apptest_helpers import APP
from ui import playground_state as ps
from ui.param_widgets import log_grid

EIGHT = "sgd,momentum,nesterov,adagrad,rmsprop,adam,adamw,lion"


def naive_figure(scenario: Scenario) -> go.Figure:
    """The straightforward build: validated graph objects, full paths in all 100 frames."""
    land = resolve_landscape(scenario.landscape)
    runs = scenario.run()
    (x0, x1), (y0, y1) = land.domain
    xs, ys = np.linspace(x0, x1, 120), np.linspace(y0, y1, 120)
    f = land.loss_function()
    z = np.array([[float(f(np.array([x, y], np.float32))) for x in xs[::8]] for y in ys[::8]])
    contour = go.Contour(x=xs[::8], y=ys[::8], z=z)
    frames = []
    for k in np.linspace(0, scenario.steps, 100).astype(int):
        frames.append(go.Frame(data=[contour] + [go.Scatter(x=r.path[: k + 1, 0], y=r.path[: k + 1, 1]) for r in runs]))
    return go.Figure(data=frames[-1].data, frames=frames)


def main() -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"opt": EIGHT, "steps": "1000"})
    at.run()
    assert not at.exception, at.exception
    spec = at.get("plotly_chart")[0].proto.spec
    lr = at.select_slider(key=ps.run_key(5, "lr"))
    values = [v for v in log_grid(1e-5, 10.0) if 1e-3 <= v <= 0.2]

    times = []
    for i, value in enumerate(values * 2):
        lr.set_value(value)
        start = time.perf_counter()
        at.run()
        if i >= 2:  # the first reruns warm caches of new code paths
            times.append(time.perf_counter() - start)
        lr = at.select_slider(key=ps.run_key(5, "lr"))
    assert not at.exception, at.exception

    scenario = Scenario.default()
    from engine.scenario import from_query

    scenario, _ = from_query({"opt": EIGHT, "steps": "1000"})
    compute = median_ms(scenario.run, repeats=30)

    print(f"8 optimizers x 1000 steps on Rosenbrock ({len(times)} reruns)")
    print(
        row(
            "slider change -> finished rerun, AppTest (warm), median",
            1e3 * statistics.median(times),
            "ms",
            "target < 150 ms",
        )
    )
    print(row("   of which compute (simulate, 8 runs)", compute, "ms", "target < 5 ms"))
    print(row("figure sent to the browser (map)", len(spec) / 1e6, "MB", "target < 1.5 MB"))
    naive = median_ms(lambda: pio.to_json(naive_figure(scenario)), repeats=3, warmup=1)
    size = len(pio.to_json(naive_figure(scenario))) / 1e6
    print(row("straightforward build: graph objects, full paths per frame", naive, "ms"))
    print(row("straightforward build: JSON size", size, "MB"))
    print(row("map figure JSON of this build (json.dumps)", len(json.dumps(json.loads(spec))) / 1e6, "MB"))


if __name__ == "__main__":
    main()
