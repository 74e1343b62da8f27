"""A Scenario is one whole experiment as plain data, and its share-link codec.

It is what the URL encodes, what caches key on, what exports write and what tests
build. :func:`from_query` parses untrusted query parameters: every field is
validated on its own, a bad field falls back to its default, and every ignored item
is reported in a message list so the page can show one notice.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import landscapes
import optimizers
from core.i18n import LINK_KEY, translator
from core.numbers import exact_text
from engine.config import CHOICE_NAMES, OptimizerRun, all_params
from engine.simulate import MAX_STEPS, Trajectory, simulate
from landscapes.base import Domain, Landscape
from landscapes.custom import DEFAULT_DOMAIN, DEFAULT_FORMULA, custom_landscape, to_text
from landscapes.formula import MAX_LENGTH, FormulaError, parse_formula

MAX_RUNS = 8
MAX_LABEL = 40
MAX_VALUE_CHARS = 200
MAX_ECHO = 30
"""A notice echoes at most this many characters of any one key or value from a link."""
DEFAULT_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DEFAULT_LANDSCAPE = "himmelblau"
DEFAULT_START = (0.5, -4.5)
"""Where the Playground opens on :data:`DEFAULT_LANDSCAPE`, chosen so the default view teaches at a glance.

From here the four default optimizers, at their own default settings, take four visibly
different routes within the default 500 steps: SGD follows the slope, momentum overshoots and
settles in another of Himmelblau's four minima, RMSprop heads off on a straight diagonal
(its steps are nearly sign-sized) and Adam curves in between. All four arrive, at different
steps (``tests/test_playground.py`` checks both claims).
"""
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
    start: tuple[float, float] = DEFAULT_START
    steps: int = 500
    seed: int = 0
    batch_size: int | None = None
    speed: int = 2
    formula: str = DEFAULT_FORMULA
    domain: Domain = DEFAULT_DOMAIN

    @classmethod
    def default(cls, landscape: str = DEFAULT_LANDSCAPE) -> Scenario:
        """The defaults for ``landscape``: its default parameters, default start, batch 32 (or N if smaller)."""
        land = custom_landscape(DEFAULT_FORMULA, DEFAULT_DOMAIN) if landscape == CUSTOM else landscapes.get(landscape)
        values = land.resolve()
        data = land.data(values)
        return cls(
            landscape=landscape,
            landscape_params=values,
            start=default_start(land),
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


def default_start(land: Landscape) -> tuple[float, float]:
    """Where a run on ``land`` starts by default: :data:`DEFAULT_START` on the opening surface, else its first start."""
    if land.key == DEFAULT_LANDSCAPE:
        return DEFAULT_START
    return (float(land.starts[0][0]), float(land.starts[0][1]))


def to_query(scenario: Scenario) -> dict[str, str]:
    """Query parameters for ``scenario``; values equal to their defaults are left out."""
    land = scenario.surface
    base = Scenario.default(scenario.landscape)
    q: dict[str, str] = {"land": scenario.landscape}
    if scenario.landscape == CUSTOM:
        q["f"] = scenario.formula
        if scenario.domain != DEFAULT_DOMAIN:
            q["dom"] = ",".join(exact_text(v) for pair in scenario.domain for v in pair)
    for name, value in scenario.landscape_params.items():
        if value != land.resolve()[name]:
            q[f"land.{name}"] = exact_text(value)
    q["opt"] = ",".join(r.key for r in scenario.runs)
    for i, run in enumerate(scenario.runs, start=1):
        default = OptimizerRun.build(run.key)
        for name, value in run.values.items():
            if value != default.values[name]:
                q[f"o{i}.{name}"] = exact_text(value)
        for name in CHOICE_NAMES:
            if getattr(run.choices, name) != getattr(default.choices, name):
                q[f"o{i}.{name}"] = getattr(run.choices, name)
        if run.label != default.label:
            q[f"o{i}.label"] = run.label
    if scenario.start != default_start(land):
        q["start"] = f"{exact_text(scenario.start[0])},{exact_text(scenario.start[1])}"
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
    """``text`` as a notice may echo it: unprintable characters replaced, at most :data:`MAX_ECHO` characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


_ = translator("app")


def _note(what: str, why: str) -> str:
    """One notice item: what the link held, and why it was not used (already translated)."""
    return f"{what} ({why})"


_RUN_KEY = re.compile(r"o(\d+)\.(.+)")


