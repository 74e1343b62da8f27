"""Rules every map in the app keeps, as checks that list what breaks them (empty list: all kept).

Used by page tests on the figures of a page's default view (see :func:`tests.apptest_helpers.figures`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from charts import markers
from charts.encoding import decode

VOCABULARY = frozenset(
    {
        markers.MINIMUM,
        markers.SADDLE,
        markers.START,
        markers.END,
        markers.DIVERGED,
        markers.CHECKPOINT,
        markers.REFERENCE,
    }
)
"""The marker shapes of :mod:`charts.markers`; a map draws no other."""


NAMED_SHAPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (markers.MEANINGS[markers.MINIMUM], markers.MINIMUM),
    (markers.MEANINGS[markers.DIVERGED], markers.DIVERGED),
    (("start",), markers.START),
)
"""The other way round: a marker named for one of these meanings has that meaning's shape."""


def _symbols(trace: dict[str, Any]) -> list[str]:
    """The marker shapes a scatter trace shows ("circle" when none is given, as Plotly draws it)."""
    if trace.get("type", "scatter") != "scatter" or "markers" not in str(trace.get("mode", "")):
        return []
    symbol = (trace.get("marker") or {}).get("symbol", "circle")
    return [str(s) for s in (symbol if isinstance(symbol, list) else [symbol])]


def marker_errors(figure: dict[str, Any]) -> list[str]:
    """Markers that break the shared language: a shape outside it, a reserved shape not named for its
    meaning, or a marker named a minimum, an optimum, a divergence or the start in another shape.

    A star must be named a minimum, an x must be named diverged, an hourglass a saddle
    (:data:`charts.markers.MEANINGS`), so a reader who learns a shape on one page can trust it on every page.
    """
    errors = []
    for trace in figure["data"]:
        name = str(trace.get("name", ""))
        for symbol in _symbols(trace):
            if symbol not in VOCABULARY:
                errors.append(f"{name!r} is drawn as {symbol!r}, not one of charts.markers' shapes")
            words = markers.MEANINGS.get(symbol, ())
            if words and not any(word in name.lower() for word in words):
                errors.append(f"{name!r} is drawn as {symbol!r}, which means {words[0]!r}, but is not named so")
            for words, shape in NAMED_SHAPES:
                if any(word in name.lower() for word in words) and symbol != shape:
                    errors.append(f"{name!r} is drawn as {symbol!r}, not as {shape!r}")
    return errors


def is_round(label: str) -> bool:
    """Whether a tick label is 0 or 1, 2 or 5 times a power of ten (either sign)."""
    value = abs(float(label))
    if value == 0:
        return True
    mantissa = value / 10.0 ** math.floor(math.log10(value) + 1e-9)
    return any(abs(mantissa - m) < 1e-6 for m in (1.0, 2.0, 5.0))


def colour_bar_errors(figure: dict[str, Any], reach: float = 0.2) -> list[str]:
    """Colour bars that read badly: a log bar without ticks in loss units, a tick that is not a round
    loss or does not sit where the colours show that loss, or a round loss that could label a stretch
    of the bar more than ``reach`` of its length from every tick.

    A log bar plots ``log10(f - c)`` (:class:`charts.scale.LossScale`, ``c`` = floor - offset), so each
    tick ``(position p, label v)`` gives ``c = v - 10**p``: all ticks must agree on it, and it turns
    the bar's ends back into losses.
    """
    errors = []
    for trace in figure["data"]:
        bar = trace.get("colorbar")
        if trace.get("type") != "contour" or bar is None or trace.get("showscale") is False:
            continue
        title = str((bar.get("title") or {}).get("text", ""))
        if "log" not in title:
            continue  # a linear bar: Plotly's own ticks are round losses
        positions, labels = bar.get("tickvals"), bar.get("ticktext")
        if not positions or not labels:
            errors.append(f"log colour bar {title!r} has no ticks in loss units")
            continue
        errors += [f"tick {label!r} is not a round loss" for label in labels if not is_round(label)]
        values = [float(label) for label in labels]
        shifts = [v - 10.0**p for p, v in zip(positions, values, strict=True)]
        if max(shifts) - min(shifts) > 1e-5 * max(abs(v) for v in values):
            errors.append(f"ticks {labels} do not sit where the colours show those losses")
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
                        errors.append(f"round loss {value:g} could label an empty stretch of the bar {labels}")
    return errors


def log_axis_errors(figure: dict[str, Any]) -> list[str]:
    """Log axes whose ticks read oddly: Plotly's own (after "10" they label 20 and 50 as "2" and "5"), a label
    that is not its tick's value, or a value from 0.001 up to 1e5 written with an exponent ("1e0", "1e-2").

    The first tick may stand for a floor, as "0 (exact)" or "≤ value".
    """
    errors = []
    for name, axis in figure["layout"].items():
        if not name.startswith(("xaxis", "yaxis")) or axis.get("type") != "log":
            continue
        values, labels = axis.get("tickvals"), axis.get("ticktext")
        if not values or not labels:
            errors.append(f"{name} is left to Plotly's log ticks")
            continue
        for i, (value, label) in enumerate(zip(values, labels, strict=True)):
            if i == 0 and label.startswith("0 ("):
                continue
            written = label.removeprefix("≤ ") if i == 0 else label
            if not math.isclose(float(written), value, rel_tol=1e-9):
                errors.append(f"{name}: tick at {value:g} reads {label!r}")
            if 1e-3 <= value < 1e5 and "e" in written:
                errors.append(f"{name}: {value:g} is written {label!r}")
    return errors
