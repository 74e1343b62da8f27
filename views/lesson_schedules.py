"""Lesson: learning-rate schedules side by side (paths, the lr curve, the loss curve)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.schedules import MAP_HEIGHT
from core.i18n import translator
from engine.lessons.schedules import SCHEDULE_LABELS
from optimizers.schedules import SCHEDULE_LATEX, SCHEDULES
from ui.lesson import lesson_header, playground_link
from ui.lessons.schedules import ScheduleScenario, optimizer_text, page_view, seed_count, uses_batches
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = ScheduleScenario.PAGE
_ = translator("lessons_hard")

form = PageForm(ScheduleScenario)
lesson_header(
    _("Learning-rate schedules: big steps early, small steps late"),
    _(
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
        "the run has reached gentler ground. On Rosenbrock with momentum at η = 0.003 only the warmed-up run survives."
    ),
    r"\begin{aligned}"
    + r"\\".join(r"&\text{" + _(SCHEDULE_LABELS[name]) + rf"}}: && {SCHEDULE_LATEX[name]}" for name in SCHEDULES)
    + r"\end{aligned}",
)

c1, c2, c3, c4 = st.columns(4)
surface = form.widget("land", where=c1)
form.widget("opt", where=c2)
form.widget("lr", where=c3)
form.widget("steps", where=c4)
c5, c6, c7, c8, c9 = st.columns(5)
form.widget("every", where=c5)
form.widget("rate", where=c6)
form.widget("warmup", where=c7)
form.widget("alpha", where=c8)
form.widget("batch", where=c9, disabled=not uses_batches(surface))
scenario = form.finish()

seeds = seed_count(scenario)
spinner = (
    _("Training {optimizer} with five learning-rate schedules on {seeds} minibatch seeds…")
    if seeds > 1
    else _("Training {optimizer} with five learning-rate schedules…")
)
with st.spinner(spinner.format(optimizer=optimizer_text(scenario.opt), seeds=seeds)):
    view = page_view(scenario)
study = view.study

left, right = st.columns([1, 1])
with left:
    live_map(f"{PAGE}.map", view.surface, overlay=view.paths, height=MAP_HEIGHT)
    caption = (
        _(
            "{optimizer} from {start}, {steps} steps, minibatches of {batch} (seed 0). A cross marks a "
            "run that diverged."
        )
        if study.batch_size
        else _("{optimizer} from {start}, {steps} steps. A cross marks a run that diverged.")
    )
    st.caption(
        caption.format(
            optimizer=optimizer_text(scenario.opt), start=study.start, steps=scenario.steps, batch=study.batch_size
        )
    )
with right:
    st.markdown(_("**Learning rate per step**"))
    st.plotly_chart(PrebuiltFigure(view.lr), width="stretch", key=f"{PAGE}.lr_chart")
    st.markdown(_("**Loss per step**"))
    st.plotly_chart(PrebuiltFigure(view.loss), width="stretch", key=f"{PAGE}.loss")

st.markdown(view.outcome)
st.dataframe(pd.DataFrame(view.summary), hide_index=True, width="stretch")
st.caption(
    _(
        "The learning-rate curves are the rates the engine used (each schedule matches its optax counterpart). "
        "Settings that a schedule does not use leave it unchanged: s and γ shape step and exponential decay, α the "
        "two cosines, w the warm-up."
    )
)
playground_link(view.playground)
