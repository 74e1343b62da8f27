"""The Playground's widget state: seeded from a Scenario, read back into one.

Widgets own their values through ``st.session_state`` keys derived here. A
Scenario (from the URL on the first run, or the last one built) seeds any key that
is missing -- after a page switch Streamlit drops the state of widgets it did not
draw -- and the page reads the widgets back into a new Scenario on every run.
Optimizer runs get stable ids so the same optimizer can appear twice.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

import optimizers
from core.i18n import N_
from core.param import Param
from engine.config import OptimizerRun, all_params
from engine.scenario import MAX_RUNS, SPEEDS, Scenario, default_start, from_query
from landscapes.base import Landscape
from landscapes.custom import custom_landscape, to_text
from landscapes.formula import FormulaError, parse_formula

SCENARIO = "pg.scenario"
NOTICE = "pg.notice"
RUN_IDS = "pg.run_ids"
NEXT_ID = "pg.next_id"
LAND = "pg.land"
OPTS = "pg.opts"
START_X, START_Y = "pg.x", "pg.y"
STEPS, SPEED, SEED, BATCH = "pg.steps", "pg.speed", "pg.seed", "pg.batch"
FORMULA, DOMAIN = "pg.formula", "pg.domain"
"""The custom surface in use (only ever a formula that compiled, and its domain)."""
FORMULA_INPUT, DOMAIN_INPUT, FORMULA_ERROR = "pg.formula_text", "pg.domain_in", "pg.formula_error"
RUNS_BY_ID = "pg.runs_by_id"
"""Each run's last known settings by run id: re-seeds widgets Streamlit dropped while hidden."""
OPTS_NOTICE = "pg.opts_notice"


RARE_SETTINGS = frozenset({"eps"})
"""Settings rarely changed: kept in a run's "More settings" expander, not beside its lr."""


def split_settings(spec: optimizers.OptimizerSpec) -> tuple[list[Param], list[Param]]:
    """The optimizer's own settings split into those shown at once (lr and what defines the rule) and rare ones."""
    main = [p for p in spec.hypers if p.name not in RARE_SETTINGS]
    return main, [p for p in spec.hypers if p.name in RARE_SETTINGS]


def land_key(name: str) -> str:
    """Widget key of landscape parameter ``name``."""
    return f"pg.lp.{name}"


def run_key(rid: int, name: str) -> str:
    """Widget key of setting ``name`` of the run with id ``rid``."""
    return f"pg.r{rid}.{name}"


def start_session(state: MutableMapping[str, Any], query: dict[str, Any]) -> None:
    """On a session's first run, parse the URL into the scenario and remember what was ignored."""
    if SCENARIO in state:
        return
    scenario, ignored = from_query(query)
    state[NOTICE] = ignored
    state[RUN_IDS] = list(range(len(scenario.runs)))
    state[NEXT_ID] = len(scenario.runs)
    state[SCENARIO] = scenario
    state[RUNS_BY_ID] = dict(enumerate(scenario.runs))


def remember(state: MutableMapping[str, Any], scenario: Scenario) -> None:
    """Record the scenario the widgets described in this run (and each run's settings by id)."""
    state[SCENARIO] = scenario
    state[RUNS_BY_ID] = dict(zip(state[RUN_IDS], scenario.runs, strict=True))


def seed_widgets(state: MutableMapping[str, Any], scenario: Scenario, *, overwrite: bool = False) -> None:
    """Set every widget key from ``scenario`` (only missing ones unless ``overwrite``)."""

    def put(key: str, value: Any) -> None:
        if overwrite or key not in state:
            state[key] = value

    put(LAND, scenario.landscape)
    put(FORMULA, scenario.formula)
    put(DOMAIN, scenario.domain)
    put(FORMULA_INPUT, scenario.formula)
    for i, value in enumerate(v for pair in scenario.domain for v in pair):
        put(f"{DOMAIN_INPUT}{i}", float(value))
    for name, value in scenario.landscape_params.items():
        put(land_key(name), value)
    put(START_X, float(scenario.start[0]))
    put(START_Y, float(scenario.start[1]))
    put(STEPS, scenario.steps)
    put(SPEED, scenario.speed)
    put(SEED, scenario.seed)
    if scenario.batch_size is not None:
        put(BATCH, scenario.batch_size)
    put(OPTS, list(dict.fromkeys(r.key for r in scenario.runs)))
    for rid in state[RUN_IDS]:
        seed_run(state, rid, state[RUNS_BY_ID][rid], overwrite=overwrite)


