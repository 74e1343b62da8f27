"""Figures for the implicit-regularization lesson: flat share against batch size, and the modified loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from charts.contour import COLOURSCALE, colour_bar
from charts.encoding import typed
from charts.markers import DIVERGED, END, MINIMUM
from charts.palette import run_colour
from charts.paths import start_trace
from charts.scale import LossScale
from core.i18n import translator
from engine.lessons.implicit import ExampleRun, FlatShare, ModifiedGrid, Prediction

_ = translator("lessons_hard")

LEVELS = 30
LOG_OFFSET = 0.01
"""Colour = log10(loss - lower minimum + this): levels crowd near the floors, where the valleys differ."""


def _cell_text(s: FlatShare) -> list[str]:
    """Hover text per batch size: the count out of its runs, or what the single full-batch run did."""
    out = []
    for k, size in enumerate(s.sizes):
        if size >= s.full_batch:
            out.append(
                _("full batch: every seed makes the same run,<br>and it ends in the flat valley")
                if s.flat[k]
                else _("full batch: every seed makes the same run,<br>and it ends in the sharp valley")
            )
        else:
            out.append(
                _("{flat} of {runs} runs end in the flat valley<br>share {share} (95%: {low}–{high})").format(
                    flat=s.flat[k],
                    runs=s.runs[k],
                    share=f"{s.share[k]:.3f}",
                    low=f"{s.low[k]:.3f}",
                    high=f"{s.high[k]:.3f}",
                )
            )
    return out


def share_figure(shares: Sequence[FlatShare], *, height: int = 460) -> dict[str, Any]:
    """Share of runs ending in the flat minimum against batch size, one line per lr, Wilson 95% bars."""
    data = []
    sizes: tuple[int, ...] = ()
    for i, s in enumerate(sorted(shares, key=lambda s: s.lr)):
        sizes = s.sizes
        share = s.share
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": typed(np.asarray(s.sizes, np.float64)),
                "y": typed(share),
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": typed(s.high - share),
                    "arrayminus": typed(share - s.low),
                    "thickness": 1.5,
                    "width": 4,
                },
                "text": _cell_text(s),
                "name": f"η = {s.lr:g}",
                "line": {"color": run_colour(i), "width": 2.5},
                "marker": {"size": 8},
                "hovertemplate": f"η = {s.lr:g}, B = %{{x}}<br>%{{text}}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "xaxis": {
                "title": {"text": _("batch size B (log scale)")},
                "type": "log",
                "tickvals": [float(b) for b in sizes],
                "ticktext": [str(b) for b in sizes],
            },
            "yaxis": {"title": {"text": _("share of runs ending in the flat valley")}, "range": [-0.03, 1.03]},
            "legend": {"orientation": "h", "y": -0.2, "x": 0},
            "hovermode": "closest",
        },
    }


PANELS = ((0.0, 0.56), (0.64, 0.94))
"""Horizontal extent of the two panels (both valleys; the close-up of the sharp one), as shares of the figure."""
EXAMPLE_COLOURS = (0, 1, 2)
"""Run colours (``run_colour``) of the drawn runs, in :func:`engine.lessons.implicit.pick_examples` order."""


def example_name(run: ExampleRun, full_batch: int) -> str:
    """The legend name of a drawn run: who it is and where it ends, in plain words."""
    where = (
        _("diverges") if run.diverged else (_("ends in the flat valley") if run.flat else _("ends in the sharp valley"))
    )
    if run.batch_size >= full_batch:
        return _("full batch (B = {batch}): {where}").format(batch=run.batch_size, where=where)
    return _("B = {batch}, seed {seed}: {where}").format(batch=run.batch_size, seed=run.seed, where=where)


def _contours(grid: ModifiedGrid, scale: LossScale, levels: dict[str, float], axes: str) -> list[dict[str, Any]]:
    """The filled modified loss and the dotted plain loss at the same levels, on axes ``axes`` ("" or "2")."""
    shown = scale.apply(grid.modified)
    zoom = axes != ""
    filled: dict[str, Any] = {
        "type": "contour",
        "x": typed(grid.xs),
        "y": typed(grid.ys),
        "z": typed(shown),
        "zmin": levels["start"],
        "zmax": levels["end"],
        "colorscale": COLOURSCALE,
        "autocontour": False,
        "contours": {**levels, "coloring": "fill", "showlines": False},
        "hoverinfo": "skip",
        "name": f"f + (η/4)‖∇f‖², η = {grid.lr:g}" + (" " + _("(close-up)") if zoom else ""),
        "showlegend": False,
    }
    if zoom:
        filled["showscale"] = False
    else:
        filled["colorbar"] = colour_bar(scale, grid.modified)
    plain = {
        "type": "contour",
        "x": typed(grid.xs),
        "y": typed(grid.ys),
        "z": typed(scale.apply(grid.loss)),
        "autocontour": False,
        "contours": {**levels, "coloring": "none"},
        "line": {"color": "rgba(255,255,255,0.55)", "width": 1, "dash": "dot"},
        "showscale": False,
        "hoverinfo": "skip",
        "name": _("f alone (same levels)"),
        "showlegend": not zoom,
    }
    if zoom:
        for trace in (filled, plain):
            trace.update(xaxis="x2", yaxis="y2")
    return [filled, plain]


def modified_surface(grid: ModifiedGrid, zoom: ModifiedGrid, pred: Prediction, *, height: int = 520) -> dict[str, Any]:
    """The map's surface: the modified loss filled, the plain loss dotted at the same levels, on two panels.

    Two panels: both valleys (``grid``), and a close-up of the sharp valley (``zoom``, same
    colours and levels, axes x2/y2) that a white box on the first panel locates: at the
    first panel's scale that valley is only a few pixels wide. It depends on the map's η
    alone, so a rerun that only changes the runs keeps it (:func:`charts.live_map.split_figure`).
    """
    # A log scale (height above the lower minimum) puts most levels near the two floors, where the
    # penalty changes the valleys' shapes; a linear one would spend them on the far walls.
    scale = LossScale(log=True, floor=min(pred.depth), offset=LOG_OFFSET)
    shown = scale.apply(grid.modified)
    low, high = float(shown.min()), float(shown.max())
    levels = {"start": low, "end": high, "size": (high - low) / LEVELS if high > low else 1.0}
    data = _contours(grid, scale, levels, "") + _contours(zoom, scale, levels, "2")
    return {"data": data, "layout": _layout(grid, zoom, height)}


def modified_overlay(
    pred: Prediction, start: Sequence[float], examples: Sequence[ExampleRun] = (), full_batch: int = 256
) -> list[dict[str, Any]]:
    """What the map draws over :func:`modified_surface` on both panels: a few runs, the minima and the start."""
    data: list[dict[str, Any]] = []
    names = (_("sharp minimum"), _("flat minimum"))
    for axes in ("", "2"):
        for i, run in enumerate(examples):
            colour = run_colour(EXAMPLE_COLOURS[i % len(EXAMPLE_COLOURS)])
            name = example_name(run, full_batch)
            end = run.path[-1]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": typed(run.path[:, 0]),
                    "y": typed(run.path[:, 1]),
                    "xaxis": "x" + axes,
                    "yaxis": "y" + axes,
                    "name": name,
                    "legendgroup": name,
                    "showlegend": axes == "",
                    "line": {"color": colour, "width": 1.6 if run.batch_size >= full_batch else 1.1},
                    "opacity": 1.0 if run.batch_size >= full_batch else 0.6,
                    "hovertemplate": f"{name}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
                }
            )
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(end[0])],
                    "y": [float(end[1])],
                    "xaxis": "x" + axes,
                    "yaxis": "y" + axes,
                    "name": (_("{name} (diverged)") if run.diverged else _("{name} (end)")).format(name=name),
                    "legendgroup": name,
                    "showlegend": False,
                    "marker": {
                        "symbol": DIVERGED if run.diverged else END,
                        "size": 9,
                        "color": colour,
                        "line": {"width": 1, "color": "black"},
                    },
                    "hovertemplate": name + "<br>" + _("end") + " (%{x:.3f}, %{y:.3f})<extra></extra>",
                }
            )
    for axes in ("", "2"):
        for k, (m, colour) in enumerate(zip(pred.minima, ("#ff4d4d", "#ffffff"), strict=True)):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(m[0])],
                    "y": [float(m[1])],
                    "xaxis": "x" + axes,
                    "yaxis": "y" + axes,
                    "name": _("{minimum}: curvature {before} → {after}").format(
                        minimum=names[k], before=f"{pred.curvature[k]:.3g}", after=f"{pred.modified[k]:.3g}"
                    ),
                    "showlegend": axes == "",
                    "marker": {
                        "symbol": MINIMUM,
                        "size": 12 if axes else 11,
                        "color": colour,
                        "line": {"width": 1.5, "color": "black"},
                    },
                    "hovertemplate": f"{names[k]} (%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
                }
            )
    point = start_trace((float(start[0]), float(start[1])), name=_("start of every run"), size=13)
    data.append(point)
    data.append({**point, "xaxis": "x2", "yaxis": "y2", "showlegend": False})
    return data


def _layout(grid: ModifiedGrid, zoom: ModifiedGrid, height: int) -> dict[str, Any]:
    """Both panels at equal scale, their titles, and the white box locating the close-up on the first."""
    (zx0, zx1), (zy0, zy1) = (float(zoom.xs[0]), float(zoom.xs[-1])), (float(zoom.ys[0]), float(zoom.ys[-1]))
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 36, "b": 50},
        "legend": {"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0},
        "shapes": [
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": zx0,
                "x1": zx1,
                "y0": zy0,
                "y1": zy1,
                "line": {"color": "white", "width": 1.5},
            }
        ],
        "annotations": [
            _panel_title(_("both valleys"), "x"),
            _panel_title(_("close-up of the sharp valley (the white box)"), "x2"),
        ],
    }
    for suffix, (x0, x1), (y0, y1), panel in (
        ("", (grid.xs[0], grid.xs[-1]), (grid.ys[0], grid.ys[-1]), PANELS[0]),
        ("2", (zx0, zx1), (zy0, zy1), PANELS[1]),
    ):
        layout["xaxis" + suffix] = {
            "range": [float(x0), float(x1)],
            "domain": list(panel),
            "anchor": "y" + suffix,
            "title": {"text": "x"},
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
        }
        layout["yaxis" + suffix] = {
            "range": [float(y0), float(y1)],
            "anchor": "x" + suffix,
            "title": {"text": "y"},
            "constrain": "domain",
            "scaleanchor": "x" + suffix,
            "scaleratio": 1,
            "showgrid": False,
            "zeroline": False,
        }
    return layout


def _panel_title(text: str, axis: str) -> dict[str, Any]:
    return {
        "text": f"<b>{text}</b>",
        "xref": f"{axis} domain",
        "yref": f"y{axis[1:]} domain",
        "x": 0,
        "y": 1.01,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 13},
    }
