"""The Sweeps page: its scenario, the maps built for it, and the cell whose path is drawn.

The page's settings come in two parts:

- the choices every view has (what to map, the surface, the optimizers, the grid), declared as
  :func:`core.page_scenario.setting` fields of :class:`SweepsChoices`;
- the settings that depend on those choices (the surface's parameters, the axes and their
  ranges, each optimizer's other hyperparameters, the start point), which differ from one
  landscape or optimizer to the next. :func:`tuned_table` makes their fields one after another,
  each from the values read before it (the range of the x axis depends on which setting it is
  and on its scale), and validates each with the same rules as the fixed ones.

:class:`SweepsScenario` holds both: the choices as fields and the dependent settings that differ
from their defaults as ``tuned`` pairs. Its one :meth:`~SweepsScenario.from_query` reads a whole
link and reports what it ignored; :meth:`~SweepsScenario.to_query` writes one link per scenario,
with the spellings the page's links have always had.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np
import streamlit as st

import landscapes
import optimizers
from charts.live_map import SurfaceLayer, figure_surface
from charts.sweeps import CLICK_TRACES, cell_path_overlay, cell_path_surface, plot_coords, start_figure, sweep_figure
from core.i18n import LINK_KEY, N_, language, translator
from core.numbers import exact_text
from core.page_scenario import Field, PageScenario, Setting, ignored_text, setting
from core.param import Param
from engine import bowl_theory, budget, sweeps
from engine.budget import Plan
from engine.config import OptimizerRun
from engine.grid import surface_grid
from engine.scenario import Scenario
from engine.simulate import Trajectory, default_tolerance
from engine.sweeps import StartMap, SweepAxis, SweepMap
from ui import sweep_ranges
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

_ = translator("app")

MODES = {"map": N_("Hyperparameters"), "compare": N_("Compare two"), "starts": N_("Start points")}
METRIC_LABELS = {"loss": N_("Final loss"), "arrival": N_("Steps to arrive"), "diverged": N_("Divergence step")}
START_METRIC_LABELS = {"basin": N_("Which minimum"), "arrival": N_("Steps to arrive"), "loss": N_("Final loss")}
"""Shown labels (English: links hold them as they are; the form shows them translated)."""
CELL_OPTIONS = (8, 16, 24, 32, 48, 64, 96, 128)


def landscape_name(land_key: str) -> str:
    """What the landscape selector shows for ``land_key``."""
    return landscapes.get(land_key).name_text()


def optimizer_name(opt_key: str) -> str:
    """What the optimizer selectors show for ``opt_key``."""
    return optimizers.get(opt_key).name_text()


def radio(default: str, label: str, labels: Mapping[str, str], **extra: Any) -> Any:
    """A choice drawn as radio buttons that show ``labels`` (and that the link spells by its label)."""
    return setting(default, label, options=tuple(labels), widget="radio", format=labels.get, **extra)


def registry_choice(default: str, label: str, registry: Mapping[str, Any], name: Callable[[str], str]) -> Any:
    """A registry entry (landscape or optimizer): shown by display name, linked by key."""
    return setting(default, label, options=tuple(registry), widget="selectbox", format=name)


@dataclass(frozen=True)
class SweepsChoices(PageScenario, page="sweep"):
    """The Sweeps page's settings that every view has; the rest depend on them (:func:`tuned_table`)."""

    mode: str = radio("map", N_("What to map"), MODES)
    metric: str = radio("loss", N_("Colour by"), METRIC_LABELS)
    smetric: str = radio("basin", N_("Colour by"), START_METRIC_LABELS)
    theory: bool = setting(
        True,
        N_("Show theory"),
        help=N_("Theoretical convergence boundary and optimum: gradient descent and heavy-ball momentum on the bowl"),
    )
    land: str = registry_choice("bowl", N_("Landscape"), landscapes.REGISTRY, landscape_name)
    opt: str = registry_choice("momentum", N_("Optimizer"), optimizers.REGISTRY, optimizer_name)
    opt2: str = registry_choice("adam", N_("Compare with"), optimizers.REGISTRY, optimizer_name)
    n: int = setting(
        32,
        N_("Cells per axis"),
        options=CELL_OPTIONS,
        help=N_("up to 128 x 128 runs; a request over the page's compute budget runs fewer (a note says so)"),
    )
    steps: int = setting(300, N_("Steps"), low=10, high=sweeps.MAX_SWEEP_STEPS, step=10)


