"""One optimizer run's settings, validated: rule hyperparameters plus the shared options."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

import optimizers
from core.param import Param
from optimizers.base import OptimizerSpec
from optimizers.options import OPTION_HYPERS, Choices

CHOICE_NAMES = ("wd_mode", "schedule")


@dataclass(frozen=True)
class OptimizerRun:
    """An optimizer from the registry with every setting resolved.

    ``values`` holds all numbers (the rule's own hyperparameters and the numeric
    options of :mod:`optimizers.options`); ``choices`` the weight-decay mode and the
    schedule. ``label`` tells two runs of the same optimizer apart on a chart.
    """

    key: str
    values: Mapping[str, float]
    choices: Choices = field(default_factory=Choices)
    label: str = ""

    @property
    def spec(self) -> OptimizerSpec:
        """The registered optimizer."""
        return optimizers.get(self.key)

    @classmethod
    def build(cls, key: str, settings: Mapping[str, object] | None = None, label: str | None = None) -> OptimizerRun:
        """Validate ``settings`` (a flat mapping of names to values) and fill defaults.

        Raises ``ValueError`` naming the field and its allowed range for an unknown
        optimizer, an unknown setting or a value out of range.
        """
        spec = optimizers.get(key)
        settings = dict(settings or {})
        choices = Choices(
            wd_mode=str(settings.pop("wd_mode", spec.default_wd_mode)),
            schedule=str(settings.pop("schedule", "constant")),
        ).validate(key)
        params = all_params(spec)
        values = {p.name: float(spec.option_defaults.get(p.name, p.default)) for p in params.values()}
        for name, value in settings.items():
            if name not in params:
                raise ValueError(f"{key} has no setting {name!r}; known: {sorted([*params, *CHOICE_NAMES])}")
            values[name] = params[name].validate(value, key)
        return cls(key=key, values=values, choices=choices, label=label or spec.name)

    def traced(self) -> dict[str, np.float32]:
        """Every setting as a float32 scalar: what the jitted step receives (traced, never static)."""
        merged = {**self.values, **self.choices.traced()}
        return {k: np.float32(v) for k, v in merged.items()}

    def settings(self) -> dict[str, object]:
        """The flat mapping :meth:`build` accepts (round-trips)."""
        return {**self.values, "wd_mode": self.choices.wd_mode, "schedule": self.choices.schedule}


@functools.cache
def traced_names(key: str) -> tuple[str, ...]:
    """The names in :meth:`OptimizerRun.traced` of optimizer ``key``, in a fixed order."""
    return tuple(OptimizerRun.build(key).traced())


def all_params(spec: OptimizerSpec) -> dict[str, Param]:
    """The rule's hyperparameters followed by the shared numeric options, by name."""
    return {p.name: p for p in (*spec.hypers, *OPTION_HYPERS)}
