"""A compute budget per page view: estimate what a request costs and shrink it to fit.

Any link can ask for work: the Sweeps page takes up to 2 x 128 x 128 runs of 2000 steps,
and on a data-set surface with Newton that is half a minute of server CPU and hundreds of
megabytes for one page view. Every page view therefore gets :data:`BUDGET_S` seconds of
server CPU; a page estimates what its request costs with :func:`estimate_s` and, if that is
over the budget, runs a smaller request chosen by :func:`fit_grid` (a map: fewer cells
first, then fewer steps) or :func:`fit_steps` (a set of runs: fewer steps), and shows the
plan's :meth:`Plan.notice` saying what was reduced and why.

The cost model: one vmapped call costs :data:`CALL_S` plus ``runs x steps`` times the cost
of one run-step, which is the landscape's cost of one step with a gradient (or with the
Hessian, for optimizers that need one) plus the optimizer's own update. The figures are
CPU nanoseconds (all threads), measured with ``benchmarks/budget_calibrate.py`` on the
project's 2-core machine while other work ran (least of three warm runs; CPU time, so the
load hardly moves it; still about ±25 % from run to run), then rounded up into the tables
:data:`LANDSCAPE_NS` and :data:`OPTIMIZER_NS`. Measured on 2026-12-06, ns per run-step::

    landscape        gradient   Newton  |  optimizer   extra over sgd (bowl, 2.8)
    bowl                  2.7      2.5  |  sgd, momentum, nesterov,
    rosenbrock            2.8      9.0  |    lion, newton      below 0.5 (noise)
    saddle                3.6      4.2  |  adagrad, rmsprop    0.5, 0.1
    monkey_saddle         4.9     13.4  |  adadelta            1.1
    cliff                 7.9     12.5  |  adam, adamw         4.7, 4.3
    minibatch           179      189    |  amsgrad             4.6
      at 128 x 128      161-203  217-254|  nadam               8.3
    sharp_flat         5892    51629    |  adabelief           6.1
    train_val            53       54    |
      at 128 x 128       54       52    |  one call: 0.29 ms fixed
    himmelblau            2.8     13.4  |  drawing a map: 76 ns per cell
    beale                 2.9     21.8  |    (1.2 ms at 128 x 128; not counted)
    rastrigin            34       43    |
    ackley               27       62    |
    goldstein_price       4.4     46.7  |
    six_hump_camel        3.5     13.5  |
    styblinski_tang       3.6      6.2  |

The data-set surfaces cost most: every step evaluates all 256 examples whatever the batch
size (a minibatch is a 0/1 weighting, see :mod:`engine.minibatch`), and on the largest maps
the per-run data no longer stays in cache; the sharp/flat surface's examples each take two
exponentials and a logarithm, and Newton's Hessian multiplies that ten times. Issue 12's
link (two 128 x 128 maps of 2000 steps on ``minibatch``, Newton and AdaBelief) measured
13.7 s of CPU warm (7.1 s + 6.6 s; the issue's 32.6 s also paid for compiling both); the
model says 16 s. Compiling a program the first time a surface and optimizer meet is not
counted: it happens once per server (JAX's persistent cache keeps it), not once per view.

How a page uses it::

    plan = budget.fit_grid(land, [opt], cells, steps, cell_options=CELL_OPTIONS)
    if plan.reduced:
        st.info(plan.notice("map"))
    run the map with plan.cells and plan.steps

    plan = budget.fit_steps(land, ["adam"] * seeds, steps)   # e.g. a lesson's many seeds
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import optimizers
from core.i18n import N_, translator
from core.numbers import number_text

_ = translator("app")

BUDGET_S = 3.0
"""Server CPU seconds one page view may use for its runs."""

VIEW_OVERHEAD_S = 0.3
"""CPU a page view spends besides its runs (script, widgets, figures, the clicked cell's lone run).

Measured on the Sweeps page: a 16 x 16 Newton map on the sharp/flat surface took 2.98 s
of CPU alone and 3.4 s as a whole page run. Plans count it, so the whole view fits.
"""

CALL_S = 0.002
"""Fixed CPU cost of one vmapped call (dispatch, copying results back); measured 0.3 ms."""

MIN_CELLS = 16
"""A map keeps at least this many cells per axis (if asked for that many) before its steps are cut."""

MIN_STEPS = 50
"""Steps are not cut below this (if asked for more) before cells go below :data:`MIN_CELLS`."""

LANDSCAPE_NS: dict[str, tuple[float, float]] = {
    "bowl": (3.0, 3.0),
    "rosenbrock": (3.0, 10.0),
    "saddle": (4.0, 5.0),
    "monkey_saddle": (5.0, 15.0),
    "cliff": (9.0, 14.0),
    "minibatch": (230.0, 280.0),
    "sharp_flat": (6500.0, 57000.0),
    "train_val": (70.0, 70.0),
    "himmelblau": (3.0, 15.0),
    "beale": (3.0, 24.0),
    "rastrigin": (38.0, 48.0),
    "ackley": (30.0, 70.0),
    "goldstein_price": (5.0, 52.0),
    "six_hump_camel": (4.0, 15.0),
    "styblinski_tang": (4.0, 7.0),
}
"""CPU ns of one run-step on each landscape: (with a gradient, with a Hessian), plain update."""

UNKNOWN_LANDSCAPE_NS = (60.0, 120.0)
"""A surface not in the table (a custom formula): priced like the dearer analytic surfaces."""

OPTIMIZER_NS: dict[str, float] = {
    "sgd": 0.0,
    "momentum": 0.0,
    "nesterov": 0.0,
    "adagrad": 1.0,
    "rmsprop": 1.0,
    "adadelta": 2.0,
    "adam": 5.0,
    "adamw": 5.0,
    "amsgrad": 5.0,
    "nadam": 9.0,
    "lion": 1.0,
    "adabelief": 7.0,
    "newton": 0.0,
}
"""CPU ns that each optimizer's update adds to one run-step (over plain gradient descent)."""

UNKNOWN_OPTIMIZER_NS = 20.0


def needs_hessian(optimizer: str) -> bool:
    """Whether ``optimizer`` takes a Hessian every step (unknown keys: no)."""
    spec = optimizers.REGISTRY.get(optimizer)
    return bool(spec is not None and spec.needs_hessian)


def step_seconds(landscape: str, optimizer: str) -> float:
    """Estimated CPU seconds of one step of one run of ``optimizer`` on ``landscape`` (inside a vmapped call)."""
    gradient, hessian = LANDSCAPE_NS.get(landscape, UNKNOWN_LANDSCAPE_NS)
    surface = hessian if needs_hessian(optimizer) else gradient
    return 1e-9 * (surface + OPTIMIZER_NS.get(optimizer, UNKNOWN_OPTIMIZER_NS))


@dataclass(frozen=True)
class Job:
    """One vmapped call: ``runs`` runs of ``optimizer`` on ``landscape`` for ``steps`` steps."""

    landscape: str
    optimizer: str
    runs: int
    steps: int

    @property
    def seconds(self) -> float:
        """Estimated CPU seconds of this call."""
        return CALL_S + self.runs * self.steps * step_seconds(self.landscape, self.optimizer)


def estimate_s(jobs: Iterable[Job]) -> float:
    """Estimated CPU seconds of all ``jobs`` together."""
    return sum(job.seconds for job in jobs)


def grid_jobs(landscape: str, optimizer_keys: Sequence[str], cells: int, steps: int, single_runs: int = 1) -> list[Job]:
    """The calls of a page showing one ``cells`` x ``cells`` map per optimizer, plus ``single_runs`` lone runs.

    The lone runs (a clicked cell's path, re-run on its own) are priced with the first optimizer.
    """
    jobs = [Job(landscape, opt, cells * cells, steps) for opt in optimizer_keys]
    if single_runs and optimizer_keys:
        jobs.append(Job(landscape, optimizer_keys[0], single_runs, steps))
    return jobs


@dataclass(frozen=True)
class Plan:
    """What a page runs: the request, or a smaller one that fits the budget, with both estimates.

    ``seconds`` and ``asked_seconds`` are estimates for the whole view (the runs plus
    :data:`VIEW_OVERHEAD_S`); ``cells`` is None for a plan of runs rather than a map.
    """

    cells: int | None
    steps: int
    asked_cells: int | None
    asked_steps: int
    seconds: float
    asked_seconds: float
    budget_s: float

    @property
    def reduced(self) -> bool:
        """Whether the plan is smaller than the request."""
        return (self.cells, self.steps) != (self.asked_cells, self.asked_steps)

    def notice(self, what: str = "map") -> str | None:
        """One plain sentence or two saying what was reduced and why; None if nothing was.

        ``what`` names the unit of work in the plural-free form (``"map"``, ``"run"``; English, translated here).
        """
        if not self.reduced:
            return None
        changes = []
        if self.cells is not None and self.cells != self.asked_cells:
            changes.append(
                _("{cells} × {cells} cells instead of {asked} × {asked}").format(
                    cells=self.cells, asked=self.asked_cells
                )
            )
        if self.steps != self.asked_steps:
            changes.append(_("{steps} steps instead of {asked}").format(steps=self.steps, asked=self.asked_steps))
        elif self.cells is not None:
            changes.append(_("all {steps} steps").format(steps=self.steps))
        units = {"map": N_("map"), "run": N_("run")}
        return _(
            "Reduced to fit the compute budget: each {what} runs {changes}. "
            "As asked, it would take about {asked} of server time, and each page "
            "view gets about {budget}. Ask for fewer cells or steps to run exactly what you set."
        ).format(
            what=_(units.get(what, what)),
            changes=_(" and ").join(changes),
            asked=_seconds_text(self.asked_seconds),
            budget=_seconds_text(self.budget_s),
        )


def _seconds_text(seconds: float) -> str:
    """A duration for a reader: "0.5 s", "17 s", "35 min"."""
    if seconds < 90:
        return _("{n} s").format(n=number_text(seconds, 2))
    return _("{n} min").format(n=number_text(round(seconds / 60), 2))


def _largest_steps(cost_per_step: float, fixed: float, asked: int, multiple: int, budget_s: float) -> int:
    """The most steps (a multiple of ``multiple``, at most ``asked``) whose cost fits ``budget_s``; 0 if none."""
    if cost_per_step <= 0:
        return asked
    room = (budget_s - fixed) / cost_per_step
    if room >= asked:
        return asked
    return max(0, math.floor(room / multiple) * multiple)


def fit_steps(
    landscape: str,
    optimizer_keys: Sequence[str],
    steps: int,
    *,
    runs_each: int = 1,
    step_multiple: int = 10,
    budget_s: float = BUDGET_S,
    overhead_s: float = VIEW_OVERHEAD_S,
) -> Plan:
    """The request of ``runs_each`` runs per entry of ``optimizer_keys`` (one call each) for ``steps`` steps, fitted.

    Only the steps can shrink (to a multiple of ``step_multiple``, at least one multiple):
    for a set of runs every run is part of the picture, so fewer steps is the honest cut.
    """

    def cost(n: int) -> float:
        return overhead_s + estimate_s(Job(landscape, opt, runs_each, n) for opt in optimizer_keys)

    asked = cost(steps)
    if asked <= budget_s:
        return Plan(None, steps, None, steps, asked, asked, budget_s)
    per_step = sum(runs_each * step_seconds(landscape, opt) for opt in optimizer_keys)
    fitted = max(step_multiple, _largest_steps(per_step, cost(0), steps, step_multiple, budget_s))
    fitted = min(fitted, steps)
    return Plan(None, fitted, None, steps, cost(fitted), asked, budget_s)


def fit_grid(
    landscape: str,
    optimizer_keys: Sequence[str],
    cells: int,
    steps: int,
    *,
    cell_options: Sequence[int],
    step_multiple: int = 10,
    single_runs: int = 1,
    budget_s: float = BUDGET_S,
    overhead_s: float = VIEW_OVERHEAD_S,
) -> Plan:
    """The request of one ``cells`` x ``cells`` map per optimizer, ``steps`` steps each, fitted to the budget.

    Cells go first, down to :data:`MIN_CELLS` per axis: the steps say what a cell means (does
    the run arrive within ``steps`` steps?), while the cells only set how finely the map is
    drawn. If the map is still too dear at that size, the steps shrink (to a multiple of
    ``step_multiple``), down to :data:`MIN_STEPS`; past that, the cells shrink further and
    the steps take what is left. Cell counts come from ``cell_options`` (the page's choices).
    """

    def cost(n: int, s: int) -> float:
        return overhead_s + estimate_s(grid_jobs(landscape, optimizer_keys, n, s, single_runs))

    asked = cost(cells, steps)
    if asked <= budget_s:
        return Plan(cells, steps, cells, steps, asked, asked, budget_s)
    options = sorted({int(c) for c in cell_options if c <= cells} | {cells}, reverse=True)
    floor = min(cells, MIN_CELLS)
    for n in (c for c in options if c >= floor):
        if cost(n, steps) <= budget_s:
            return Plan(n, steps, cells, steps, cost(n, steps), asked, budget_s)
    least_steps = min(steps, MIN_STEPS)
    for n in [c for c in options if c >= floor][-1:] + [c for c in options if c < floor]:
        per_step = cost(n, 1) - cost(n, 0)
        fitted = _largest_steps(per_step, cost(n, 0), steps, step_multiple, budget_s)
        if fitted >= least_steps:
            return Plan(n, fitted, cells, steps, cost(n, fitted), asked, budget_s)
    n = options[-1]
    fitted = max(step_multiple, _largest_steps(cost(n, 1) - cost(n, 0), cost(n, 0), steps, step_multiple, budget_s))
    fitted = min(fitted, steps)
    return Plan(n, fitted, cells, steps, cost(n, fitted), asked, budget_s)


@dataclass(frozen=True)
class SeedPlan:
    """What a page of repeated seeded runs runs: the request, or fewer seeds (then steps) that fit the budget."""

    seeds: int
    steps: int
    asked_seeds: int
    asked_steps: int
    seconds: float
    asked_seconds: float
    budget_s: float

    @property
    def reduced(self) -> bool:
        """Whether the plan is smaller than the request."""
        return (self.seeds, self.steps) != (self.asked_seeds, self.asked_steps)

    def notice(self) -> str | None:
        """What was reduced and why, in a sentence or two; None if nothing was."""
        if not self.reduced:
            return None
        changes = []
        if self.seeds != self.asked_seeds:
            changes.append(_("{seeds} seeds instead of {asked}").format(seeds=self.seeds, asked=self.asked_seeds))
        if self.steps != self.asked_steps:
            changes.append(_("{steps} steps instead of {asked}").format(steps=self.steps, asked=self.asked_steps))
        return _(
            "Reduced to fit the compute budget: {changes}. As asked, it would take about "
            "{asked} of server time, and each page view gets about "
            "{budget}. Ask for fewer seeds, steps or learning rates to run exactly what you set."
        ).format(
            changes=_(" and ").join(changes),
            asked=_seconds_text(self.asked_seconds),
            budget=_seconds_text(self.budget_s),
        )


def fit_seeds(
    landscape: str,
    optimizer: str,
    seeds: int,
    steps: int,
    *,
    seed_options: Sequence[int],
    step_options: Sequence[int],
    runs_per_seed: int,
    extra_runs: int = 0,
    calls: int = 1,
    budget_s: float = BUDGET_S,
    overhead_s: float = VIEW_OVERHEAD_S,
) -> SeedPlan:
    """``calls`` vmapped calls of ``runs_per_seed * seeds + extra_runs`` runs of ``steps`` steps, fitted to the budget.

    Seeds go first, down to the smallest of ``seed_options``: more seeds only narrow the
    spread a page reports, while the steps say what a run means. Only then do the steps
    shrink, through the smaller ``step_options``; the cheapest pair is the last resort.
    """

    def cost(k: int, s: int) -> float:
        return overhead_s + calls * Job(landscape, optimizer, runs_per_seed * k + extra_runs, s).seconds

    asked = cost(seeds, steps)
    seed_choices = sorted({int(k) for k in seed_options if k <= seeds} | {seeds}, reverse=True)
    step_choices = sorted({int(s) for s in step_options if s <= steps} | {steps}, reverse=True)
    pairs = [(k, steps) for k in seed_choices] + [(seed_choices[-1], s) for s in step_choices[1:]]
    k, s = next(((k, s) for k, s in pairs if cost(k, s) <= budget_s), pairs[-1])
    return SeedPlan(k, s, seeds, steps, cost(k, s), asked, budget_s)