LINKED_BY_LABEL = {"mode": MODES, "metric": METRIC_LABELS, "smetric": START_METRIC_LABELS}
"""Choices whose link holds the label a reader sees (``sweep.mode=Compare two``), as it always has."""
ALSO_BY_NAME = {
    "land": lambda key: landscapes.get(key).name,
    "opt": lambda key: optimizers.get(key).name,
    "opt2": lambda key: optimizers.get(key).name,
}
"""Choices linked by registry key that a link may also name by English display name (``Rosenbrock valley``),
in every language: links are the same whatever the page's language."""


# ----------------------------------------------------------------------------- the dependent settings


def param_setting(param: Param, default: float) -> Setting:
    """How one number is offered: clipping as "off" plus log values, a log select slider, or a slider."""
    label = f"{param.name} ({param.help_text()})" if param.help else param.name  # shown now, in the page's language
    if param.name == "clip_norm":
        options = (0.0, *log_grid(0.01, param.high))
        return Setting(label, options=options, widget="select_slider", format=clip_text)
    if param.log and param.low > 0:
        options = tuple(log_grid(param.low, param.high, default))
        return Setting(label, options=options, widget="select_slider", format=exact_text)
    if param.integer:
        return Setting(label, low=int(param.low), high=int(param.high), step=1)
    step = float(f"{10 ** math.floor(math.log10((param.high - param.low) / 1000)):.0e}")
    return Setting(label, low=float(param.low), high=float(param.high), step=step)


def clip_text(value: float) -> str:
    """A clipping threshold as its slider shows it (and the link holds it): "off" for none."""
    return N_("off") if value == 0 else exact_text(value)


def param_field(name: str, param: Param, default: float) -> Field:
    """The field of one surface parameter or optimizer setting (``name`` as in the link: ``lp.kappa``)."""
    spec = param_setting(param, default)
    kind = int if param.integer and spec.options is None else float
    value = sweep_ranges.snap(default, spec.options) if spec.options is not None else kind(default)
    return Field(name, f"{SweepsChoices.PAGE}.{name}", kind, value, spec)


def plain_field(name: str, default: Any, spec: Setting) -> Field:
    """A dependent field of its own type (``default``'s)."""
    return Field(name, f"{SweepsChoices.PAGE}.{name}", type(default), default, spec)


RANGE = "range"
"""The widget name of an axis range: a select slider with two ends (a tuple value, linked as two values)."""

Offer = Callable[[Field], Any]
"""Given a dependent field, the value on offer for it (already accepted by :func:`accepts`), or None."""


def accepts(f: Field, value: Any) -> bool:
    """Whether ``value`` is one that field ``f`` can hold (a widget's value or a parsed link value)."""
    spec = f.setting
    if spec.widget == RANGE:
        return isinstance(value, tuple | list) and len(value) == 2 and all(v in spec.options for v in value)
    if f.kind is bool:
        return isinstance(value, bool)
    if spec.options is not None:
        return value in spec.options
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return spec.low <= value <= spec.high and (f.kind is not int or value == round(value))


def axis_fields(
    role: str, opt: str, choices: Sequence[str], default_name: str, offer: Offer
) -> tuple[list[tuple[Field, Any]], SweepAxis]:
    """The setting, scale and range of one axis ("x" or "y"), each made from the one before it."""
    name_field = plain_field(
        role, default_name, Setting(_("{role} axis").format(role=role), options=tuple(choices), widget="selectbox")
    )
    name = take(name_field, offer)
    param, default = sweeps.param_of(opt, name), sweeps.default_axis(opt, name)
    log_field = plain_field(f"{role}log", default.log, Setting(_("log scale"), widget="toggle"))
    log = take(log_field, offer) and param.high > 0
    options = tuple(sweep_ranges.range_options(param, log))
    if log == default.log:
        initial = (sweep_ranges.snap(default.low, options), sweep_ranges.snap(default.high, options))
    else:
        initial = (options[0], options[-1])
    range_field = plain_field(
        f"{role}r",
        initial,
        Setting(_("{name} range").format(name=name), options=options, widget=RANGE, format=exact_text),
    )
    low, high = sweep_ranges.ordered_range(*take(range_field, offer), options)
    return [(name_field, name), (log_field, log), (range_field, (low, high))], SweepAxis(name, low, high, log)


