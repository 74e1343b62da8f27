"""What the live map draws, as plain JSON-ready data: a surface layer sent once, paths sent as float32.

The live map (:mod:`ui.live_map`) keeps one plotly.js plot alive across reruns. Its
data splits in two:

- a :class:`SurfaceLayer` -- the loss surface as one banded picture (a filled contour's
  look, see :func:`charts.raster.banded_image`), its colour bar, the minima and saddles,
  the axes and the theme -- sent to a browser once per surface and kept there;
- per rerun, only what moves: each run's path as float32 arrays, the animation frames'
  arrows, and a *family* of paths across one setting's slider positions for scrubbing.

Why a picture and not a contour trace: measured in Chromium on a 2-core machine, in a bare
page, ``Plotly.react`` on a 120² 30-level contour with 8 paths costs 48-62 ms per update, the
same plot with the surface as a layout image 24-27 ms: a contour trace is recomputed and
redrawn on every update, a picture is not. In the full Playground page the update costs about
70 ms (``benchmarks/live_map_bench.py``), so while a slider is dragged the browser moves only
the dragged path's SVG (``ui/live_map.js``, ``drawDragged``).

Every float array travels as ``{"dtype": "f4", "bdata": <base64>}`` (:func:`charts.encoding.typed`):
NaN and infinity are bit patterns there, so a diverged path survives the trip. Component
data is parsed with ``JSON.parse``, which has no NaN: :func:`json_safe` checks that no
bare non-finite number is left anywhere else.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from charts.contour import axes_layout, colour_bar, defined_values, marker_traces
from charts.encoding import typed
from charts.palette import run_colour
from charts.paths import ARROWS, arrow_points, frame_steps, start_trace
from charts.raster import banded_image
from charts.scale import LossScale
from core.i18n import language, translator
from engine.grid import LossGrid
from engine.scrub import Family
from engine.simulate import Trajectory
from landscapes.base import Landscape

_ = translator("app")

RASTER_RESOLUTION = 320
"""Pixels per side of the surface picture: a little more than the map shows on screen, so its lines stay crisp."""
FAMILY_POINTS = 300
"""Points kept of each path in a scrubbing family: enough for the few hundred pixels a path spans on screen."""
TEXT_COLOUR = "#fafafa"
"""The dark theme's text colour (``.streamlit/config.toml`` sets ``base = "dark"``)."""
FONT = {"family": '"Source Sans", "Source Sans Pro", sans-serif', "size": 13, "color": TEXT_COLOUR}


@dataclass(frozen=True)
class SurfaceLayer:
    """The static part of a map: traces under the paths and the layout; ``key`` names its content."""

    key: str
    data: tuple[dict[str, Any], ...]
    layout: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The layer as the component receives it."""
        return {"data": list(self.data), "layout": self.layout}


def content_key(*parts: Any) -> str:
    """A short digest of ``parts`` (JSON-encoded): equal content, equal key."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def dark_theme(layout: Mapping[str, Any]) -> dict[str, Any]:
    """``layout`` on the app's dark theme: transparent ground, light text and axes."""
    axis = {
        "color": TEXT_COLOUR,
        "linecolor": "rgba(250,250,250,0.3)",
        "tickcolor": "rgba(250,250,250,0.3)",
        "gridcolor": "rgba(250,250,250,0.12)",
        "zerolinecolor": "rgba(250,250,250,0.3)",
    }
    themed = {
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": FONT,
        "hoverlabel": {"font": {"family": FONT["family"]}},
        **layout,
    }
    for name in [k for k in themed if k.startswith(("xaxis", "yaxis"))]:
        themed[name] = {**axis, **themed[name]}
    return themed


def surface_layer(
    landscape: Landscape, values: Mapping[str, float], grid: LossGrid, *, height: int = 620
) -> SurfaceLayer:
    """The Playground's surface layer: ``grid`` (the loss of ``landscape`` at ``values``, best at
    :data:`RASTER_RESOLUTION` per side) as a banded picture with its colour bar, and the surface's minima."""
    xs, ys, z = grid
    scale = LossScale.fit(defined_values(z))
    plotted = scale.apply(z)
    finite = plotted[np.isfinite(plotted)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    (x0, _x1), (y0, _y1) = landscape.domain
    carrier = {
        # Plotly draws a colour bar only for a trace: this one point is invisible, its bar is the surface's.
        "type": "scatter",
        "mode": "markers",
        "x": [x0],
        "y": [y0],
        "name": _("loss"),
        "showlegend": False,
        "hoverinfo": "skip",
        "marker": {
            "color": [lo],
            "cmin": lo,
            "cmax": hi if hi > lo else lo + 1,
            "colorscale": "Viridis",
            "opacity": 0,
            "size": 0,
            "showscale": True,
            "colorbar": {**colour_bar(scale, z), "tickfont": {"color": TEXT_COLOUR}},
        },
    }
    layout = dark_theme(
        {
            **axes_layout(landscape),
            "images": [banded_image(xs, ys, plotted)],
            "height": height,
            "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": -0.1, "x": 0},
            "uirevision": f"{landscape.key}:{landscape.domain}",
            "dragmode": "pan",
            "hovermode": "closest",
        }
    )
    data = (carrier, *marker_traces(landscape, values))
    items = tuple(sorted(values.items()))
    formula = getattr(landscape, "formula", "")
    key = content_key(landscape.key, str(landscape.domain), formula, items, height, language())  # titles: language
    return SurfaceLayer(key=key, data=data, layout=layout)


