"""Figures for the noise-injection lesson: the clean loss and the expected loss under noise, side by side."""

from __future__ import annotations

from typing import Any

import numpy as np

import landscapes
from charts.lessons.grid_maps import diverged_trace, grid_contour, line_trace, map_layout, point_trace
from charts.markers import DIVERGED, MINIMUM, REFERENCE
from charts.palette import run_colour
from charts.scale import LossScale
from core.i18n import translator
from engine.lessons.regularization import LANDSCAPE_KEY

_ = translator("lessons_reg")
CLEAN_COLOUR = run_colour(0)
NOISY_COLOUR = "rgba(255,255,255,0.55)"
EXPECTED_MINIMUM_COLOUR = run_colour(3)
AVERAGE_COLOUR = "#000000"
"""The average of the noisy runs sits on the expected-loss minimum's red star, over the dark
low-loss colours: a small black diamond with a white rim stands out against both."""
MAX_PATH_POINTS = 400


def _thin(path: np.ndarray) -> np.ndarray:
    """At most :data:`MAX_PATH_POINTS` points of a path, first and last kept."""
    if len(path) <= MAX_PATH_POINTS:
        return path
    return path[np.unique(np.linspace(0, len(path) - 1, MAX_PATH_POINTS).round().astype(int))]


def shared_scale(clean: np.ndarray, expected: np.ndarray) -> tuple[LossScale, tuple[float, float]]:
    """One logarithmic colour scale and range for both maps, so the lift of the expected loss shows as colour.

    Logarithmic always: the clean loss's long, flat valley would be one dark band on a linear scale.
    """
    both = np.concatenate([clean.ravel(), expected.ravel()])
    low, high = float(both.min()), float(both.max())
    return LossScale(True, low, max(high - low, 1e-12) * 1e-3), (low, high)


def _window() -> tuple[tuple[float, float], tuple[float, float]]:
    (x0, x1), (y0, y1) = landscapes.get(LANDSCAPE_KEY).domain
    return (x0, x1), (y0, y1)


def clean_surface(xs: np.ndarray, ys: np.ndarray, clean: np.ndarray, expected: np.ndarray) -> dict[str, Any]:
    """The clean training loss on the colour scale it shares with ``expected`` (no colour bar of its own)."""
    scale, zrange = shared_scale(clean, expected)
    data = [grid_contour(xs, ys, clean, scale, zrange=zrange, showscale=False)]
    return {"data": data, "layout": map_layout(*_window(), height=470, title=_("Clean loss f(w)"))}


def clean_overlay(
    clean_path: np.ndarray, clean_minimum: np.ndarray, diverged_at: int | None = None
) -> list[dict[str, Any]]:
    """The noise-free path (an x at its end if it diverged) and the clean minimum, drawn over :func:`clean_surface`."""
    label = _("training on clean inputs")
    data = [
        line_trace(_thin(clean_path), name=label, colour=CLEAN_COLOUR),
        point_trace(clean_minimum[None], name=_("clean minimum"), colour="white", symbol=MINIMUM, size=15),
    ]
    if diverged_at is not None:
        data.append(diverged_trace(clean_path[-1], label=label, step=diverged_at, colour=CLEAN_COLOUR))
    return data


def average_trace(average: np.ndarray) -> dict[str, Any]:
    """Where the noisy runs hover: a small black diamond with a white rim, drawn over the red star it sits on."""
    trace = point_trace(
        np.asarray(average)[None],
        name=_("average of the noisy runs (second half)"),
        colour=AVERAGE_COLOUR,
        symbol=REFERENCE,
        size=10,
    )
    trace["marker"]["line"] = {"width": 2, "color": "white"}
    return trace


def expected_surface(
    xs: np.ndarray, ys: np.ndarray, clean: np.ndarray, expected: np.ndarray, title: str
) -> dict[str, Any]:
    """The expected loss under the noise, with the colour bar both panels share."""
    scale, zrange = shared_scale(clean, expected)
    data = [grid_contour(xs, ys, expected, scale, zrange=zrange)]
    return {"data": data, "layout": map_layout(*_window(), height=470, title=title)}


def expected_overlay(
    noisy_paths: np.ndarray,
    expected_minimum: np.ndarray,
    clean_minimum: np.ndarray,
    average: np.ndarray,
    diverged_at: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """The noisy paths, both minima and where the noisy runs hover, drawn over :func:`expected_surface`.

    ``diverged_at`` (one per path, -1 for never) puts an x on the last point of each run that diverged.
    """
    data: list[dict[str, Any]] = []
    for i, path in enumerate(noisy_paths):
        data.append(
            line_trace(
                _thin(path),
                name=_("training on noisy inputs (one per seed)"),
                colour=NOISY_COLOUR,
                width=1.2,
                showlegend=i == 0,
            )
        )
    data += [
        point_trace(clean_minimum[None], name=_("clean minimum"), colour="white", symbol=MINIMUM, size=15),
        point_trace(
            expected_minimum[None],
            name=_("expected-loss minimum"),
            colour=EXPECTED_MINIMUM_COLOUR,
            symbol=MINIMUM,
            size=22,
        ),
        average_trace(average),
    ]
    gone = [] if diverged_at is None else [i for i, step in enumerate(diverged_at) if step >= 0]
    if gone:
        ends = np.array([noisy_paths[i][-1] for i in gone])
        name = _("noisy runs diverged ({count} of {runs})").format(count=len(gone), runs=len(noisy_paths))
        data.append(point_trace(ends, name=name, colour="white", symbol=DIVERGED, size=13))
    return data