def seed_run(state: MutableMapping[str, Any], rid: int, run: OptimizerRun, *, overwrite: bool = False) -> None:
    """Set the widget keys of one run."""
    for name, value in {**run.settings(), "label": run.label, "key": run.key}.items():
        key = run_key(rid, name)
        if overwrite or key not in state:
            state[key] = value
    clip_key = run_key(rid, "clip_on")
    if overwrite or clip_key not in state:
        state[clip_key] = run.values["clip_norm"] > 0


def read_run(state: MutableMapping[str, Any], rid: int) -> OptimizerRun:
    """The run with id ``rid`` as the widgets currently set it.

    A setting whose widget is not drawn (a closed "More settings") keeps the value the run
    had: Streamlit drops the state of a widget that a run did not draw.
    """
    key = state[run_key(rid, "key")]
    spec = optimizers.get(key)
    before = state.get(RUNS_BY_ID, {}).get(rid)
    if before is None or before.key != key:
        before = OptimizerRun.build(key)
    kept = {**before.settings(), "label": before.label}

    def value(name: str) -> Any:
        return state.get(run_key(rid, name), kept[name])

    settings: dict[str, Any] = {name: value(name) for name in all_params(spec)}
    if not state.get(run_key(rid, "clip_on"), before.values["clip_norm"] > 0):
        settings["clip_norm"] = 0.0
    settings["wd_mode"] = value("wd_mode")
    settings["schedule"] = value("schedule")
    return OptimizerRun.build(key, settings, label=str(value("label")).strip() or None)


def read_scenario(state: MutableMapping[str, Any]) -> Scenario:
    """The scenario the widgets describe now."""
    base = replace(Scenario.default(state[LAND]), formula=state[FORMULA], domain=state[DOMAIN])
    land = base.surface
    params = {p.name: float(state[land_key(p.name)]) for p in land.params}
    data = land.data(land.resolve(params))
    runs = tuple(read_run(state, rid) for rid in state[RUN_IDS])
    return replace(
        base,
        landscape_params=params,
        runs=runs or base.runs,
        start=(float(state[START_X]), float(state[START_Y])),
        steps=int(state[STEPS]),
        seed=int(state[SEED]),
        batch_size=None if data is None else int(state.get(BATCH, base.batch_size)),
        speed=int(state[SPEED]),
    )


# ----- callbacks (run before the next script run, when widget keys may still be written) -----


def on_clip_toggle(state: MutableMapping[str, Any], rid: int) -> None:
    """Clipping switched on: start from a threshold of 1 if none was set (0 means off)."""
    key = run_key(rid, "clip_norm")
    if state.get(run_key(rid, "clip_on")) and float(state.get(key, 0.0)) <= 0:
        state[key] = 1.0


def current_surface(state: MutableMapping[str, Any]) -> Landscape:
    """The landscape the widgets currently describe (the registry's, or the user's formula)."""
    return replace(Scenario.default(state[LAND]), formula=state[FORMULA], domain=state[DOMAIN]).surface


def on_formula_submit(state: MutableMapping[str, Any]) -> None:
    """Compile the typed formula and domain; on success use them (start at the new default), else keep the old."""
    text = str(state.get(FORMULA_INPUT, ""))
    try:
        bounds = [float(state[f"{DOMAIN_INPUT}{i}"]) for i in range(4)]
        domain = ((bounds[0], bounds[1]), (bounds[2], bounds[3]))
        text = to_text(parse_formula(text))
        land = custom_landscape(text, domain)
    except (FormulaError, ValueError, KeyError) as err:
        state[FORMULA_ERROR] = str(err)
        return
    state[FORMULA_ERROR] = None
    state[FORMULA], state[DOMAIN] = text, domain
    state[FORMULA_INPUT] = text
    state[START_X], state[START_Y] = default_start(land)


def on_landscape_change(state: MutableMapping[str, Any]) -> None:
    """A new landscape: its default parameters, start and batch size; optimizer runs are kept."""
    fresh = replace(Scenario.default(state[LAND]), formula=state[FORMULA], domain=state[DOMAIN])
    fresh = replace(fresh, start=default_start(fresh.surface))
    scenario = replace(
        state[SCENARIO],
        landscape=fresh.landscape,
        landscape_params=fresh.landscape_params,
        start=fresh.start,
        batch_size=fresh.batch_size,
    )
    for key in [k for k in state if str(k).startswith("pg.lp.")]:
        del state[key]
    state[SCENARIO] = scenario
    for key, value in ((START_X, fresh.start[0]), (START_Y, fresh.start[1])):
        state[key] = float(value)
    if fresh.batch_size is not None:
        state[BATCH] = fresh.batch_size
    seed_widgets(state, scenario)


