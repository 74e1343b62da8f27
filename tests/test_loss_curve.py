"""The loss chart: what it plots, axes that snap to round bounds, and the curves the live chart draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from charts.encoding import decode
from charts.loss_curve import LossCurves, loss_figure, loss_payload, round_range
from engine.simulate import simulate

# Himmelblau's minima are all at loss 0; lr = 0.05 diverges from this start, lr = 0.005 converges.
BEST = 0.0


@pytest.fixture(scope="module")
def runs():
    return simulate("himmelblau", [("sgd", {"lr": 0.005}), ("sgd", {"lr": 0.05})], start=(0.5, -4.5), steps=300)


def test_the_runs_cover_both_cases(runs) -> None:
    assert runs[0].diverged_at is None and runs[1].diverged_at is not None


def test_each_curve_is_the_gap_to_the_best_loss_floored_and_cut_where_the_run_diverged(runs) -> None:
    payload = loss_payload(LossCurves.of(runs, BEST))
    for run, drawn in zip(runs, payload["runs"], strict=True):
        end = run.steps + 1 if run.diverged_at is None else run.diverged_at
        expected = np.maximum(run.loss[:end].astype(np.float64) - BEST, 1e-12)
        xy = decode(drawn["xy"]).reshape(-1, 2)
        np.testing.assert_array_equal(xy[:, 0], np.arange(end))
        np.testing.assert_allclose(xy[:, 1], expected, rtol=1e-6)
    assert payload["runs"][0]["note"] is None
    assert payload["runs"][1]["note"] == f"diverged at step {runs[1].diverged_at}"
    assert payload["heads"] == "diverged" and payload["frames"] == [runs[0].steps]


def test_log_axis_spans_whole_decades_around_every_curve(runs) -> None:
    loss = LossCurves.of(runs, BEST)
    yaxis = loss.layout(320)["yaxis"]
    assert yaxis["type"] == "log"
    low, high = (round(v + d, 9) for v, d in zip(yaxis["range"], (0.15, -0.15), strict=True))
    assert low == int(low) and high == int(high), "the range is whole decades (plus a margin)"
    shown = np.concatenate(loss.curves)
    assert 10.0**low <= shown.min() < 10.0 ** (low + 1), "the lowest decade holds the lowest point"
    assert 10.0 ** (high - 1) < shown.max() <= 10.0**high, "the highest decade holds the highest point"
    assert all(10.0**low <= v <= 10.0**high for v in yaxis["tickvals"])


def test_a_small_change_of_the_curves_keeps_the_axes() -> None:
    a = simulate("himmelblau", [("sgd", {"lr": 0.005})], start=(0.5, -4.5), steps=300)
    b = simulate("himmelblau", [("sgd", {"lr": 0.006})], start=(0.5, -4.5), steps=300)
    assert not np.array_equal(a[0].loss, b[0].loss)
    assert LossCurves.of(a, BEST).layout(320) == LossCurves.of(b, BEST).layout(320)


def test_with_the_surfaces_span_a_new_start_keeps_the_axes() -> None:
    """Given the map's lowest and highest loss, the axis runs from the floor to the highest gap, for any start."""
    span = (0.0, 890.0)  # Himmelblau on its map: minima at 0, about 890 in the corners
    near = simulate("himmelblau", [("sgd", {"lr": 0.005})], start=(2.9, 2.1), steps=300)
    far = simulate("himmelblau", [("sgd", {"lr": 0.005})], start=(-4.5, 4.5), steps=300)
    assert LossCurves.of(near, BEST).layout(320)["yaxis"] != LossCurves.of(far, BEST).layout(320)["yaxis"]
    layouts = [LossCurves.of(runs, BEST).layout(320, span) for runs in (near, far)]
    assert layouts[0] == layouts[1]
    assert layouts[0]["yaxis"]["range"] == pytest.approx([-12.15, 3.15]), "from 1e-12 to 1e3 (890 < 1e3)"


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [(0.3, 7.2, (0.0, 8.0)), (-3.0, 41.0, (-10.0, 50.0)), (0.13, 0.19, (0.12, 0.2)), (5.0, 5.0, (5.0, 6.0))],
)
def test_round_range_widens_to_round_strides(lo: float, hi: float, expected: tuple[float, float]) -> None:
    got = round_range(lo, hi)
    assert all(math.isclose(g, e, abs_tol=1e-12) for g, e in zip(got, expected, strict=True)), got


def test_the_plotly_figure_plots_the_same_curves(runs) -> None:
    figure = loss_figure(runs, BEST)
    lines = [t for t in figure["data"] if t["mode"] == "lines"]
    for line, curve in zip(lines, LossCurves.of(runs, BEST).curves, strict=True):
        np.testing.assert_allclose(decode(line["y"]), curve, rtol=1e-6)
    notes = [t for t in figure["data"] if t["mode"] == "markers+text"]
    assert [n["text"] for n in notes] == [[f"diverged at step {runs[1].diverged_at}"]]
