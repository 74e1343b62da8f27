"""The values the Sweeps page's axis-range sliders offer: nice log values, or linear steps plus the "nines"."""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.param import Param
from ui.param_widgets import log_grid


def log_floor(param: Param) -> float:
    """Smallest value a log axis of ``param`` may start at (its low end, or 1e-6 of its high end if low is 0)."""
    return param.low if param.low > 0 else float(f"{param.high * 1e-6:.1g}")


NINES = (0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999)


def range_options(param: Param, log: bool) -> list[float]:
    """The values an axis range of ``param`` can start and end at.

    Log: ten nice values per decade from :func:`log_floor` up. Linear: steps of about a
    hundredth of the range, plus the "nines" (0.99, 0.999, ...) that decay rates need.
    """
    if log:
        return log_grid(log_floor(param), param.high)
    span = param.high - param.low
    step = 10.0 ** math.floor(math.log10(span / 100.0) + 0.01)
    count = math.floor(span / step + 1e-9)
    values = {float(f"{param.low + k * step:.10g}") for k in range(count + 1)}
    values |= {param.low, param.high} | {v for v in NINES if param.low <= v <= param.high}
    return sorted(values)


def snap(value: float, options: Sequence[float]) -> float:
    """The option closest to ``value``."""
    return min(options, key=lambda v: abs(v - value))


def ordered_range(low: float, high: float, options: Sequence[float]) -> tuple[float, float]:
    """``(low, high)`` sorted; if both are equal, widened to the next option (or the one before at the top)."""
    low, high = sorted((float(low), float(high)))
    if low < high:
        return low, high
    index = list(options).index(snap(low, options))
    if index + 1 < len(options):
        return low, float(options[index + 1])
    return float(options[index - 1]), high