def runs_payload(
    runs: Sequence[Trajectory], arrow_length: float, start: Sequence[float] | None = None
) -> dict[str, Any]:
    """Every run's full path (float32), the animation frames (the steps shown and the arrows at each) and the start.

    A run's path is drawn up to the frame's step while the animation plays; the arrows
    show directions only (all the same ``arrow_length``), as in :mod:`charts.paths`. The map
    draws these itself, so a new path or start changes no plotly.js trace (:func:`start_legend`
    gives the start its legend entry).
    """
    steps = max((run.steps for run in runs), default=0)
    shown = frame_steps(steps)
    arrows = arrow_points(runs, shown, arrow_length)
    return {
        "runs": [
            {
                "name": html.escape(run.label),
                "colour": run_colour(i),
                "xy": typed(run.path.reshape(-1)),
                "steps": int(run.steps),
                "diverged_at": run.diverged_at,
            }
            for i, run in enumerate(runs)
        ],
        "frames": [int(s) for s in shown],
        "arrows": [
            {"name": _(label), "colour": colour, "dash": dash, "xy": typed(arrows[name].reshape(-1))}
            for name, label, colour, dash in ARROWS
        ],
        "start": None if start is None else [float(start[0]), float(start[1])],
    }


def start_legend() -> dict[str, Any]:
    """The start ring's legend entry (no point: the map draws the ring at ``runs_payload``'s start)."""
    return {**start_trace((None, None)), "meta": "legend-entry", "hoverinfo": "skip"}


UI_REVISION = "live-map"
"""Plotly keeps the reader's legend clicks and zoom across reruns while this stays the same.

The live map redraws on every rerun with new overlay traces (``Plotly.react``); without a
``uirevision`` a run shown by a legend click (the near-limit GD runs on the ill-conditioning
map, say) hides again at the next slider move. Checked in Chromium: with it, the click and
the zoom survive a move of η; a new surface layer still brings its own axis ranges. A figure
that sets its own ``uirevision`` keeps it (the Playground's names its surface).
"""


def split_figure(figure: Mapping[str, Any], surface_traces: int) -> tuple[SurfaceLayer, list[dict[str, Any]]]:
    """A figure as a live map: its first ``surface_traces`` traces and its layout (on the dark theme,
    with :data:`UI_REVISION` unless it has its own) as the surface layer, the rest as the overlay
    redrawn on every rerun.

    The layer's key is a digest of its content, so an unchanged surface is not sent again.
    """
    data = list(figure["data"])
    layout = dark_theme({"uirevision": UI_REVISION, **figure.get("layout", {})})
    static = tuple(data[:surface_traces])
    return SurfaceLayer(key=content_key(static, layout), data=static, layout=layout), data[surface_traces:]


def figure_surface(figure: Mapping[str, Any]) -> SurfaceLayer:
    """All of ``figure`` (the static part of a lesson's map, built apart from its paths) as a surface layer."""
    return split_figure(figure, len(figure["data"]))[0]


def family_payload(family: Family, labels: Sequence[str]) -> dict[str, Any]:
    """``family`` as the component receives it: its values, their labels and its paths as one float32 array."""
    return {
        "run": family.run,
        "name": family.name,
        "values": [float(v) for v in family.values],
        "labels": list(labels),
        "points": int(family.paths.shape[1]),
        "xy": typed(family.paths.reshape(-1)),
        "diverged_at": [int(d) for d in family.diverged_at],
    }


def json_safe(value: Any, where: str = "data") -> None:
    """Raise naming the place of the first value JSON cannot carry: a non-finite number outside a typed
    array (``ValueError``), or a type JSON has no form for, such as a numpy scalar (``TypeError``).

    Streamlit sends data it cannot encode as its ``str()`` instead, and the map then silently
    never draws: this check makes that mistake loud where it is made.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} is {value!r}: JSON has no such number; send it inside a float32 array")
    if not isinstance(value, (Mapping, list, tuple, str, int, float, bool, type(None))):
        raise TypeError(f"{where} is a {type(value).__name__}: component data is JSON; use plain numbers and lists")
    if isinstance(value, Mapping):
        for key, item in value.items():
            json_safe(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            json_safe(item, f"{where}[{i}]")
