"""How loss values map to colours: linear, or logarithmic when they span decades."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.i18n import translator
from core.numbers import number_text

_ = translator("app")

LOG_WHEN_DECADES = 2.0
"""Use a log colour scale when the loss on the domain spans more than this many decades."""


@dataclass(frozen=True)
class LossScale:
    """A monotone map from loss to plotted value: ``log10(f - floor + offset)`` or ``f``."""

    log: bool
    floor: float
    offset: float

    @classmethod
    def fit(cls, z: np.ndarray) -> LossScale:
        """Choose linear or log from the spread of the finite values ``z``."""
        lo, hi = float(np.min(z)), float(np.max(z))
        spread = hi - lo
        if spread <= 0:
            return cls(False, lo, 1.0)
        offset = spread * 1e-4
        decades = np.log10((spread + offset) / offset) - np.log10((np.median(z) - lo + offset) / offset)
        positive_decades = np.log10(max(hi, 1e-30) / max(np.percentile(z, 5) - lo + offset, 1e-30))
        use_log = bool(max(decades, positive_decades) > LOG_WHEN_DECADES)
        return cls(use_log, lo, offset)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Plotted values for losses ``values``."""
        values = np.asarray(values, np.float64)
        if not self.log:
            return values.astype(np.float32)
        return np.log10(np.maximum(values - self.floor, 0.0) + self.offset).astype(np.float32)

    def ticks(self, z: np.ndarray, most: int = 7) -> tuple[list[float], list[str]] | None:
        """Colour-bar tick positions and labels in loss units (log scale only).

        The labels are round losses (0, then 1, 5 and 2 times a power of ten, in that order
        of preference), never ``floor + 10**k``, which reads as 104 or 14.1. A candidate is
        kept only if it sits at least ``1/most`` of the bar away from every kept one, so
        ticks never crowd where the scale compresses (just above the floor); a bar left with
        fewer than three ticks takes them twice as dense.
        """
        if not self.log:
            return None
        lo, hi = float(np.min(z)), float(np.max(z))
        low_pos, high_pos = (float(v) for v in self.apply(np.array([lo, hi])))
        candidates = [(float(p), v) for v in round_values(lo, hi) for p in self.apply(np.array([v]))]
        for spacing in (most, 2 * most):  # a bar with fewer than 3 ticks takes them twice as dense
            gap = (high_pos - low_pos) / max(spacing, 1)
            kept: list[tuple[float, float]] = []
            for pos, value in candidates:
                if all(abs(pos - p) >= gap for p, _ in kept):
                    kept.append((pos, value))
            if len(kept) >= 3:
                break
        kept.sort()
        return [p for p, _ in kept], [tick_label(v) for _, v in kept]

    @property
    def title(self) -> str:
        """Colour-bar title."""
        return _("loss (log scale)") if self.log else _("loss")


def round_values(lo: float, hi: float) -> list[float]:
    """Round numbers in ``[lo, hi]``, most preferred first: 0, then m * 10**k for m = 1, 5, 2 (either sign)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi < lo:
        return []
    top = max(abs(lo), abs(hi), 1e-30)
    exponents = range(int(np.floor(np.log10(top))), int(np.floor(np.log10(top))) - 13, -1)
    out = [0.0] if lo <= 0.0 <= hi else []
    for mantissa in (1.0, 5.0, 2.0):
        for k in exponents:
            for value in (mantissa * 10.0**k, -mantissa * 10.0**k):
                if lo <= value <= hi:
                    out.append(float(f"{value:.12g}"))
    return out


def tick_label(value: float) -> str:
    """A round loss as a reader writes it (:func:`core.numbers.number_text`): 0.001, 0.5, 20, 5000, 1e+5."""
    return number_text(value, 6)
