"""The app's shared chart conventions, checked on any figure a page draws.

One marker language (:mod:`charts.markers`): a shape says what a point is, on every page.
Colour bars in loss units read round values (:meth:`charts.scale.LossScale.ticks`).
Log axes tick at plain round numbers. Each function returns a list of problems (empty when
the figure follows the rules), so a failing test names every offending trace at once.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from charts import markers
from charts.encoding import decode

SHAPES = {
    markers.MINIMUM,
    markers.SADDLE,
    markers.START,
    markers.END,
    markers.DIVERGED,
    markers.CHECKPOINT,
    markers.REFERENCE,
    markers.CLICK_TARGET,
}
ARROWHEAD = "arrow"
"""The head of a drawn vector (part of an arrow, not a point of its own)."""
HEAD_SUFFIXES = (" end", " now", " (diverged)")
"""How :func:`charts.paths.run_traces` names a run's head: the one use of the plain circle."""
NAMED_SHAPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (markers.MEANINGS[markers.MINIMUM], markers.MINIMUM),
    (markers.MEANINGS[markers.DIVERGED], markers.DIVERGED),
)
"""Meanings whose markers must use their reserved shape: a trace so named draws no other."""


def _symbols(trace: dict[str, Any]) -> list[str]:
    """The visible marker symbols of a scatter trace that draws markers (plotly's default is a circle)."""
    if trace.get("type", "scatter") != "scatter" or "markers" not in str(trace.get("mode", "")):
        return []
    marker = trace.get("marker", {})
    symbol, size = marker.get("symbol", "circle"), marker.get("size", 6)
    count = max(len(v) if isinstance(v, list) else 1 for v in (symbol, size))
    symbols = symbol if isinstance(symbol, list) else [symbol] * count
    sizes = size if isinstance(size, list) else [size] * count
    return [s for s, n in zip(symbols, sizes, strict=True) if n]


def marker_problems(figure: dict[str, Any]) -> list[str]:
    """Every marker that breaks the one-shape-per-meaning rule of :mod:`charts.markers`.

    A shape must come from :mod:`charts.markers` (or be an arrowhead); a reserved shape
    (star, hourglass, cross) must sit in a trace whose name says its meaning; the open
    circle is only for the start, and a trace named "start" must use it; the plain circle
    is only where runs end (named "<run> end", "<run> now" or "end points"); the data points
    of a line chart (``lines+markers``) are not points on a map and may be plain circles.
    """
    problems = []
    for trace in figure["data"]:
        name = str(trace.get("name", ""))
        lowered = name.lower()
        for symbol in set(_symbols(trace)):
            if symbol not in SHAPES | {ARROWHEAD}:
                problems.append(f"{name!r}: {symbol!r} is not a shape of charts.markers")
            words = markers.MEANINGS.get(symbol, ())
            if words and not any(word in lowered for word in words):
                problems.append(f"{name!r}: {symbol!r} means {words[0]!r} but the trace does not say so")
            if symbol == markers.START and "start" not in lowered:
                problems.append(f"{name!r}: the open circle is reserved for the start")
            is_head = name.endswith(HEAD_SUFFIXES) or re.search(r"\bends?\b", lowered) is not None
            if symbol == markers.END and trace.get("mode") == "markers" and not is_head:
                problems.append(f"{name!r}: the plain circle is reserved for a run's head")
        if lowered == "start" and set(_symbols(trace)) != {markers.START}:
            problems.append(f"{name!r}: the start is drawn with {_symbols(trace)}, not {markers.START!r}")
    return problems


def is_round(value: float) -> bool:
    """0, or 1, 2 or 5 times a power of ten (either sign)."""
    if value == 0:
        return True
    mantissa = abs(value) / 10.0 ** math.floor(math.log10(abs(value)) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1.0, 2.0, 5.0))


def colour_bar_problems(figure: dict[str, Any]) -> list[str]:
    """Every shown colour bar whose ticks are not round losses, or that plots log values without loss ticks.

    Plotly's own ticks are round in the plotted values: fine on a linear bar of losses,
    but on a log bar they would be exponents, so such a bar must carry its own ticks.
    """
    problems = []
    for trace in figure["data"]:
        marker = trace.get("marker") or {}
        # A trace's own colour bar, or its markers' (the live map's surface carries its bar that way).
        own = marker.get("colorbar") if marker.get("showscale") else None
        bar = trace.get("colorbar", own)
        if bar is None or trace.get("showscale") is False:
            continue
        name = trace.get("name", trace.get("type"))
        texts = bar.get("ticktext")
        if texts is None:
            if "log" in str(bar.get("title", {}).get("text", "")):
                problems.append(f"{name!r}: a log colour bar without ticks in loss units")
            continue
        values = bar.get("tickvals", [])
        if len(texts) != len(values) or len(texts) < 3:
            problems.append(f"{name!r}: {len(texts)} labels for {len(values)} ticks")
        if list(values) != sorted(values):
            problems.append(f"{name!r}: ticks out of order {values}")
        odd = [text for text in texts if not is_round(float(text))]
        if odd:
            problems.append(f"{name!r}: colour-bar ticks at odd values {odd}")
    return problems


