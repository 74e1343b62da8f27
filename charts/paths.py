"""The animated map: contour once, then every run's path growing frame by frame.

Size discipline (see ``tests/test_charts.py``): the contour and the click grid are
sent once, in ``data``; each frame carries only the traces that move (each run's
path prefix, down-sampled, and its head, plus the three arrow traces) and names
them in ``traces``. The figure's own ``data`` holds the full-resolution paths, which
is what the last frame shows.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from charts.contour import axes_layout, background_image, contour_traces
from charts.encoding import typed
from charts.markers import CLICK_TARGET, DIVERGED, END, START
from charts.palette import run_colour
from engine.simulate import Trajectory
from landscapes.base import Landscape

MAX_FRAMES = 60
"""At most this many animation frames after the first (frames sit on round steps, see :func:`frame_steps`)."""
MAX_TICK_LABELS = 10
"""At most this many labelled intervals on the step slider."""
FRAME_POINTS = 40
"""At most this many points of each path prefix travel in one frame."""
CLICK_GRID = 30
ARROWS = (
    ("grad", "−gradient (descent direction)", "#ffffff", "dot"),
    ("update", "actual step", "#ff4d4d", "solid"),
    ("velocity", "−momentum", "#00e5ff", "dash"),
)
BACKGROUND_RESOLUTION = 120
"""Pixels per side of the surface picture kept under the contour while animating."""
GRID_TRACE = 3
"""Index of the click-to-set-start grid trace (selection events on it move the start)."""
SLIDER_X, SLIDER_LEN, SLIDER_Y = 0.18, 0.82, 1.1
"""Where the step slider sits, in paper coordinates (left end, length, bottom)."""
TEXT_COLOUR = "#fafafa"
"""The dark theme's text colour (``.streamlit/config.toml`` sets ``base = "dark"``)."""


def round_stride(span: int, count: int, multiple_of: int = 1) -> int:
    """The smallest round stride (1, 2 or 5 times a power of ten) that covers ``span`` in at most ``count`` strides.

    Only strides that are multiples of ``multiple_of`` qualify, so labels can sit on frames.
    """
    magnitude = 1
    while True:
        for mantissa in (1, 2, 5):
            stride = mantissa * magnitude
            if stride % multiple_of == 0 and span <= stride * count:
                return stride
        magnitude *= 10


def frame_steps(steps: int, frames: int = MAX_FRAMES) -> np.ndarray:
    """The path step shown by each animation frame: 0, a round stride apart, and last ``steps`` itself.

    On round steps (0, 10, 20, ... for 500 steps) the slider's current value reads as a round
    number while it animates, and its tick labels can sit on round values.
    """
    stride = round_stride(steps, frames)
    return np.unique(np.append(np.arange(0, steps + 1, stride), steps))


def step_tick_labels(shown_steps: np.ndarray) -> list[tuple[int, int]]:
    """(frame index, step) of the slider ticks to label: round steps, at most :data:`MAX_TICK_LABELS` apart."""
    stride = int(shown_steps[1] - shown_steps[0]) if len(shown_steps) > 1 else 1
    every = round_stride(int(shown_steps[-1]), MAX_TICK_LABELS, multiple_of=stride)
    return [(i, int(step)) for i, step in enumerate(shown_steps) if step % every == 0]


def slider_tick_annotations(
    labels: Sequence[tuple[int, int]], frames: int, x: float, length: float, y: float
) -> list[dict[str, Any]]:
    """Text labels under the step slider's ticks at ``labels`` (frame index, step).

    Plotly labels every n-th slider step, with n chosen from the chart's width, so its own
    labels fall on steps like 0, 25, 51, 76. The slider's labels are hidden instead and these
    annotations label round steps. Plotly places slider step i at ``stepInset + (rail - 2 *
    stepInset) * i / (frames - 1)`` pixels from the slider's left end (stepInset = 10 px), which
    in paper coordinates is ``x + length * f`` shifted by ``10 - 20 f`` pixels.
    """
    last = max(frames - 1, 1)
    return [
        {
            "text": str(step),
            "x": x + length * (i / last),
            "xshift": 10 - 20 * (i / last),
            "y": y,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "center",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 11},
        }
        for i, step in labels
    ]


def prefix_indices(steps: np.ndarray, points: int) -> list[np.ndarray]:
    """For each frame step s, at most ``points`` evenly spaced path indices from 0 to s (all frames at once).

    With at most s + 1 points the rounded positions are distinct, so no ``np.unique`` is needed.
    """
    steps = np.asarray(steps)
    counts = np.minimum(points, steps + 1)
    spacing = np.where(counts > 1, steps / np.maximum(counts - 1, 1), 0.0)
    grid = np.round(np.arange(points)[None, :] * spacing[:, None]).astype(int)
    return [grid[k, : counts[k]] for k in range(len(steps))]


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


