"""One widget per :class:`core.param.Param`: a log slider, a linear slider or an integer slider."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import streamlit as st

from core.numbers import number_text
from core.param import Param

MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


def log_grid(low: float, high: float, current: float | None = None) -> list[float]:
    """Nice log-spaced values from ``low`` to ``high`` (ten per decade), plus ``current``.

    ``current`` is inserted when it is not on the grid, so a value from a share link
    is kept exactly rather than snapped.
    """
    values = {low, high}
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for m in MANTISSAS:
            v = float(f"{m * 10.0**exponent:.6g}")
            if low <= v <= high:
                values.add(v)
    if current is not None and low <= current <= high:
        values.add(float(current))
    return sorted(values)


def log_label(value: float) -> str:
    """A log slider's value as its widget shows it: three significant digits (0.05, 5e-4, 2e-5)."""
    return number_text(value, 3)


SCRUB_POSITIONS = 64
"""Most positions of a setting's slider in the live map: a log slider over six decades keeps all ten per decade."""


def linear_step(param: Param) -> float:
    """The step of a linear slider for ``param``: a power of ten near a thousandth of its range."""
    span = param.high - param.low
    return float(f"{10 ** math.floor(math.log10(span / 1000)):.0e}") if span > 0 else 0.01


def slider_positions(param: Param, most: int = SCRUB_POSITIONS) -> np.ndarray:
    """Values of ``param`` that its sidebar widget can take, at most ``most`` of them, spread over its range.

    A log slider's own grid (:func:`log_grid`), or evenly spread values on a linear or an
    integer slider's steps: committing any of them sets the sidebar widget exactly.
    """
    if param.log and param.low > 0:
        values = np.array(log_grid(param.low, param.high))
        if len(values) > most:
            values = values[np.unique(np.round(np.linspace(0, len(values) - 1, most)).astype(int))]
        return values
    step = 1.0 if param.integer else linear_step(param)
    raw = np.linspace(param.low, param.high, most)
    snapped = param.low + np.round((raw - param.low) / step) * step
    return np.unique(np.clip(np.round(snapped, 12), param.low, param.high))


def slider_label(param: Param, value: float) -> str:
    """``value`` as ``param``'s sidebar widget shows it."""
    if param.log and param.low > 0:
        return log_label(value)
    if param.integer:
        return str(round(value))
    return number_text(value, 4)


def param_widget(
    param: Param,
    key: str,
    label: str | None = None,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> float:
    """Draw the widget for ``param`` bound to ``st.session_state[key]`` and return its value.

    ``on_change`` runs when the user moves it, before the next run (it may choose what reruns).
    """
    label = label or param.name
    help = help or param.help_text() or None
    current = st.session_state.get(key, param.default)
    if param.log and param.low > 0:
        options = log_grid(param.low, param.high, float(current))
        if key in st.session_state and st.session_state[key] not in options:
            st.session_state[key] = min(options, key=lambda v: abs(math.log(v / float(current))))
        return float(
            st.select_slider(label, options=options, key=key, format_func=log_label, help=help, on_change=on_change)
        )
    if param.integer:
        return float(st.slider(label, int(param.low), int(param.high), step=1, key=key, help=help, on_change=on_change))
    step = linear_step(param)
    decimals = max(0, -int(np.floor(np.log10(step))))
    # Enough significant digits for the step, without trailing zeros: 0.9 reads "0.9", not "0.9000".
    whole = max(1, math.floor(math.log10(max(abs(param.low), abs(param.high), 1.0))) + 1)
    return float(
        st.slider(
            label,
            float(param.low),
            float(param.high),
            step=step,
            key=key,
            help=help,
            format=f"%.{decimals + whole}g",
            on_change=on_change,
        )
    )
