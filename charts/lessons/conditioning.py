"""Figures for the ill-conditioning lesson: the bowl with its eigen-directions, and distance against step."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

import landscapes
from charts.contour import contour_traces, marker_traces
from charts.encoding import typed
from charts.lessons.grid_maps import line_trace, map_layout, step_chart_layout
from charts.palette import run_colour
from charts.paths import start_trace
from core.i18n import translator
from engine.grid import LossGrid
from engine.lessons.conditioning import FLOOR, LANDSCAPE, Curvature, Study

_ = translator("lessons_hard")

MAP_RUNS = (0, 4, 1, 2)
"""Runs drawn on the map: your GD and heavy ball shown, the two near-limit runs one legend click away."""
MAP_STEPS = 300
"""Path points drawn on the map (later steps are too close to the minimum to see)."""
AXIS_COLOURS = {"steep": "#ff4d4d", "flat": "#ffffff"}
COLOURS = (run_colour(0), run_colour(1), run_colour(3), run_colour(2), run_colour(4))
"""One colour per rate row (your GD, below, above, optimal GD, heavy ball), on both figures."""
GUIDE_COLOUR = "#9e9e9e"
LABEL_SIZE = 13
"""Font size of the eigen-direction labels."""
MAP_HEIGHT = 560
Domain = tuple[tuple[float, float], tuple[float, float]]


class Bowl(NamedTuple):
    """What the eigen-directions and their labels depend on: the Hessian's eigen-pairs and the start (set by κ, θ)."""

    curvature: Curvature
    start: tuple[float, float]


def on_map(path: np.ndarray, domain: Domain) -> np.ndarray:
    """``path`` up to and including its first point outside ``domain`` (a diverging run leaves at once)."""
    (x0, x1), (y0, y1) = domain
    outside = (path[:, 0] < x0) | (path[:, 0] > x1) | (path[:, 1] < y0) | (path[:, 1] > y1)
    return path if not outside.any() else path[: int(np.argmax(outside)) + 1]


LABEL_MARGIN = 0.3
"""Eigen-direction labels keep at least this far (data units) inside the map's edges."""


def label_anchor(vector: np.ndarray, start: tuple[float, float], domain: Domain) -> tuple[np.ndarray, str, str]:
    """Where an eigen-direction's label goes, and its (xanchor, yanchor), so the text stays on the map.

    The label sits on the half of the line away from the start (where the paths are not),
    near the map's edge, and its text extends from there towards the centre, so however
    the bowl is rotated no letter reaches past an edge.
    """
    direction = np.asarray(vector, np.float64)
    if float(np.dot(direction, start)) > 0:
        direction = -direction
    (x0, x1), (y0, y1) = domain
    centre = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    half = min(x1 - x0, y1 - y0) / 2.0 - LABEL_MARGIN
    point = centre + direction * half / max(abs(direction[0]), abs(direction[1]))
    dx, dy = point - centre
    # Centred near the middle column; elsewhere the text runs from the anchor towards the centre.
    xanchor = "center" if abs(dx) < 0.35 * half else "right" if dx > 0 else "left"
    return point, xanchor, "top" if dy > 0 else "bottom"


def _label(name: str, lam: float, round_bowl: bool) -> str:
    # At κ = 1 every direction is an eigen-direction; eigh's pair is then just one choice.
    if round_bowl:
        return _("eigen-direction, λ = {lam}").format(lam=f"{lam:.4g}")
    text = _("steep direction, λ = {lam}") if name == "steep" else _("flat direction, λ = {lam}")
    return text.format(lam=f"{lam:.4g}")


def _directions(bowl: Bowl | Study) -> list[tuple[str, np.ndarray, str]]:
    """(colour key, unit eigenvector, label) for the steep and the flat direction."""
    curv = bowl.curvature
    round_bowl = bool(np.isclose(curv.lam_max, curv.lam_min))
    return [
        (name, vector, _label(name, lam, round_bowl))
        for name, vector, lam in (("steep", curv.steep, curv.lam_max), ("flat", curv.flat, curv.lam_min))
    ]


def eigen_traces(bowl: Bowl | Study, domain: Domain) -> list[dict[str, Any]]:
    """Two dashed lines through the minimum (the origin) along the Hessian's eigenvectors."""
    (x0, x1), (y0, y1) = domain
    reach = 1.5 * max(x1 - x0, y1 - y0)
    return [
        line_trace(np.outer([-reach, reach], vector), name=label, colour=AXIS_COLOURS[name], width=1.5, dash="dash")
        for name, vector, label in _directions(bowl)
    ]