def _unknown(key: str, value: str, runs: Sequence[OptimizerRun], known: set[str]) -> str | None:
    """The notice item for a query key that nothing reads, if the key that was probably meant is clear.

    ``lr=abc`` says "did you mean o1.lr?" (the first run that has such a setting), a landscape
    parameter without its ``land.`` prefix points at ``land.<name>``, a typo at the nearest known
    key, a run number the link lacks says so. None when nothing comes close: such keys are
    counted together (see :func:`_unknown_summary`), so a link of garbage gets a short notice.
    """
    slot = _RUN_KEY.fullmatch(key)
    if slot and not 1 <= int(slot.group(1)) <= len(runs):
        text = (
            _("no run {run}: the link has 1 optimizer")
            if len(runs) == 1
            else _("no run {run}: the link has {count} optimizers")
        )
        return f"{_short(key)} ({text.format(run=_short(slot.group(1)), count=len(runs))})"
    name = key.strip().lower()
    meant = [f"o{i}.{name}" for i in range(1, len(runs) + 1)] + [f"land.{name}"]
    suggestion = next((k for k in meant if k in known), None)
    if suggestion is None:
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
        suggestion = close[0] if close else None
    if suggestion is None:
        return None
    shown = f"{_short(key)}={_short(value)}" if value else _short(key)
    return _note(shown, _("unknown setting; did you mean {key}?").format(key=suggestion))


def _unknown_summary(keys: Sequence[str], shown: int = 3) -> list[str]:
    """One notice item for the unknown keys nothing resembles: the first few, then how many more."""
    if len(keys) == 1:
        return [_note(_short(keys[0]) or _("(no name)"), _("unknown setting"))]
    if not keys:
        return []
    names = ", ".join(_short(k) or _("(no name)") for k in keys[:shown])
    if len(keys) > shown:
        return [_("unknown settings {names} and {count} more").format(names=names, count=len(keys) - shown)]
    return [_("unknown settings {names}").format(names=names)]


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
    used: set[str] = {LINK_KEY} & set(q)  # the interface's language, read by the UI, not a setting

    def take(key: str, limit: int = MAX_VALUE_CHARS) -> str | None:
        if key not in q:
            return None
        used.add(key)
        value = q[key]
        if len(value) > limit:
            ignored.append(_note(_short(key), _("value too long")))
            return None
        return value

    land_key = take("land") or DEFAULT_LANDSCAPE
    if land_key not in LANDSCAPE_KEYS:
        ignored.append(_note(f"land={_short(land_key)}", _("unknown landscape")))
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
                must = _("must be in {range}").format(range=f"[{p.low:g}, {p.high:g}]")
                ignored.append(f"land.{p.name}={_short(text)} ({must})")

    opt_text = take("opt")
    keys = list(DEFAULT_OPTIMIZERS) if opt_text is None else [k for k in opt_text.split(",") if k]
    runs: list[OptimizerRun] = []
    for slot, key in enumerate(keys, start=1):
        if len(runs) >= MAX_RUNS:
            ignored.append(_("optimizer {key} (at most {most} runs)").format(key=_short(key), most=MAX_RUNS))
            continue
        if key not in optimizers.REGISTRY:
            ignored.append(_note(f"opt {_short(key)}", _("unknown optimizer")))
            continue
        runs.append(_parse_run(key, slot, take, ignored))
    if opt_text is not None and not runs:
        ignored.append(_note("opt", _("no valid optimizer; using the defaults")))
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
            ignored.append(_note(f"start={_short(text)}", _("two numbers inside the plotted domain")))

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
            if name == "speed":
                allowed = _("one of {options}").format(options=list(SPEEDS))
            else:
                allowed = _("a whole number in {range}").format(range=f"[{low}, {high}]")
            ignored.append(f"{name}={_short(text)} ({allowed})")

    known = {
        "land", "opt", "start", "steps", "seed", "speed", "batch_size",
        *(["f", "dom"] if land_key == CUSTOM else []),
        *(f"land.{p.name}" for p in land.params),
        *(
            f"o{i}.{name}"
            for i, run in enumerate(runs, start=1)
            for name in (*all_params(run.spec), *CHOICE_NAMES, "label")
        ),
    }  # fmt: skip
    strangers = []
    for key in q:
        if key not in used:
            item = _unknown(key, q[key], runs, known)
            strangers += [key] if item is None else []
            ignored += [] if item is None else [item]
    ignored += _unknown_summary(strangers)
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
            reason = err if isinstance(err, FormulaError) else _("four numbers: xmin,xmax,ymin,ymax")
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
    return replace(base, formula=formula, domain=domain, start=default_start(land))


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
            param = known.get(name)
            if param is not None:
                reason = _("must be in {range}").format(range=f"[{param.low:g}, {param.high:g}]")
            else:
                reason = str(err)
            ignored.append(f"o{slot}.{name}={_short(text)} ({reason})")
    label = take(f"o{slot}.label")
    if label is not None:
        label = "".join(ch for ch in label if ch.isprintable())[:MAX_LABEL].strip() or None
    return OptimizerRun.build(key, settings, label=label)
