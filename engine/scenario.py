"""A Scenario is one whole experiment as plain data, and its share-link codec.

It is what the URL encodes, what caches key on, what exports write and what tests
build. :func:`from_query` parses untrusted query parameters: every field is
validated on its own, a bad field falls back to its default, and every ignored item
is reported in a message list so the page can show one notice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import landscapes
import optimizers
from engine.config import CHOICE_NAMES, OptimizerRun, all_params
from engine.simulate import MAX_STEPS, Trajectory, simulate
from landscapes.base import Domain, Landscape
from landscapes.custom import DEFAULT_DOMAIN, DEFAULT_FORMULA, custom_landscape, to_text
from landscapes.formula import MAX_LENGTH, FormulaError, parse_formula

MAX_RUNS = 8
MAX_LABEL = 40
MAX_VALUE_CHARS = 200
DEFAULT_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DEFAULT_LANDSCAPE = "rosenbrock"
CUSTOM = "custom"
"""The landscape key of a user formula (not in the registry: built from ``formula`` and ``domain``)."""
LANDSCAPE_KEYS = (*landscapes.REGISTRY, CUSTOM)
SPEEDS = (1, 2, 5, 10)
"""Animation speeds: path steps advanced per animation frame."""


@dataclass(frozen=True)
class Scenario:
    """Landscape and parameters, optimizer runs, start, steps, seed, batch size, view speed."""

    landscape: str = DEFAULT_LANDSCAPE
    landscape_params: Mapping[str, float] = field(default_factory=dict)
    runs: tuple[OptimizerRun, ...] = field(
        default_factory=lambda: tuple(OptimizerRun.build(k) for k in DEFAULT_OPTIMIZERS)
    )
    start: tuple[float, float] = (-1.5, 2.0)
    steps: int = 500
    seed: int = 0
    batch_size: int | None = None
    speed: int = 2
    formula: str = DEFAULT_FORMULA
    domain: Domain = DEFAULT_DOMAIN

    @classmethod
    def default(cls, landscape: str = DEFAULT_LANDSCAPE) -> Scenario:
        """The defaults for ``landscape``: its default parameters, first start, batch 32 (or N if smaller)."""
        land = custom_landscape(DEFAULT_FORMULA, DEFAULT_DOMAIN) if landscape == CUSTOM else landscapes.get(landscape)
        values = land.resolve()
        data = land.data(values)
        return cls(
            landscape=landscape,
            landscape_params=values,
            start=tuple(map(float, land.starts[0])),  # type: ignore[arg-type]
            batch_size=None if data is None else min(32, data.size),
        )

    @property
    def surface(self) -> Landscape:
        """The landscape object: from the registry, or compiled from the user's formula."""
        if self.landscape == CUSTOM:
            return custom_landscape(self.formula, self.domain)
        return landscapes.get(self.landscape)

    def run(self) -> list[Trajectory]:
        """Simulate every optimizer run of this scenario."""
        return simulate(
            self.surface,
            list(self.runs),
            start=self.start,
            steps=self.steps,
            seed=self.seed,
            batch_size=self.batch_size,
            landscape_params=self.landscape_params,
        )

    def to_json(self) -> str:
        """The scenario as a readable JSON document (for the export button)."""
        return json.dumps(
            {
                "landscape": self.landscape,
                "landscape_params": dict(self.landscape_params),
                "optimizers": [{"optimizer": r.key, "label": r.label, **r.settings()} for r in self.runs],
                "start": list(self.start),
                "steps": self.steps,
                "seed": self.seed,
                "batch_size": self.batch_size,
                "speed": self.speed,
                **(
                    {"formula": self.formula, "domain": [list(r) for r in self.domain]}
                    if self.landscape == CUSTOM
                    else {}
                ),
            },
            indent=2,
        )


