"""A named, bounded number: a landscape parameter or an optimizer hyperparameter."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.i18n import translator

_ = translator("models")


@dataclass(frozen=True)
class Param:
    """One tunable number: its name, LaTeX symbol, default and allowed range.

    ``log`` says the slider for it is logarithmic; ``integer`` that it takes whole
    values (it is still traced as a float by the engine, so moving it never
    recompiles).
    """

    name: str
    symbol: str
    default: float
    low: float
    high: float
    log: bool = False
    integer: bool = False
    help: str = ""

    def help_text(self) -> str:
        """``help`` in the current language (``name`` and ``symbol`` are identifiers and stay as they are)."""
        return _(self.help)

    def validate(self, value: object, owner: str) -> float:
        """``value`` as a float within range, or ``ValueError`` naming the field and range."""
        field = f"{owner}.{self.name}"
        allowed = f"[{self.low:g}, {self.high:g}]"
        if isinstance(value, bool):
            raise ValueError(f"{field} must be a number in {allowed}, got {value!r}")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{field} must be a number in {allowed}, got {value!r}") from None
        if not math.isfinite(number) or not (self.low <= number <= self.high):
            raise ValueError(f"{field} must be in {allowed}, got {value!r}")
        if self.integer and number != round(number):
            raise ValueError(f"{field} must be a whole number in {allowed}, got {value!r}")
        return number

    def validate_all(self, values: np.ndarray, owner: str) -> None:
        """:meth:`validate` every entry of a float array at once; the error names the first bad entry.

        One vectorised check instead of a Python call per value: a sweep passes thousands.
        """
        bad = ~np.isfinite(values) | (values < self.low) | (values > self.high)
        if self.integer:
            bad |= values != np.round(values)
        if bad.any():
            self.validate(float(values.flat[int(np.argmax(bad))]), owner)


def resolve(params: tuple[Param, ...], given: object, owner: str) -> dict[str, float]:
    """Validate ``given`` (a mapping or None) against ``params`` and fill in defaults.

    Unknown names raise ``ValueError`` listing the known ones.
    """
    if given is None:
        given = {}
    if not hasattr(given, "items"):
        raise ValueError(f"{owner} parameters must be a mapping of name to number, got {given!r}")
    known = {p.name: p for p in params}
    out = {p.name: p.default for p in params}
    for name, value in given.items():  # type: ignore[union-attr]
        if name not in known:
            raise ValueError(f"{owner} has no parameter {name!r}; known: {sorted(known) or 'none'}")
        out[name] = known[name].validate(value, owner)
    return out
