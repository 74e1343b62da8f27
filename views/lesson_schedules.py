"""Lesson: learning-rate schedules side by side (paths, the lr curve, the loss curve)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import landscapes
import optimizers
from charts.encoding import PrebuiltFigure
from charts.lessons.schedules import MAP_HEIGHT, lr_figure, paths_overlay, paths_surface
from charts.live_map import SurfaceLayer, figure_surface
from charts.loss_curve import loss_figure
from engine.lessons import schedules as sch
from optimizers.schedules import SCHEDULE_LATEX, SCHEDULES
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map

PAGE = "sched"
LRS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
STEPS = [100, 200, 500, 1000, 2000]
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
# Selectboxes offer display names: a bound selectbox writes its label into the link, and the link notice
# compares the link with the value, so label and value must be the same string. These map them back.
SURFACES = {landscapes.get(k).name: k for k in sch.LANDSCAPES}
OPTIMIZERS = {optimizers.get(k).name: k for k in sch.OPTIMIZERS}

guard = UrlGuard(PAGE)
lesson_header(
    "Learning-rate schedules: big steps early, small steps late",
    "A schedule changes the learning rate while training runs. With noisy minibatch gradients a constant rate "
    "never settles: every step adds a random kick whose size grows with the rate, so once the run is near the "
    "minimum its loss stops falling and keeps bouncing at a *noise floor*. Decaying the rate keeps the big early "
    "steps and shrinks the kicks at the end. That is what the default view shows: momentum fitting the minibatch "
    "regression with batches of 4 and a peak rate of 0.02, where every decaying schedule ends far below constant "
    "η (the sentence under the charts compares final losses averaged over five minibatch seeds).\n\n"
    "The result depends on the settings. With exact gradients (batch size 256 here, and every other surface) "
    "there is no noise floor to shrink, so a decay mostly costs speed: at B = 256 no decaying schedule reaches "
    "the minimum sooner than constant η. With too small a peak rate (η = 0.005 here) the decayed runs shrink "
    "their steps before they arrive, and constant η ends lowest. A warm-up does the reverse of a decay at the "
    "start: the first steps are small, so a peak rate that would throw a cold start off the map can be used once "
    "the run has reached gentler ground. On Rosenbrock with momentum at η = 0.003 only the warmed-up run survives.",
    r"\begin{aligned}"
    + r"\\".join(rf"&\text{{{sch.SCHEDULE_LABELS[name]}}}: && {SCHEDULE_LATEX[name]}" for name in SCHEDULES)
    + r"\end{aligned}",
)

c1, c2, c3, c4 = st.columns(4)
landscape = SURFACES[
    c1.selectbox(
        "Surface",
        options=list(SURFACES),
        index=list(SURFACES.values()).index("minibatch"),
        key=f"{PAGE}.land",
        bind="query-params",
    )
]
key = OPTIMIZERS[
    c2.selectbox(
        "Optimizer",
        options=list(OPTIMIZERS),
        index=list(OPTIMIZERS.values()).index("momentum"),
        key=f"{PAGE}.opt",
        bind="query-params",
    )
]
lr = float(
    c3.select_slider(
        "Peak learning rate η", options=LRS, value=0.02, key=f"{PAGE}.lr", bind="query-params", format_func=str
    )
)
steps = int(
    c4.select_slider("Steps T", options=STEPS, value=500, key=f"{PAGE}.steps", bind="query-params", format_func=str)
)
land = landscapes.get(landscape)
c5, c6, c7, c8, c9 = st.columns(5)
decay_every = c5.slider(
    "Decay period s (step, exponential)", 10, 1000, 100, 10, key=f"{PAGE}.every", bind="query-params"
)
decay_rate = c6.slider(
    "Factor per period γ (step, exponential)", 0.05, 0.95, 0.5, 0.05, key=f"{PAGE}.rate", bind="query-params"
)
warmup = c7.slider("Warm-up steps w", 0, 1000, 50, 10, key=f"{PAGE}.warmup", bind="query-params")
alpha = c8.slider("Final lr ratio α (cosine)", 0.0, 0.5, 0.0, 0.01, key=f"{PAGE}.alpha", bind="query-params")
batch = int(
    c9.select_slider(
        "Batch size B",
        options=BATCHES,
        value=4,
        key=f"{PAGE}.batch",
        bind="query-params",
        format_func=str,
        disabled=not land.is_dataset,
        help="Only the minibatch surface is a data set; the others have exact gradients.",
    )
)
guard.finish()
settings = {
    "decay_every": float(decay_every),
    "decay_rate": float(decay_rate),
    "warmup_steps": float(warmup),
    "final_lr_ratio": float(alpha),
}


@st.cache_data(show_spinner=False, max_entries=64)
def run_study(landscape: str, key: str, lr: float, steps: int, items: tuple, batch: int) -> sch.ScheduleStudy:
    """The five runs for one setting (cached by the plain values)."""
    return sch.schedule_study(landscape, key, lr, steps, dict(items), batch)


@st.cache_resource(show_spinner=False, max_entries=64)
def figures(landscape: str, key: str, lr: float, steps: int, items: tuple, batch: int) -> tuple[list[dict], dict, dict]:
    """The map's paths, the lr chart and the loss chart (shared, never mutated)."""
    study = run_study(landscape, key, lr, steps, items, batch)
    return paths_overlay(study), lr_figure(study), loss_figure(study.trajectories, study.best)


@st.cache_resource(show_spinner=False, max_entries=8)
def map_surface(landscape: str) -> SurfaceLayer:
    """The map's surface layer: only the surface shapes it, so every other control re-sends none of it (shared)."""
    return figure_surface(paths_surface(landscape))


items = tuple(sorted(settings.items()))
seeds = sch.seed_count(landscape, batch)
on_seeds = f" on {seeds} minibatch seeds" if seeds > 1 else ""
with st.spinner(f"Training {optimizers.get(key).name} with five learning-rate schedules{on_seeds}…"):
    study = run_study(landscape, key, lr, steps, items, batch)
    map_paths, lr_fig, loss_fig = figures(landscape, key, lr, steps, items, batch)

left, right = st.columns([1, 1])
with left:
    live_map(f"{PAGE}.map", map_surface(landscape), overlay=map_paths, height=MAP_HEIGHT)
    st.caption(
        f"{optimizers.get(key).name} from {study.start}, {steps} steps"
        + (f", minibatches of {study.batch_size} (seed 0)" if study.batch_size else "")
        + ". A cross marks a run that diverged."
    )
with right:
    st.markdown("**Learning rate per step**")
    st.plotly_chart(PrebuiltFigure(lr_fig), width="stretch", key=f"{PAGE}.lr_chart")
    st.markdown("**Loss per step**")
    st.plotly_chart(PrebuiltFigure(loss_fig), width="stretch", key=f"{PAGE}.loss")

st.markdown(sch.outcome(study))
st.dataframe(pd.DataFrame(sch.summary(study)), hide_index=True, width="stretch")
st.caption(
    "The learning-rate curves are the rates the engine used (each schedule matches its optax counterpart). "
    "Settings that a schedule does not use leave it unchanged: s and γ shape step and exponential decay, α the "
    "two cosines, w the warm-up."
)
playground_link(sch.playground_scenario(study))
