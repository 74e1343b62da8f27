"""Figures of the network training page: loss and accuracy against the step, one colour per run.

They take finished :class:`engine.network.train.TrainResult` records and only draw. A run
that diverged is drawn up to its last finite evaluation point and marked with a cross there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.lessons.grid_maps import log_axis_ticks
from charts.palette import run_colour
from core.i18n import translator
from engine.network.train import TrainResult

_ = translator("network_training")

HEIGHT = 380


def _line(
    x: np.ndarray,
    y: np.ndarray,
    name: str,
    colour: str,
    *,
    dash: str = "solid",
    group: str = "",
    show: bool = True,
    hover: str = "",
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": typed(x),
        "y": typed(y),
        "name": name,
        "legendgroup": group or name,
        "showlegend": show,
        "line": {"color": colour, "width": 2.5 if dash == "solid" else 2.0, "dash": dash},
        "hovertemplate": hover + "<extra></extra>" if hover else None,
    }


def _diverged(result: TrainResult, y: np.ndarray, colour: str, group: str) -> list[dict[str, Any]]:
    """A cross at the last finite point of a diverged run (nothing for a run that never diverged)."""
    if not result.diverged:
        return []
    last = max(result.valid - 1, 0)
    return [
        {
            "type": "scatter",
            "mode": "markers",
            "x": [int(result.steps[last])],
            "y": [float(y[last])],
            "name": _("{run}: diverged at step {step}").format(run=result.label, step=result.diverged_at),
            "legendgroup": group,
            "marker": {"symbol": "x", "size": 13, "color": colour, "line": {"width": 1, "color": "black"}},
        }
    ]


MAX_LOG_TICKS = 12
"""Most labelled ticks on a log axis (more overlap on a chart of this height)."""


def log_ticks(values: Sequence[np.ndarray]) -> dict[str, Any]:
    """Tick values and labels 1, 2, 5, 10, ... for a log axis over the positive ``values`` (none if there are none).

    Plotly's own log ticks label 0.2 and 0.5 after 0.1 as "2" and "5", which reads wrong.
    """
    flat = np.concatenate([np.ravel(v) for v in values]) if values else np.zeros(0)
    flat = flat[np.isfinite(flat) & (flat > 0)]
    if not flat.size:
        return {}
    # a step beyond the data on each side: plotly shows the ticks its range reaches and drops the rest
    low, high = float(flat.min()) / 2.5, float(flat.max()) * 2.5
    ticks, labels = log_axis_ticks(low, high)
    if len(ticks) < 5:
        ticks, labels = log_axis_ticks(low, high, (1.0, 1.5, 2.0, 3.0, 5.0, 7.0))
    elif len(ticks) > MAX_LOG_TICKS:
        # A loss that blew up spans dozens of decades: powers of ten only, every few decades.
        ticks, labels = log_axis_ticks(low, high, (1.0,))
        every = -(-len(ticks) // MAX_LOG_TICKS)
        ticks, labels = ticks[::every], labels[::every]
    return {"tickvals": ticks, "ticktext": labels}


def step_layout(
    ytitle: str, *, log: bool = False, yrange: list[float] | None = None, height: int = HEIGHT
) -> dict[str, Any]:
    """Layout of a network chart against the minibatch step: ``ytitle`` on a linear or log y axis, legend below."""
    yaxis: dict[str, Any] = {"title": {"text": ytitle}}
    if log:
        yaxis["type"] = "log"
    if yrange is not None:
        yaxis["range"] = yrange
    return {
        "height": height,
        "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
        "xaxis": {"title": {"text": _("step (minibatch updates)")}, "rangemode": "tozero"},
        "yaxis": yaxis,
        "legend": {"orientation": "h", "y": -0.22, "yanchor": "top"},
        "hovermode": "x unified",
    }


def _train_test_traces(
    results: Sequence[TrainResult], pick: Callable[[TrainResult, str], np.ndarray], hover: tuple[str, str]
) -> list[dict[str, Any]]:
    """Each run's training (solid) and test (dashed) curve of ``pick(result, "train" | "test")``, and its x
    where it diverged; ``hover`` holds the two curves' hover texts."""
    data: list[dict[str, Any]] = []
    for index, r in enumerate(results):
        colour, n = run_colour(index), r.valid
        for part, name, dash, tip in (
            ("train", _("{run}: training"), "solid", hover[0]),
            ("test", _("{run}: test"), "dash", hover[1]),
        ):
            data.append(
                _line(
                    r.steps[:n],
                    pick(r, part)[:n],
                    name.format(run=r.label),
                    colour,
                    dash=dash,
                    group=r.label,
                    hover=tip,
                )
            )
        data += _diverged(r, pick(r, "train"), colour, r.label)
    return data


def loss_figure(results: Sequence[TrainResult], *, height: int = HEIGHT) -> dict[str, Any]:
    """Training (solid) and test (dashed) loss of every run against the step, on a log axis."""
    data = _train_test_traces(
        results,
        lambda r, part: r.train_loss if part == "train" else r.test_loss,
        (_("training loss %{y:.4~g}"), _("test loss %{y:.4~g}")),
    )
    layout = step_layout(_("cross-entropy loss (log scale)"), log=True, height=height)
    layout["yaxis"].update(
        log_ticks([np.concatenate([r.train_loss[: r.valid], r.test_loss[: r.valid]]) for r in results])
    )
    return {"data": data, "layout": layout}


def accuracy_figure(results: Sequence[TrainResult], *, height: int = HEIGHT) -> dict[str, Any]:
    """Training (solid) and test (dashed) accuracy of every run against the step, in percent."""
    data = _train_test_traces(
        results,
        lambda r, part: 100 * (r.train_acc if part == "train" else r.test_acc),
        (_("training accuracy %{y:.1f}%"), _("test accuracy %{y:.1f}%")),
    )
    return {"data": data, "layout": step_layout(_("accuracy (%)"), log=False, yrange=[0, 101], height=height)}
