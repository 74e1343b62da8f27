"""Numbers in running text, captions, hover labels and ticks: one way to write them everywhere."""

from __future__ import annotations

import math


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
