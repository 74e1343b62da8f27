"""The app's shared chart conventions, checked on any figure a page draws.

One marker language (:mod:`charts.markers`): a shape says what a point is, on every page.
Colour bars in loss units read round values (:meth:`charts.scale.LossScale.ticks`).
Each function returns a list of problems (empty when the figure follows the rules), so a
failing test names every offending trace at once.
"""

from __future__ import annotations

import math
from typing import Any

from charts import markers

SHAPES = {
    markers.MINIMUM,
    markers.SADDLE,
    markers.START,
    markers.END,
    markers.DIVERGED,
    markers.CHECKPOINT,
    markers.REFERENCE,
}
ARROWHEAD = "arrow"
"""The head of a drawn vector (part of an arrow, not a point of its own)."""
HEAD_SUFFIXES = (" end", " now")
"""How :func:`charts.paths.run_traces` names a run's head: the one use of the plain circle."""


def _symbols(trace: dict[str, Any]) -> list[str]:
    """The visible marker symbols of a scatter trace that draws markers (plotly's default is a circle)."""
    if trace.get("type", "scatter") != "scatter" or "markers" not in str(trace.get("mode", "")):
        return []
    marker = trace.get("marker", {})
    symbol, size = marker.get("symbol", "circle"), marker.get("size", 6)
    symbols = symbol if isinstance(symbol, list) else [symbol]
    sizes = size if isinstance(size, list) else [size] * len(symbols)
    return [s for s, n in zip(symbols, sizes, strict=True) if n]


def marker_problems(figure: dict[str, Any]) -> list[str]:
    """Every marker that breaks the one-shape-per-meaning rule of :mod:`charts.markers`.

    A shape must come from :mod:`charts.markers` (or be an arrowhead); a reserved shape
    (star, hourglass, cross) must sit in a trace whose name says its meaning; the open
    circle is only for the start, and a trace named "start" must use it; the plain circle
    is only a run's head (named "<run> end" or "<run> now").
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
            if symbol == markers.END and not name.endswith(HEAD_SUFFIXES):
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
        bar = trace.get("colorbar")
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
