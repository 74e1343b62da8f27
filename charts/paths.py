"""Pieces of a map with paths: the animation's frame steps, the direction arrows, a run's traces, the start.

The Playground's live map (:mod:`charts.live_map`) animates in the browser from the frame
steps and arrows built here; lesson maps draw runs and starts with the same traces.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.markers import DIVERGED, END, START
from charts.palette import run_colour
from core.i18n import N_, translator
from engine.simulate import Trajectory

_ = translator("app")

MAX_FRAMES = 60
"""At most this many animation frames after the first (frames sit on round steps, see :func:`frame_steps`)."""
ARROWS = (
    ("grad", N_("−gradient (descent direction)"), "#ffffff", "dot"),
    ("update", N_("actual step"), "#ff4d4d", "solid"),
    ("velocity", N_("−momentum"), "#00e5ff", "dash"),
)


def round_stride(span: int, count: int) -> int:
    """The smallest round stride (1, 2 or 5 times a power of ten) that covers ``span`` in at most ``count`` strides."""
    magnitude = 1
    while True:
        for mantissa in (1, 2, 5):
            stride = mantissa * magnitude
            if span <= stride * count:
                return stride
        magnitude *= 10


def frame_steps(steps: int, frames: int = MAX_FRAMES) -> np.ndarray:
    """The path step shown by each animation frame: 0, a round stride apart, and last ``steps`` itself.

    On round steps (0, 10, 20, ... for 500 steps) the slider's current value reads as a round
    number while it animates, and its tick labels can sit on round values.
    """
    stride = round_stride(steps, frames)
    return np.unique(np.append(np.arange(0, steps + 1, stride), steps))


def arrow_points(runs: Sequence[Trajectory], steps: np.ndarray, length: float) -> dict[str, np.ndarray]:
    """Arrow polylines for every frame at once: kind -> (frames, 3 * runs, 2) with NaN gaps.

    Each run contributes (base, tip, NaN) per frame; arrows have a fixed display
    ``length`` (they show direction) and are NaN where a run has no such vector at
    that step (finished, diverged, or zero).
    """
    out = {name: np.full((len(steps), 3 * len(runs), 2), np.nan, np.float32) for name, *_ in ARROWS}
    for i, run in enumerate(runs):
        last = run.steps if run.diverged_at is None else run.diverged_at - 1
        valid = steps < min(run.steps, last)
        at = np.minimum(steps, max(run.steps - 1, 0))
        base = run.path[at]
        vectors = {"grad": -run.grad[at], "update": run.update[at], "velocity": -run.velocity[at]}
        for name, vec in vectors.items():
            norm = np.hypot(vec[:, 0], vec[:, 1])
            ok = valid & (norm > 0) & np.isfinite(norm)
            tip = base + vec / np.where(ok, norm, 1.0)[:, None] * length
            out[name][ok, 3 * i] = base[ok]
            out[name][ok, 3 * i + 1] = tip[ok]
    return out


def start_trace(
    point: Sequence[float], *, name: str | None = None, hover: str | None = None, size: int = 14
) -> dict[str, Any]:
    """An open white ring on the start ``point`` (its values are used as given; ``name`` and ``hover`` are shown as
    given, translated by the caller: "start" in the reader's language by default)."""
    name = _("start") if name is None else name
    hover = _("start") if hover is None else hover
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [point[0]],
        "y": [point[1]],
        "name": name,
        "marker": {"symbol": START, "size": size, "color": "white", "line": {"width": 3}},
        "hovertemplate": hover + " (%{x:.4~g}, %{y:.4~g})<extra></extra>",
    }


def run_traces(
    run: Trajectory, index: int, *, path: np.ndarray | None = None, end: str = N_("now"), opaque: bool = False
) -> list[dict[str, Any]]:
    """A run's path (``path``, default ``run.path``) in its palette colour and its last point (an x if it diverged).

    Both share the legend group ``run{index}``; the marker is named ``"{label} {end}"`` (``end`` is English,
    ``"now"`` or ``"end"``, translated here), and with
    ``opaque`` it stays fully opaque when a selection dims the unselected points.
    """
    label = html.escape(run.label)
    colour = run_colour(index)
    pts = run.path if path is None else path
    line = {
        "type": "scatter",
        "mode": "lines",
        "x": typed(pts[:, 0]),
        "y": typed(pts[:, 1]),
        "name": label,
        "legendgroup": f"run{index}",
        "line": {"color": colour, "width": 2.5},
        # The label is user text: refer to the trace name rather than pasting the label into the template.
        "hovertemplate": "%{fullData.name}<br>(%{x:.4~g}, %{y:.4~g})<extra></extra>",
    }
    diverged = run.diverged_at is not None
    head: dict[str, Any] = {
        "type": "scatter",
        "mode": "markers",
        "x": [float(run.path[-1, 0])],
        "y": [float(run.path[-1, 1])],
        "name": label + " " + _(end) + (" (" + _("diverged") + ")" if diverged else ""),
        "legendgroup": f"run{index}",
        "showlegend": False,
        "marker": {
            "size": 12,
            "color": colour,
            "symbol": DIVERGED if diverged else END,
            "line": {"width": 1.5, "color": "black"},
        },
    }
    if opaque:
        head["unselected"] = {"marker": {"opacity": 1}}
    note = " " + _("at step {step}").format(step=run.diverged_at) if diverged else ""
    head["hovertemplate"] = "%{fullData.name}" + note + "<extra></extra>"
    return [line, head]
