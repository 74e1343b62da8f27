"""The implicit-regularization lesson: its settings (learning rates, the map's η, steps, seeds, start) and its view.

The page runs every batch size × every seed once per learning rate, and shows a progress bar
across the rates, so its work is split in three: :func:`build_plan` (what to run, fitted to the
compute budget; cheap), :func:`runs_at` (one learning rate's runs, cached on exactly the
settings they depend on, so adding a line or moving the map's η reruns only what is new) and
:func:`build` (the figures and sentences, from those cached runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

import landscapes
from charts.lessons.implicit import modified_overlay, modified_surface, share_figure
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language, translator
from core.page_scenario import PageScenario, setting
from engine import budget
from engine.lessons import implicit as im
from engine.scenario import Scenario
from ui.page_form import cached_builder

# Kept small on purpose: a step on the sharp-flat data set touches all 256 examples whatever B is,
# so a run costs about 6 µs per step on a 2-core CPU; 128 seeds x 8 minibatch sizes + 1 full-batch
# run x 100 steps is under a second per learning rate.
STEPS = (100, 200, 500)
SEEDS = im.SEED_OPTIONS
_ = translator("lessons_hard")
LAND = landscapes.get(im.LANDSCAPE)
N = im.BATCH_SIZES[-1]
STARTS = tuple(im.start_label(i) for i in range(len(LAND.starts)))
"""The starts by their labels: a URL-bound selectbox wrote the label into the link, and old links keep it."""


@dataclass(frozen=True)
class ImplicitScenario(PageScenario, page="implicit"):
    """The implicit-regularization lesson's settings."""

    lrs: tuple[float, ...] = setting(
        im.DEFAULT_LRS,
        N_("Learning rates (one line each)"),
        options=im.LR_OPTIONS,
        format=str,
        most=4,
        help=N_(
            "Full-batch gradient descent converges to the sharp minimum only while η is below its stability "
            "limit 2/λ, where λ is the sharp minimum's curvature."
        ),
    )
    map_lr: float = setting(0.04, N_("η for the modified loss on the map"), options=im.LR_OPTIONS, format=str)
    steps: int = setting(100, N_("Steps per run"), options=STEPS)
    seeds: int = setting(
        im.DEFAULT_SEEDS,
        N_("Seeds per batch size"),
        options=SEEDS,
        help=N_(
            "Runs per minibatch size. At full batch (B = N) every seed makes the same run, so that point is one run."
        ),
    )
    start: str = setting(
        STARTS[0],
        N_("Start"),
        options=STARTS,
        help=N_(
            "The first start lies on the sharp valley's slope; the others show that where a run starts matters too."
        ),
    )


@dataclass(frozen=True)
class RunPlan:
    """What the page runs: the learning rates, and the seeds and steps that fit the compute budget."""

    lrs: tuple[float, ...]
    """The chart's learning rates, in increasing order."""
    todo: tuple[float, ...]
    """Every learning rate to run: the chart's, then the map's when it is not one of them."""
    seeds: int
    steps: int
    start_index: int
    runs_per_lr: int
    notice: str | None
    """What the budget reduced, in words; None when nothing was."""


@dataclass(frozen=True)
class ImplicitPage:
    """What the page shows for one scenario: the share chart and its sentences, the map and its prediction."""

    plan: RunPlan
    shares: tuple[im.FlatShare, ...]
    share_figure: dict[str, Any] | None
    claim_text: str | None
    agreement_text: str | None
    surface: SurfaceLayer
    overlay: list[dict[str, Any]]
    prediction_text: str
    link: Scenario | None
    link_label: str | None


def build_plan(scenario: ImplicitScenario) -> RunPlan:
    """The learning rates to run and the seeds and steps that fit the budget for all of them."""
    lrs = tuple(sorted(scenario.lrs))
    todo = lrs + (() if scenario.map_lr in lrs else (scenario.map_lr,))
    plan = budget.fit_seeds(
        im.LANDSCAPE,
        "sgd",
        scenario.seeds,
        scenario.steps,
        seed_options=SEEDS,
        step_options=STEPS,
        runs_per_seed=len(im.BATCH_SIZES) - 1,
        extra_runs=1,
        calls=len(todo),
    )
    return RunPlan(
        lrs=lrs,
        todo=todo,
        seeds=plan.seeds,
        steps=plan.steps,
        start_index=STARTS.index(scenario.start),
        runs_per_lr=(len(im.BATCH_SIZES) - 1) * plan.seeds + 1,
        notice=plan.notice() if plan.reduced else None,
    )


@st.cache_resource(show_spinner=False, max_entries=128)
def flat_share(lr: float, steps: int, seeds: int, start_index: int) -> im.FlatShare:
    """One learning rate: every batch size x every seed in one vmapped call (shared, never mutated)."""
    return im.flat_share(lr, steps, seeds, LAND.starts[start_index])


def runs_at(plan: RunPlan, lr: float) -> im.FlatShare:
    """The runs of ``plan`` at learning rate ``lr`` (cached per learning rate, seeds, steps and start)."""
    return flat_share(lr, plan.steps, plan.seeds, plan.start_index)


@st.cache_resource(show_spinner=False, max_entries=16)
def prediction_for(lr: float) -> tuple[tuple[im.ModifiedGrid, im.ModifiedGrid], im.Prediction]:
    """The modified loss on the map's two grids and its curvatures at the two minima (depend on η alone)."""
    return im.map_grids(lr), im.prediction(lr)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(lr: float, lang: str) -> SurfaceLayer:
    """The modified loss on the map's two panels: depends on η and the language (shared, never mutated)."""
    (grid, zoom), pred = prediction_for(lr)
    return figure_surface(modified_surface(grid, zoom, pred))


def build(scenario: ImplicitScenario) -> ImplicitPage:
    """The share chart over the chart's learning rates and the map at the map's η, with their sentences."""
    plan = plan_view(scenario)
    shares = tuple(runs_at(plan, lr) for lr in plan.lrs)
    drawn = runs_at(plan, scenario.map_lr)
    _grids, pred = prediction_for(scenario.map_lr)
    first = drawn.examples[0] if drawn.examples else None
    start = tuple(map(float, LAND.starts[plan.start_index]))
    return ImplicitPage(
        plan=plan,
        shares=shares,
        share_figure=share_figure(shares) if shares else None,
        claim_text=im.claim_sentence(shares) if shares else None,
        agreement_text=im.agreement_sentence(shares) if shares else None,
        surface=map_surface(scenario.map_lr, language()),
        overlay=modified_overlay(pred, LAND.starts[plan.start_index], drawn.examples, N),
        prediction_text=im.prediction_sentence(pred),
        link=None
        if first is None
        else im.playground_scenario(scenario.map_lr, first.batch_size, plan.steps, start, first.seed),
        link_label=None
        if first is None
        else _("Open a drawn run in Playground (η = {lr}, B = {batch}, seed {seed})").format(
            lr=f"{scenario.map_lr:g}", batch=first.batch_size, seed=first.seed
        ),
    )


plan_view = cached_builder(ImplicitScenario, build_plan)
page_view = cached_builder(ImplicitScenario, build)