def take(f: Field, offer: Offer) -> Any:
    """The value on offer for ``f``, or its default."""
    value = offer(f)
    return f.default if value is None else value


def optimizer_fields(prefix: str, opt: str, skip: Sequence[str], offer: Offer) -> list[tuple[Field, Any]]:
    """Every sweepable setting of ``opt`` that is not an axis (``prefix`` ``h`` or ``h2``)."""
    defaults = OptimizerRun.build(opt).values
    table = []
    for name in sweeps.sweepable(opt):
        if name not in skip:
            f = param_field(f"{prefix}.{name}", sweeps.param_of(opt, name), defaults[name])
            table.append((f, take(f, offer)))
    return table


def tuned_table(choices: SweepsChoices, offer: Offer) -> tuple[tuple[Field, Any], ...]:
    """Every setting that depends on ``choices``, with its value, in the order the page draws them.

    Each field is made from the values before it: the surface's parameters decide the batch
    size's range, the x axis's setting and scale decide its range options, the axes decide
    which settings stay fixed. ``offer`` gives the value a link or a widget holds for a field.
    """
    land = landscapes.get(choices.land)
    table: list[tuple[Field, Any]] = []
    for p in land.params:
        f = param_field(f"lp.{p.name}", p, p.default)
        table.append((f, take(f, offer)))
    values = land.resolve({f.name[3:]: v for f, v in table})
    data = land.data(values)
    if data is not None:
        help_text = _("B = {size} is full-batch gradient descent; minibatches use seed 0").format(size=data.size)
        spec = Setting(_("Batch size B"), low=1, high=int(data.size), help=help_text)
        f = plain_field("batch", int(data.size), spec)
        table.append((f, take(f, offer)))
    if choices.mode == "starts":
        table += optimizer_fields("h", choices.opt, (), offer)
        return tuple(table)
    names = sweeps.sweepable(choices.opt)
    x_table, x = axis_fields("x", choices.opt, names, "lr", offer)
    y_names = [n for n in names if n != x.name]
    y_default = sweeps.default_y(choices.opt)
    y_table, y = axis_fields("y", choices.opt, y_names, y_default if y_default in y_names else y_names[0], offer)
    table += x_table + y_table + optimizer_fields("h", choices.opt, (x.name, y.name), offer)
    if choices.mode == "compare":
        x2, y2 = sweeps.compare_axes(choices.opt2, x, y)
        table += optimizer_fields("h2", choices.opt2, (x2.name, y2.name), offer)
    (x0, x1), (y0, y1) = land.domain
    sx, sy = land.starts[0]
    for name, low, high, start in (("sx", x0, x1, sx), ("sy", y0, y1, sy)):
        f = plain_field(
            name,
            float(start),
            Setting(_("start {axis}").format(axis=name[1]), low=float(low), high=float(high), widget="number"),
        )
        table.append((f, take(f, offer)))
    return tuple(table)