def eigen_labels(bowl: Bowl | Study, domain: Domain) -> list[dict[str, Any]]:
    """The eigen-directions' names and eigenvalues as map annotations, on a dark backing so they read on any colour."""
    out = []
    for name, vector, label in _directions(bowl):
        point, xanchor, yanchor = label_anchor(vector, bowl.start, domain)
        out.append(
            {
                "x": float(point[0]),
                "y": float(point[1]),
                "text": html.escape(label),
                "showarrow": False,
                "xanchor": xanchor,
                "yanchor": yanchor,
                "font": {"color": AXIS_COLOURS[name], "size": LABEL_SIZE},
                "bgcolor": "rgba(0,0,0,0.55)",
                "borderpad": 2,
            }
        )
    return out


def bowl_surface(
    values: Mapping[str, float], bowl: Bowl, grid: LossGrid, *, height: int = MAP_HEIGHT
) -> dict[str, Any]:
    """The map's static part for the bowl at ``values`` (κ, θ): the contours of ``grid``, the eigen-directions
    of ``bowl`` with their labels, the axes.

    Only κ and θ shape it (the labels keep to the half of each line away from the start,
    which turns with θ), so moving the learning rate leaves it as it was.
    """
    land = landscapes.get(LANDSCAPE)
    base, _unused = contour_traces(land, values, grid)
    (x0, x1), (y0, y1) = land.domain
    layout = map_layout((x0, x1), (y0, y1), height=height, titles=("x", "y"))
    layout["annotations"] = eigen_labels(bowl, land.domain)
    return {"data": [base[0], *eigen_traces(bowl, land.domain)], "layout": layout}


def bowl_paths(study: Study) -> list[dict[str, Any]]:
    """What the map draws over :func:`bowl_surface`: the GD and heavy-ball paths, then the minimum and the start."""
    land = landscapes.get(LANDSCAPE)
    data = []
    for i in MAP_RUNS:
        run = study.runs[i]
        end = run.steps + 1 if run.diverged_at is None else max(run.diverged_at, 1)
        path = on_map(run.path[: min(end, MAP_STEPS + 1)], land.domain)
        trace = line_trace(path, name=run.label, colour=COLOURS[i], width=2)
        if i in (1, 2):
            trace["visible"] = "legendonly"
        data.append(trace)
    minimum, _unused = marker_traces(land, {"kappa": study.kappa, "angle": study.angle})
    data.append({**minimum, "name": _("minimum")})
    data.append(start_trace(study.start))
    return data


def distance_figure(study: Study, distances: Sequence[np.ndarray], *, height: int = 400) -> dict[str, Any]:
    """‖x_t - x*‖ against the step on a log axis, with each run's theoretical rate as a dotted guide.

    ``distances`` holds one array per rate row of ``study``: that run's distance to the minimum at
    each step up to its last good point (:func:`engine.lessons.conditioning.distances`). The guide
    for a run is ``d_a · r^(t - a)`` over the window ``[a, b]`` its rate was fitted on, so a guide
    parallel to its curve means theory and measurement agree.
    """
    data: list[dict[str, Any]] = []
    top = 1.0
    for i, (row, d) in enumerate(zip(study.rates, distances, strict=True)):
        keep = d > FLOOR
        count = len(d) if keep.all() else int(np.argmin(keep))
        steps = np.arange(count)
        top = max(top, float(d[:count].max()) if count else 1.0)
        colour = COLOURS[i]
        label = html.escape(row.label)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed(steps),
                "y": typed(d[:count]),
                "name": label,
                "legendgroup": f"r{i}",
                "line": {"color": colour, "width": 2.5},
                "hovertemplate": label + "<br>" + _("step") + " %{x}<br>" + _("distance") + " %{y:.3~g}<extra></extra>",
            }
        )
        if row.measured is not None:
            t = np.arange(row.measured.first, row.measured.last + 1)
            guide = d[row.measured.first] * row.theory ** (t - row.measured.first)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": typed(t),
                    "y": typed(np.maximum(guide, FLOOR)),
                    "name": _("theory r = {rate}").format(rate=f"{row.theory:.4g}"),
                    "legendgroup": f"r{i}",
                    "showlegend": False,
                    "line": {"color": GUIDE_COLOUR, "width": 2, "dash": "dot"},
                    "hovertemplate": _("theory for {label}: r = {rate}").format(label=label, rate=f"{row.theory:.4g}")
                    + "<extra></extra>",
                }
            )
    layout = step_chart_layout(
        height,
        _("distance to the minimum ‖x − x*‖"),
        [float(np.log10(FLOOR)), float(np.log10(top)) + 0.5],
        exponentformat="power",
    )
    # The shared layout's x title is still English ("step"); this page's catalog shows it translated.
    return {"data": data, "layout": layout}
