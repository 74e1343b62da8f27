"""How loss values map to colours: linear, or logarithmic when they span decades."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    def ticks(self, z: np.ndarray) -> tuple[list[float], list[str]] | None:
        """Colour-bar tick positions and labels in loss units (log scale only)."""
        if not self.log:
            return None
        top = float(np.max(z) - self.floor)
        exponents = np.arange(np.ceil(np.log10(self.offset)), np.floor(np.log10(max(top, self.offset))) + 1)
        gaps = 10.0**exponents
        positions = np.log10(gaps + self.offset)
        labels = [f"{gap + self.floor:.3g}" for gap in gaps]
        return [float(p) for p in positions], labels

    @property
    def title(self) -> str:
        """Colour-bar title."""
        return "loss (log scale)" if self.log else "loss"
