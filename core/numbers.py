"""Numbers as text, one way everywhere: rounded for readers, exact for links.

A reader gets a rounded number (prose, captions, hover labels, ticks, slider labels,
equations); a link gets the exact one (share links and URL-bound widget options), since
the text is read back into the same float.
"""

from __future__ import annotations

import math
import re


def number_text(value: float, digits: int = 4) -> str:
    """``value`` as a reader writes it: at most ``digits`` significant digits, nothing dangling.

    No trailing zeros and no trailing point ("0", not "0." or "0.000"; "2.5", not "2.500");
    plain decimals from 0.001 up to 100 000 (12346, 0.0015), exponent form outside that range
    without padding ("2.5e-7", "1e+6"); "NaN", "∞" and "−∞" for values that are not finite.
    """
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    digits = max(1, int(digits))
    if 1e-3 <= abs(value) < 1e5:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
        text = f"{value:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    power = int(exponent)
    return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


_EXPONENT = re.compile(r"e([+-])(\d+)$")
_LATEX_SPECIAL = {"NaN": r"\mathrm{NaN}", "∞": r"\infty", "−∞": r"-\infty"}


def latex_number(value: float, digits: int = 6) -> str:
    r""":func:`number_text` for an equation: ``1.5\times 10^{-5}`` where the text says ``1.5e-5``.

    Six digits by default, so a setting such as beta2 = 0.99999 never shows as 1.
    """
    text = number_text(value, digits)
    if text in _LATEX_SPECIAL:
        return _LATEX_SPECIAL[text]
    match = _EXPONENT.search(text)
    if match is None:
        return text
    sign = "-" if match.group(1) == "-" else ""
    return rf"{text[: match.start()]}\times 10^{{{sign}{match.group(2)}}}"


def exact_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value``: what a link holds.

    Whole numbers without a point ("3", not "3.0"), others as Python's ``repr`` ("0.05",
    "2e-05"). Share links depend on these strings staying the same: a change would give
    one scenario two links (and two cache entries).
    """
    value = float(value)
    return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
