"""The contour map of a landscape, with its known minima and saddles marked.

A cell where the loss has no finite value (only a user's formula has such cells: the
square root of a negative number, say) is left out of the colour scale and not
coloured: the contour leaves a gap there and the background picture hatches it, so an
undefined region never looks like the highest loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from charts.encoding import typed
from charts.markers import MINIMUM, SADDLE
from charts.scale import LossScale
from core.i18n import translator
from engine.grid import LossGrid
from landscapes.base import Landscape

_ = translator("app")

COLOURSCALE = "Viridis"


def contour_traces(
    landscape: Landscape, values: Mapping[str, float], grid: LossGrid
) -> tuple[list[dict[str, Any]], LossScale]:
    """Contour of ``grid`` (losses of ``landscape`` at ``values``), minima and saddles; and the colour scale used."""
    scale = LossScale.fit(defined_values(grid.z))
    return [filled_contour(grid.xs, grid.ys, grid.z, scale), *marker_traces(landscape, values)], scale


def defined_values(z: np.ndarray) -> np.ndarray:
    """The finite values of ``z`` (flattened), or a single 0 if it has none: what a colour scale is fitted to."""
    finite = np.asarray(z)[np.isfinite(z)]
    return finite if finite.size else np.zeros(1, np.float32)


def colour_bar(scale: LossScale, z: np.ndarray) -> dict[str, Any]:
    """The colour bar of a map of losses ``z`` drawn on ``scale``: its title, and loss-unit ticks where it has them."""
    colorbar: dict[str, Any] = {"title": {"text": scale.title, "side": "right"}, "thickness": 12, "len": 0.9}
    ticks = scale.ticks(defined_values(z))
    if ticks:
        colorbar.update(tickvals=ticks[0], ticktext=ticks[1])
    return colorbar


def filled_contour(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, scale: LossScale, *, name: str | None = None, colorbar: bool = True
) -> dict[str, Any]:
    """The filled contour of losses ``z`` on ``scale`` (30 levels, faint lines), with its colour bar if ``colorbar``.

    NaN cells of ``z`` stay NaN: plotly.js leaves a gap there (``connectgaps`` off).
    """
    trace: dict[str, Any] = {
        "type": "contour",
        "x": typed(xs),
        "y": typed(ys),
        "z": typed(scale.apply(z)),
        "colorscale": COLOURSCALE,
        "ncontours": 30,
        "contours": {"coloring": "fill", "showlines": True},
        "line": {"width": 0.5, "color": "rgba(255,255,255,0.25)"},
        "connectgaps": False,
    }
    if colorbar:
        trace["colorbar"] = colour_bar(scale, z)
    trace.update(hoverinfo="skip", name=_("loss") if name is None else name, showlegend=False)
    return trace


def marker_traces(landscape: Landscape, values: Mapping[str, float]) -> list[dict[str, Any]]:
    """Stars on the known minima and crosses on the saddles (empty traces if none)."""
    out = []
    for points, name, symbol in (
        (landscape.minima(values), _("known minimum"), MINIMUM),
        (landscape.saddles(values), _("saddle point"), SADDLE),
    ):
        pts = np.asarray(points, np.float32).reshape(-1, 2)
        out.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": typed(pts[:, 0]),
                "y": typed(pts[:, 1]),
                "name": name,
                "marker": {"symbol": symbol, "size": 14, "color": "white", "line": {"width": 2, "color": "black"}},
                "hovertemplate": f"{name}<br>(%{{x:.4~g}}, %{{y:.4~g}})<extra></extra>",
                "showlegend": bool(len(pts)),
            }
        )
    return out


def axes_layout(landscape: Landscape) -> dict[str, Any]:
    """Fixed axis ranges (so animation frames never rescale) at equal scale on x and y.

    Equal scale keeps angles true: the gradient arrows cross the contours at right
    angles and a rotated bowl shows its real rotation.
    """
    (x0, x1), (y0, y1) = landscape.domain
    return {
        "xaxis": {
            "range": [x0, x1],
            "title": {"text": "x"},
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
        },
        "yaxis": {
            "range": [y0, y1],
            "title": {"text": "y"},
            "constrain": "domain",
            "scaleanchor": "x",
            "scaleratio": 1,
            "showgrid": False,
            "zeroline": False,
        },
    }