def start_trace(point: Sequence[float], *, name: str = "start", hover: str = "start", size: int = 14) -> dict[str, Any]:
    """An open white ring on the start ``point`` (its values are used as given)."""
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
    run: Trajectory, index: int, *, path: np.ndarray | None = None, end: str = "now", opaque: bool = False
) -> list[dict[str, Any]]:
    """A run's path (``path``, default ``run.path``) in its palette colour and its last point (an x if it diverged).

    Both share the legend group ``run{index}``; the marker is named ``"{label} {end}"``, and with
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
        "name": f"{label} {end}" + (" (diverged)" if diverged else ""),
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
    note = f" at step {run.diverged_at}" if diverged else ""
    head["hovertemplate"] = "%{fullData.name}" + note + "<extra></extra>"
    return [line, head]


def path_figure(
    landscape: Landscape,
    values: Mapping[str, float],
    runs: Sequence[Trajectory],
    start: tuple[float, float],
    *,
    frame_ms: int = 100,
    height: int = 620,
) -> dict[str, Any]:
    """The animated contour map of ``runs`` (a plain figure dict with typed arrays)."""
    base, _ = contour_traces(landscape, values)
    (x0, x1), (y0, y1) = landscape.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, CLICK_GRID), np.linspace(y0, y1, CLICK_GRID))
    base.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": typed(gx.ravel()),
            "y": typed(gy.ravel()),
            "name": "click to start here",
            "marker": {"symbol": CLICK_TARGET, "size": 9, "color": "white", "opacity": 0.07},
            "selected": {"marker": {"opacity": 0.6}},
            "unselected": {"marker": {"opacity": 0.07}},
            "hovertemplate": "start here<br>(%{x:.3~g}, %{y:.3~g})<extra></extra>",
            "showlegend": False,
        }
    )
    base.append(start_trace(start))
    assert len(base) == GRID_TRACE + 2
    first_run = len(base)
    arrow_length = 0.07 * math.hypot(x1 - x0, y1 - y0)

    steps = max(run.steps for run in runs) if runs else 0
    shown_steps = frame_steps(steps)
    arrows = arrow_points(runs, shown_steps, arrow_length)
    data = list(base)
    for i, run in enumerate(runs):
        data += run_traces(run, i, opaque=True)
    sizes = [0, 11, 0] * len(runs)
    for name, label, colour, dash in ARROWS:
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [],
                "y": [],
                "name": label,
                "legendgroup": name,
                "line": {"color": colour, "width": 2, "dash": dash},
                "marker": {"symbol": "arrow", "angleref": "previous", "size": sizes, "color": colour},
                "hoverinfo": "skip",
            }
        )
    moving = list(range(first_run, len(data)))
    prefixes = [prefix_indices(np.minimum(shown_steps, run.steps), FRAME_POINTS) for run in runs]
    frames = []
    for k, step in enumerate(shown_steps):
        last = k == len(shown_steps) - 1
        frame_data: list[dict[str, Any]] = []
        for run, prefix in zip(runs, prefixes, strict=True):
            shown = min(int(step), run.steps)
            pts = run.path if last else run.path[prefix[k]]
            frame_data.append({"type": "scatter", "x": typed(pts[:, 0]), "y": typed(pts[:, 1])})
            head = run.path[shown]
            frame_data.append({"type": "scatter", "x": [float(head[0])], "y": [float(head[1])]})
        for name, *_ in ARROWS:
            pts = arrows[name][k] if not last else np.empty((0, 2), np.float32)
            frame_data.append({"type": "scatter", "x": typed(pts[:, 0]), "y": typed(pts[:, 1])})
        frames.append({"name": str(int(step)), "data": frame_data, "traces": moving})
    play = {
        "frame": {"duration": frame_ms, "redraw": False},
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    ticks = step_tick_labels(shown_steps)
    layout: dict[str, Any] = {
        **axes_layout(landscape),
        "annotations": slider_tick_annotations(ticks, len(frames), SLIDER_X, SLIDER_LEN, SLIDER_Y),
        "images": [background_image(landscape, values, BACKGROUND_RESOLUTION)],
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "y": -0.12, "x": 0},
        "uirevision": f"{landscape.key}:{landscape.domain}",
        "clickmode": "event+select",
        "dragmode": "pan",
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": 1.0,
                "yanchor": "bottom",
                "pad": {"b": 6},
                "xanchor": "left",
                "showactive": False,
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, play]},
                    {
                        "label": "❚❚ Pause",
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        "sliders": [
            {
                "active": len(frames) - 1,
                "x": SLIDER_X,
                "len": SLIDER_LEN,
                "y": SLIDER_Y,
                "yanchor": "bottom",
                "pad": {"t": 0, "b": 0, "l": 0, "r": 0},
                # Plotly's own tick labels are drawn too small to see (its label spacing is then one
                # step, so every tick is a major one); round labels come from the annotations.
                "font": {"size": 1, "color": "rgba(0,0,0,0)"},
                "minorticklen": 7,
                # The current value would inherit the hidden labels' colour: give it the app's text colour.
                "currentvalue": {"prefix": "step ", "font": {"size": 12, "color": TEXT_COLOUR}},
                "steps": [
                    {
                        "label": f["name"],
                        "method": "animate",
                        "args": [[f["name"]], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}],
                    }
                    for f in frames
                ],
            }
        ],
    }
    return {"data": data, "layout": layout, "frames": frames}