def named_shape_problems(figure: dict[str, Any]) -> list[str]:
    """Markers named a minimum (or optimum) or a divergence but drawn in another shape than its reserved one.

    :func:`marker_problems` checks that a star says "minimum"; this checks the other way round, so a
    penalized optimum cannot hide as a diamond and a blow-up as a square.
    """
    problems = []
    for trace in figure["data"]:
        name = str(trace.get("name", ""))
        for symbol in set(_symbols(trace)):
            for words, shape in NAMED_SHAPES:
                if any(word in name.lower() for word in words) and symbol != shape:
                    problems.append(f"{name!r}: drawn as {symbol!r}, not as {shape!r}")
    return problems


def colour_bar_reading_problems(figure: dict[str, Any], reach: float = 0.2) -> list[str]:
    """Log colour bars whose ticks misread: a label not where the colours show that loss, or a round loss
    that could label a stretch of the bar more than ``reach`` of its length from every tick.

    A log bar plots ``log10(f - c)`` (:class:`charts.scale.LossScale`, ``c`` = floor - offset), so each
    tick ``(position p, label v)`` gives ``c = v - 10**p``: all ticks must agree on it, and it turns the
    bar's ends (``zmin``/``zmax``, else the data's) back into losses.
    """
    problems = []
    for trace in figure["data"]:
        bar = trace.get("colorbar")
        if trace.get("type") != "contour" or bar is None or trace.get("showscale") is False:
            continue
        positions, labels = bar.get("tickvals"), bar.get("ticktext")
        if "log" not in str((bar.get("title") or {}).get("text", "")) or not positions or not labels:
            continue  # linear bars carry Plotly's round ticks; a log bar without ticks is colour_bar_problems'
        values = [float(label) for label in labels]
        shifts = [v - 10.0**p for p, v in zip(positions, values, strict=True)]
        if max(shifts) - min(shifts) > 1e-5 * max(abs(v) for v in values):
            problems.append(f"ticks {labels} do not sit where the colours show those losses")
            continue
        c = float(np.mean(shifts))
        z = np.asarray(decode(trace["z"]), np.float64)
        low = float(trace["zmin"]) if "zmin" in trace else float(np.nanmin(z))
        high = float(trace["zmax"]) if "zmax" in trace else float(np.nanmax(z))
        lowest, highest = 10.0**low + c, 10.0**high + c
        top = math.ceil(math.log10(max(abs(lowest), abs(highest))))
        for k in range(top - 13, top + 1):
            for m in (1.0, 2.0, 5.0):
                value = m * 10.0**k
                if lowest < value < highest:
                    position = math.log10(value - c)
                    if min(abs(position - p) for p in positions) > reach * (high - low):
                        problems.append(f"round loss {value:g} could label an empty stretch of the bar {labels}")
    return problems


def log_axis_problems(figure: dict[str, Any]) -> list[str]:
    """Log axes whose ticks read oddly: Plotly's own (after "10" they label 20 and 50 as "2" and "5"), a label
    that is not its tick's value, or a value from 0.001 up to 1e5 written with an exponent ("1e0", "1e-2").

    The first tick may stand for a floor, as "0 (exact)" or "≤ value".
    """
    problems = []
    for name, axis in figure["layout"].items():
        if not name.startswith(("xaxis", "yaxis")) or axis.get("type") != "log":
            continue
        values, labels = axis.get("tickvals"), axis.get("ticktext")
        if not values or not labels:
            problems.append(f"{name} is left to Plotly's log ticks")
            continue
        for i, (value, label) in enumerate(zip(values, labels, strict=True)):
            if i == 0 and label.startswith("0 ("):
                continue
            written = label.removeprefix("≤ ") if i == 0 else label
            if not math.isclose(float(written), value, rel_tol=1e-9):
                problems.append(f"{name}: tick at {value:g} reads {label!r}")
            if 1e-3 <= value < 1e5 and "e" in written:
                problems.append(f"{name}: {value:g} is written {label!r}")
    return problems
