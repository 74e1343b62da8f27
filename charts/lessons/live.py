"""Lesson maps on the live map (:mod:`ui.live_map`): a map's static part as a surface layer, sent once.

A lesson map is built in two parts: a figure of what depends only on the settings that
define the surface (contour, colour bar, guide lines, axes, layout), and the traces that
the other settings move (the paths). :func:`lesson_surface` turns the first part into the
surface layer; the page hands the second part to ``live_map`` as its overlay, so a rerun
that only moves paths keeps the same surface key and re-sends nothing of the surface.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charts.live_map import SurfaceLayer, split_figure

UI_REVISION = "lesson-map"
"""Plotly keeps the reader's legend clicks and zoom across reruns while this stays the same.

The live map redraws on every rerun with new overlay traces (``Plotly.react``); without a
``uirevision`` a run shown by a legend click (the near-limit GD runs on the ill-conditioning
map, say) hides again at the next slider move. Checked in Chromium: with it, the click and
the zoom survive a move of η; a new surface layer still brings its own axis ranges.
"""


def lesson_surface(figure: Mapping[str, Any]) -> SurfaceLayer:
    """All of ``figure`` (its traces and layout, on the dark theme) as a live map's surface layer.

    The layer's key is a digest of its content: equal figures, equal keys.
    """
    layout = {"uirevision": UI_REVISION, **figure.get("layout", {})}
    surface, _ = split_figure({"data": figure["data"], "layout": layout}, len(figure["data"]))
    return surface