def link_text(f: Field, value: Any) -> str | list[str]:
    """How a link writes ``value`` of dependent field ``f``: what its widget shows, two values for a range."""
    if f.setting.widget == RANGE:
        return [exact_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if f.setting.options is not None and f.setting.format is not None:
        return f.setting.shown(value)  # a select slider's link holds its label ("off", "0.001")
    return exact_text(value) if isinstance(value, int | float) else str(value)


def parse_link(f: Field, raw: str | list[str]) -> tuple[Any, str | None]:
    """(value or None, what was wrong or None) for the link value(s) ``raw`` of dependent field ``f``."""
    texts = [str(t) for t in raw] if isinstance(raw, list | tuple) else [str(raw)]
    if f.setting.widget == RANGE:
        if len(texts) != 2:
            return None, _("a range needs two values")
        end = Field(f.name, f.key, float, f.default[0], Setting(f.setting.label, options=f.setting.options))
        ends = [parse_link(end, t) for t in texts]
        if any(v is None for v, _ in ends):
            return None, next(p for _, p in ends if p)
        problems = [p for _, p in ends if p]
        return (ends[0][0], ends[1][0]), problems[0] if problems else None
    text = texts[-1] if texts else ""
    if f.setting.options is not None and f.setting.format is not None:
        labelled = {f.setting.shown(o): o for o in f.setting.options}
        if text in labelled:
            return labelled[text], None
    return f.parse(text)


# ----------------------------------------------------------------------------- the scenario


@dataclass(frozen=True)
class SweepsScenario(SweepsChoices):
    """Everything one Sweeps view depends on: the choices and the dependent settings that differ from their defaults.

    ``tuned`` holds ``(name, value)`` pairs in the page's order, names as the link has them
    without the page's prefix (``("lp.kappa", 100.0)``, ``("xr", (0.01, 5.0))``, ``("h.beta1", 0.8)``).
    Build it with :meth:`from_query` or :meth:`with_tuned`, which keep only valid, non-default values.
    """

    tuned: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def fields(cls) -> tuple[Field, ...]:
        """The fixed settings (the widgets a :class:`ui.page_form.PageForm` draws); see :meth:`table`."""
        return SweepsChoices.fields()

    def choices(self) -> SweepsChoices:
        """The fixed settings alone."""
        return SweepsChoices(**{f.name: getattr(self, f.name) for f in self.fields()})

    def table(self) -> tuple[tuple[Field, Any], ...]:
        """Every dependent field with its value in this scenario."""
        given = dict(self.tuned)
        return tuned_table(self.choices(), lambda f: given.get(f.name) if accepts(f, given.get(f.name)) else None)

    def value(self, name: str) -> Any:
        """The value of dependent setting ``name`` (``"xr"``, ``"h.beta1"``...)."""
        return next(v for f, v in self.table() if f.name == name)

    def with_tuned(self, offer: Offer) -> Self:
        """This scenario's choices with the dependent values ``offer`` gives (checked, defaults left out)."""
        table = tuned_table(self.choices(), offer)
        return self.replace(tuned=tuple((f.name, v) for f, v in table if v != f.default))

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> tuple[Self, list[str]]:
        """Parse a whole link (repeated values as lists) into a valid scenario and what was ignored. Never raises."""
        fixed_keys = {f.key: f for f in cls.fields()}
        fixed: dict[str, Any] = {}
        ignored: list[str] = []
        rest: dict[str, Any] = {}
        for key, raw in dict(query).items():
            f = fixed_keys.get(str(key))
            if str(key) == LINK_KEY:  # the interface's language, read by the UI: not a setting
                continue
            if f is None:
                rest[str(key)] = raw
                continue
            text = str(raw[-1] if isinstance(raw, list | tuple) and raw else raw)
            fixed[str(key)] = spelled_as_stored(f.name, text)
        choices, problems = SweepsChoices.from_query(fixed)
        ignored += [restore_spelling(p) for p in problems]

        def offer(f: Field) -> Any:
            if f.key not in rest:
                return None
            value, problem = parse_link(f, rest.pop(f.key))
            if problem:
                ignored.append(ignored_text(f.key, _joined(query[f.key]), problem))
            return value

        scenario = cls(**{f.name: getattr(choices, f.name) for f in cls.fields()}).with_tuned(offer)
        ignored += [ignored_text(key, _joined(raw), _("unknown setting")) for key, raw in rest.items()]
        return scenario, ignored

    def to_query(self) -> dict[str, Any]:
        """The link: the choices and dependent settings that differ from their defaults (a range as two values)."""
        query: dict[str, Any] = {}
        for key, text in self.choices().to_query().items():
            name = key.removeprefix(f"{self.PAGE}.")
            query[key] = LINKED_BY_LABEL[name][text] if name in LINKED_BY_LABEL else text
        for f, value in self.table():
            if value != f.default:
                query[f.key] = link_text(f, value)
        return query


def spelled_as_stored(name: str, text: str) -> str:
    """A fixed choice's link text as the scenario stores it: labels and display names become keys.

    The key itself is accepted too (``sweep.mode=compare``); the link is then rewritten with the label.
    """
    if name in LINKED_BY_LABEL:
        by_label = {label: key for key, label in LINKED_BY_LABEL[name].items()}
        return by_label.get(text, text)
    if name in ALSO_BY_NAME:
        field_options = SweepsChoices.field(name).setting.options or ()
        by_name = {ALSO_BY_NAME[name](key): key for key in field_options}
        return by_name.get(text, text)
    return text


def restore_spelling(problem: str) -> str:
    """A notice line about a labelled choice, naming the labels a link may hold rather than the keys."""
    for labels in LINKED_BY_LABEL.values():
        keys = ", ".join(labels)
        if keys in problem:
            return problem.replace(keys, ", ".join(labels.values()))
    return problem


def _joined(raw: Any) -> str:
    return ",".join(map(str, raw)) if isinstance(raw, list | tuple) else str(raw)


# ----------------------------------------------------------------------------- what the engine is asked


@dataclass(frozen=True)
class MapRequest:
    """One map's runs: exactly what its (costly) sweep depends on, the key of its cache."""

    landscape: str
    landscape_params: tuple[tuple[str, float], ...]
    optimizer: str
    settings: tuple[tuple[str, float], ...]
    x: SweepAxis | None
    y: SweepAxis | None
    cells: int
    steps: int
    start: tuple[float, float] | None
    batch: int | None


@dataclass(frozen=True)
class SweepSetup:
    """A scenario's settings resolved for the engine, and the budget's plan (cheap: no runs yet)."""

    scenario: SweepsScenario
    maps: tuple[MapRequest, ...]
    """One request per map: two in compare mode; a start-point map has no axes."""
    plan: Plan
    theory_applies: bool
    """Whether theory has a boundary to draw on any of the maps (the toggle is greyed out if not)."""
    tolerance: float
    """Distance to the best minimum that counts as arrived."""

    @property
    def metric(self) -> str:
        """What the maps are coloured by."""
        return self.scenario.smetric if self.scenario.mode == "starts" else self.scenario.metric


def sweep_setup(scenario: SweepsScenario) -> SweepSetup:
    """The engine's view of ``scenario``: resolved surface, settings and axes, cut to the compute budget."""
    land = landscapes.get(scenario.land)
    table = {f.name: v for f, v in scenario.table()}
    values = land.resolve({name[3:]: v for name, v in table.items() if name.startswith("lp.")})
    lp = tuple(sorted(values.items()))

    def settings(prefix: str) -> tuple[tuple[str, float], ...]:
        return tuple(sorted((n[len(prefix) :], float(v)) for n, v in table.items() if n.startswith(prefix)))

    mapped = [scenario.opt, scenario.opt2] if scenario.mode == "compare" else [scenario.opt]
    plan = budget.fit_grid(scenario.land, mapped, scenario.n, scenario.steps, cell_options=CELL_OPTIONS)
    cells, steps, batch = int(plan.cells or scenario.n), plan.steps, table.get("batch")
    common = {"landscape": scenario.land, "landscape_params": lp, "cells": cells, "steps": steps, "batch": batch}
    if scenario.mode == "starts":
        request = MapRequest(optimizer=scenario.opt, settings=settings("h."), x=None, y=None, start=None, **common)
        return SweepSetup(scenario, (request,), plan, theory_applies=False, tolerance=default_tolerance(land))
    x, y = (SweepAxis(table[a], *table[f"{a}r"], table[f"{a}log"]) for a in ("x", "y"))
    start = (float(table["sx"]), float(table["sy"]))
    maps = [MapRequest(optimizer=scenario.opt, settings=settings("h."), x=x, y=y, start=start, **common)]
    if scenario.mode == "compare":
        x2, y2 = sweeps.compare_axes(scenario.opt2, x, y)
        maps.append(MapRequest(optimizer=scenario.opt2, settings=settings("h2."), x=x2, y=y2, start=start, **common))
    applies = any(theory(request) is not None for request in maps)
    return SweepSetup(scenario, tuple(maps), plan, theory_applies=applies, tolerance=default_tolerance(land))


def theory(request: MapRequest) -> bowl_theory.Overlay | None:
    """The closed-form boundary to draw on a map, where theory has one."""
    return bowl_theory.theory_overlay(
        request.landscape,
        dict(request.landscape_params),
        request.optimizer,
        dict(request.settings),
        request.x,
        request.y,
    )


@st.cache_resource(show_spinner=False, max_entries=48)
def run_map(request: MapRequest) -> SweepMap | StartMap:
    """One map's runs (one vectorised call), cached on exactly what they depend on (shared, never mutated).

    A cache of its own beside the page's builder: colouring the map by another metric or
    hiding the theory draws a new figure from the same runs instead of running them again.
    """
    if request.x is None or request.y is None:
        return sweeps.start_sweep(
            request.landscape,
            dict(request.landscape_params),
            request.optimizer,
            dict(request.settings),
            request.cells,
            steps=request.steps,
            batch_size=request.batch,
        )
    return sweeps.hyper_sweep(
        request.landscape,
        dict(request.landscape_params),
        request.optimizer,
        dict(request.settings),
        request.x,
        request.y,
        request.cells,
        request.cells,
        start=request.start,
        steps=request.steps,
        batch_size=request.batch,
    )


# ----------------------------------------------------------------------------- the page's maps


@dataclass(frozen=True)
class MapPanel:
    """One drawn map: its runs, its figure (no cell marked yet) and what theory says about it."""

    result: SweepMap | StartMap
    figure: dict
    chart_tag: str
    """A short tag for the chart's key: a new map gets a fresh click state."""
    theory_caption: str | None


@dataclass(frozen=True)
class SweepsPage:
    """What the page shows for one scenario, apart from the chosen cell's path."""

    setup: SweepSetup
    panels: tuple[MapPanel, ...]


def colour_range(results: Sequence[SweepMap], metric: str) -> tuple[float, float] | None:
    """The one colour range of maps drawn side by side: the finite values of all of them."""
    z = np.concatenate([r.metric(metric).ravel() for r in results])
    z = z[np.isfinite(z)]
    return (float(z.min()), float(z.max())) if z.size else None


def build(scenario: SweepsScenario) -> SweepsPage:
    """Run the scenario's maps (see :func:`run_map`) and draw their figures."""
    setup = sweep_setup(scenario)
    metric = setup.metric
    results = [run_map(request) for request in setup.maps]
    land = landscapes.get(scenario.land)
    panels = []
    if scenario.mode == "starts":
        (m,) = results
        z = m.basin.astype(np.float64) if metric == "basin" else m.metric(metric)
        grid = surface_grid(land, m.landscape_params)
        figure = start_figure(
            land, m.landscape_params, grid, z, m.xs, m.ys, metric, m.minima, m.final_loss, m.first_hit, m.diverged_at
        )
        panels.append(MapPanel(m, figure, digest(setup.maps[0], metric), None))
    else:
        compare = scenario.mode == "compare"
        zrange = colour_range(results, metric) if compare else None
        for i, (request, m) in enumerate(zip(setup.maps, results, strict=True)):
            overlay = theory(request) if scenario.theory and setup.theory_applies else None
            figure = sweep_figure(
                m.metric(metric),
                m.x,
                m.y,
                m.xs,
                m.ys,
                metric,
                m.final_loss,
                m.first_hit,
                m.diverged_at,
                overlay=overlay,
                zrange=zrange,
                title=optimizer_name(m.optimizer) if compare else "",
                symbols={p.name: p.name for p in optimizers.get(m.optimizer).hypers},
                colour_bar=not compare or i == len(results) - 1,
            )
            caption = overlay.caption if overlay is not None else None
            panels.append(MapPanel(m, figure, digest(request, metric), caption))
    return SweepsPage(setup, tuple(panels))


page_view = cached_builder(SweepsScenario, build)


def digest(*parts: Any) -> str:
    """A short stable tag of ``parts`` (for chart keys)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


# ----------------------------------------------------------------------------- the chosen cell


@dataclass(frozen=True)
class ChosenCell:
    """The cell whose path is drawn: the clicked one, or until a click the page's own choice."""

    panel: int
    row: int
    col: int
    marker: tuple[float, float]
    """Where its square is drawn on the map (plot coordinates)."""
    optimizer: str
    settings: Mapping[str, Any]
    start: tuple[float, float]
    playground: Scenario
    """The Playground scenario that replays its run."""


def clicked_point(points: Sequence[Mapping[str, Any]], panel: MapPanel) -> tuple[float, float] | None:
    """The cell a click on ``panel`` chose, as its axis values (or start point); None for a click beside the cells."""
    m = panel.result
    x, y = (m.x, m.y) if isinstance(m, SweepMap) else m.axes
    for point in reversed(points):
        if point.get("curve_number") not in CLICK_TRACES:
            continue
        cell = sweeps.cell_from_click(point, m.xs, m.ys, x, y)
        if cell is not None:
            row, col = cell
            return float(m.xs[col]), float(m.ys[row])
    return None


def choose_cell(view: SweepsPage, selected: Mapping[str, Any] | None) -> ChosenCell:
    """The cell to draw: ``selected`` (``{"which": panel or "starts", "point": axis values}``) if it is on a map.

    Until a cell is clicked: the cell of the first map that came near the minimum first, or on a
    start-point map the cell holding the landscape's usual start point.
    """
    which = str((selected or {}).get("which"))
    if view.setup.scenario.mode == "starts":
        m = view.panels[0].result
        assert isinstance(m, StartMap)
        row_col = sweeps.nearest_cell(m.xs, m.ys, *m.axes, selected["point"]) if which == "starts" else None
        if row_col is None:
            row_col = sweeps.nearest_cell(m.xs, m.ys, *m.axes, landscapes.get(m.landscape).starts[0])
        row, col = row_col if row_col is not None else m.best_cell()
        start = m.cell_start(row, col)
        return ChosenCell(0, row, col, start, m.optimizer, dict(m.settings), start, m.cell_scenario(row, col))
    panel, row_col = 0, None
    if which in {str(i) for i in range(len(view.panels))}:
        panel = int(which)
        m = view.panels[panel].result
        row_col = sweeps.nearest_cell(m.xs, m.ys, m.x, m.y, selected["point"])
    if row_col is None:
        panel, row_col = 0, view.panels[0].result.best_cell()
    m = view.panels[panel].result
    assert isinstance(m, SweepMap)
    row, col = row_col
    marker = (float(plot_coords(m.x, m.xs[col])), float(plot_coords(m.y, m.ys[row])))
    start = view.setup.maps[panel].start
    assert start is not None
    return ChosenCell(panel, row, col, marker, m.optimizer, m.cell_settings(row, col), start, m.cell_scenario(row, col))


@dataclass(frozen=True)
class CellPath:
    """A chosen cell's run, re-run alone with ``simulate``, and what the live map draws for it."""

    run: Trajectory
    overlay: list[dict]
    surface: SurfaceLayer
    """The contour map under the path: one per surface, whichever cell is chosen."""


def cell_path(view: SweepsPage, cell: ChosenCell) -> CellPath:
    """The path of ``cell`` and the surface it is drawn on (both cached on exactly what they depend on)."""
    request = view.setup.maps[cell.panel]
    settings = tuple(sorted(cell.settings.items()))
    lp = request.landscape_params
    lang = language()  # both hold shown text (trace names, colour bar): one entry per language
    run, overlay = _run_cell(
        request.landscape, lp, cell.optimizer, settings, cell.start, request.steps, request.batch, lang
    )
    return CellPath(run, overlay, _path_surface(request.landscape, lp, lang))


@st.cache_resource(show_spinner=False, max_entries=64)
def _run_cell(
    land: str, lp: tuple, opt: str, settings: tuple, start: tuple, steps: int, batch: int | None, lang: str
) -> tuple[Trajectory, list[dict]]:
    """A cell's path, re-run alone with ``simulate``, and its traces over the surface (shared, never mutated)."""
    run = sweeps.run_cell(land, dict(lp), opt, dict(settings), start, steps, batch)
    shown = replace(run, label=optimizer_name(opt)) if run.label == optimizers.get(opt).name else run
    return run, cell_path_overlay(shown)


@st.cache_resource(show_spinner=False, max_entries=16)
def _path_surface(land: str, lp: tuple, lang: str) -> SurfaceLayer:
    """The contour map a cell's path is drawn on: one per surface (shared, never mutated)."""
    surface, values = landscapes.get(land), dict(lp)
    return figure_surface(cell_path_surface(surface, values, surface_grid(surface, values)))