def on_optimizers_change(state: MutableMapping[str, Any]) -> None:
    """Multiselect edited: drop runs of removed optimizers, add a default run for new ones."""
    chosen = list(state[OPTS])
    if not chosen:
        state[OPTS] = list(dict.fromkeys(state[run_key(rid, "key")] for rid in state[RUN_IDS]))
        state[OPTS_NOTICE] = N_("Keep at least one optimizer: remove a run after adding another.")
        return
    state[OPTS_NOTICE] = None
    kept = [rid for rid in state[RUN_IDS] if state[run_key(rid, "key")] in chosen]
    present = {state[run_key(rid, "key")] for rid in kept}
    for key in chosen:
        if key not in present and len(kept) < MAX_RUNS:
            kept.append(_new_run(state, OptimizerRun.build(key)))
    state[RUN_IDS] = kept
    state[OPTS] = list(dict.fromkeys(state[run_key(rid, "key")] for rid in kept))


def on_duplicate(state: MutableMapping[str, Any], rid: int) -> None:
    """Add a copy of run ``rid`` (same settings, a new label) to compare a variation."""
    if len(state[RUN_IDS]) >= MAX_RUNS:
        return
    run = read_run(state, rid)
    copies = sum(state[run_key(r, "key")] == run.key for r in state[RUN_IDS])
    new = replace(run, label=f"{run.spec.name} #{copies + 1}")
    state[RUN_IDS] = [*state[RUN_IDS], _new_run(state, new)]


def on_remove(state: MutableMapping[str, Any], rid: int) -> None:
    """Remove run ``rid`` (the multiselect keeps the optimizer while a copy remains)."""
    state[RUN_IDS] = [r for r in state[RUN_IDS] if r != rid]
    state[OPTS] = list(dict.fromkeys(state[run_key(r, "key")] for r in state[RUN_IDS]))


def on_map_click(state: MutableMapping[str, Any], x: float, y: float) -> None:
    """A click on the map: start every run there (a point outside the surface's domain is ignored).

    The point is rounded to a thousandth of the domain's width (a power of ten), so the share
    link reads ``start=-3,2`` rather than the pixel's ``-3.0000004713,1.9999995287``.
    """
    (x0, x1), (y0, y1) = current_surface(state).domain
    if x0 <= x <= x1 and y0 <= y <= y1:
        quantum = 10.0 ** math.floor(math.log10(max(x1 - x0, y1 - y0) / 1000))
        state[START_X], state[START_Y] = (float(f"{round(v / quantum) * quantum:.12g}") for v in (x, y))


def on_scrub_commit(state: MutableMapping[str, Any], target: str, value: float) -> None:
    """The map's slider was let go at ``value`` for ``target`` (``"<run index>.<setting>"``): set that widget.

    A stale or forged target, or a value the setting does not allow, changes nothing.
    """
    index, _, name = target.partition(".")
    try:
        rid = state[RUN_IDS][int(index)]
        spec = optimizers.get(state[run_key(rid, "key")])
        param = all_params(spec)[name]
        state[run_key(rid, name)] = param.validate(value, spec.key)
    except (ValueError, IndexError, KeyError):
        return


def on_speed(state: MutableMapping[str, Any], speed: int) -> None:
    """The map's speed menu: the animation speed widget follows (an unknown speed is ignored)."""
    if speed in SPEEDS:
        state[SPEED] = speed


def _new_run(state: MutableMapping[str, Any], run: OptimizerRun) -> int:
    rid = state[NEXT_ID]
    state[NEXT_ID] = rid + 1
    state[RUNS_BY_ID] = {**state[RUNS_BY_ID], rid: run}
    seed_run(state, rid, run, overwrite=True)
    return rid


def shown_label(run_or_label: OptimizerRun | str, spec: Any = None) -> str:
    """A run's label as the page shows it: the optimizer's name in the reader's language while the label is
    the default (the English name the link holds), else the user's own text."""
    if isinstance(run_or_label, OptimizerRun):
        label, spec = run_or_label.label, run_or_label.spec
    else:
        label = run_or_label
    return spec.name_text() if spec is not None and label == spec.name else label