def _fmt(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def to_query(scenario: Scenario) -> dict[str, str]:
    """Query parameters for ``scenario``; values equal to their defaults are left out."""
    land = scenario.surface
    base = Scenario.default(scenario.landscape)
    q: dict[str, str] = {"land": scenario.landscape}
    if scenario.landscape == CUSTOM:
        q["f"] = scenario.formula
        if scenario.domain != DEFAULT_DOMAIN:
            q["dom"] = ",".join(_fmt(v) for pair in scenario.domain for v in pair)
    for name, value in scenario.landscape_params.items():
        if value != land.resolve()[name]:
            q[f"land.{name}"] = _fmt(value)
    q["opt"] = ",".join(r.key for r in scenario.runs)
    for i, run in enumerate(scenario.runs, start=1):
        default = OptimizerRun.build(run.key)
        for name, value in run.values.items():
            if value != default.values[name]:
                q[f"o{i}.{name}"] = _fmt(value)
        for name in CHOICE_NAMES:
            if getattr(run.choices, name) != getattr(default.choices, name):
                q[f"o{i}.{name}"] = getattr(run.choices, name)
        if run.label != default.label:
            q[f"o{i}.label"] = run.label
    base_start = tuple(map(float, land.starts[0])) if scenario.landscape == CUSTOM else base.start
    if scenario.start != base_start:
        q["start"] = f"{_fmt(scenario.start[0])},{_fmt(scenario.start[1])}"
    for name in ("steps", "seed", "batch_size", "speed"):
        value = getattr(scenario, name)
        if value != getattr(base, name) and value is not None:
            q[name] = str(value)
    return q


def _first(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_int(text: str, low: int, high: int) -> int:
    number = float(text)
    if not math.isfinite(number) or number != round(number) or not (low <= number <= high):
        raise ValueError
    return int(number)


def from_query(query: Mapping[str, Any]) -> tuple[Scenario, list[str]]:
    """Parse untrusted query parameters into a valid Scenario plus the list of what was ignored.

    Never raises: anything unknown, malformed, non-finite or out of range is left at
    its default and named in the returned messages.
    """
    ignored: list[str] = []
    q = {str(k)[:MAX_VALUE_CHARS]: _first(v) for k, v in dict(query).items()}
    used: set[str] = set()

    def take(key: str, limit: int = MAX_VALUE_CHARS) -> str | None:
        if key not in q:
            return None
        used.add(key)
        value = q[key]
        if len(value) > limit:
            ignored.append(f"{_short(key)} (value too long)")
            return None
        return value

    land_key = take("land") or DEFAULT_LANDSCAPE
    if land_key not in LANDSCAPE_KEYS:
        ignored.append(f"land={_short(land_key)} (unknown landscape)")
        land_key = DEFAULT_LANDSCAPE
    base = Scenario.default(land_key)
    if land_key == CUSTOM:
        base = _parse_custom(base, take, ignored)
    land = base.surface

    params = dict(base.landscape_params)
    for p in land.params:
        text = take(f"land.{p.name}")
        if text is not None:
            try:
                params[p.name] = p.validate(text, land_key)
            except ValueError:
                ignored.append(f"land.{p.name}={_short(text)} (must be in [{p.low:g}, {p.high:g}])")

    opt_text = take("opt")
    keys = list(DEFAULT_OPTIMIZERS) if opt_text is None else [k for k in opt_text.split(",") if k]
    runs: list[OptimizerRun] = []
    for slot, key in enumerate(keys, start=1):
        if len(runs) >= MAX_RUNS:
            ignored.append(f"optimizer {_short(key)} (at most {MAX_RUNS} runs)")
            continue
        if key not in optimizers.REGISTRY:
            ignored.append(f"opt {_short(key)} (unknown optimizer)")
            continue
        runs.append(_parse_run(key, slot, take, ignored))
    if opt_text is not None and not runs:
        ignored.append("opt (no valid optimizer; using the defaults)")
        runs = list(base.runs)

    start = base.start
    text = take("start")
    if text is not None:
        try:
            x, y = (float(v) for v in text.split(","))
            (x0, x1), (y0, y1) = land.domain
            if not (math.isfinite(x) and math.isfinite(y) and x0 <= x <= x1 and y0 <= y <= y1):
                raise ValueError
            start = (x, y)
        except ValueError:
            ignored.append(f"start={_short(text)} (two numbers inside the plotted domain)")

    fields: dict[str, Any] = {}
    data = land.data(params)
    limits = {"steps": (10, MAX_STEPS), "seed": (0, 2**31 - 1), "speed": (min(SPEEDS), max(SPEEDS))}
    if data is not None:
        limits["batch_size"] = (1, data.size)
    for name, (low, high) in limits.items():
        text = take(name)
        if text is None:
            continue
        try:
            value = _parse_int(text, low, high)
            if name == "speed" and value not in SPEEDS:
                raise ValueError
            fields[name] = value
        except ValueError:
            allowed = f"one of {list(SPEEDS)}" if name == "speed" else f"a whole number in [{low}, {high}]"
            ignored.append(f"{name}={_short(text)} ({allowed})")

    for key in q:
        if key not in used:
            ignored.append(f"{_short(key)} (unknown setting)")
    scenario = replace(base, landscape_params=params, runs=tuple(runs) or base.runs, start=start, **fields)
    return scenario, ignored


def _parse_custom(base: Scenario, take, ignored: list[str]) -> Scenario:
    """The user's formula and domain from the link, each falling back to its default if invalid."""
    formula, domain = DEFAULT_FORMULA, DEFAULT_DOMAIN
    text = take("dom")
    if text is not None:
        try:
            x0, x1, y0, y1 = (float(v) for v in text.split(","))
            custom_landscape(DEFAULT_FORMULA, ((x0, x1), (y0, y1)), start=((x0 + x1) / 2, (y0 + y1) / 2))
            domain = ((x0, x1), (y0, y1))
        except (ValueError, FormulaError) as err:
            reason = err if isinstance(err, FormulaError) else "four numbers: xmin,xmax,ymin,ymax"
            ignored.append(f"dom={_short(text)} ({reason})")
    text = take("f", MAX_LENGTH + 10)
    if text is not None:
        try:
            canonical = to_text(parse_formula(text))  # drops comments and odd spacing
            custom_landscape(canonical, domain)
            formula = canonical
        except FormulaError as err:
            ignored.append(f"f={_short(text)} ({err})")
    land = custom_landscape(formula, domain)
    return replace(base, formula=formula, domain=domain, start=tuple(map(float, land.starts[0])))  # type: ignore[arg-type]


def _parse_run(key: str, slot: int, take, ignored: list[str]) -> OptimizerRun:
    spec = optimizers.get(key)
    known = all_params(spec)
    settings: dict[str, object] = {}
    for name in (*known, *CHOICE_NAMES):
        text = take(f"o{slot}.{name}")
        if text is None:
            continue
        try:
            OptimizerRun.build(key, {name: text})
            settings[name] = text if name in CHOICE_NAMES else float(text)
        except ValueError as err:
            ignored.append(f"o{slot}.{name}={_short(text)} ({err})")
    label = take(f"o{slot}.label")
    if label is not None:
        label = "".join(ch for ch in label if ch.isprintable())[:MAX_LABEL].strip() or None
    return OptimizerRun.build(key, settings, label=label)
