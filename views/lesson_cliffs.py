"""Lesson: a cliff on the loss surface, and how clipping the gradient norm tames the step that hits it."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.cliffs import MAP_HEIGHT
from core.i18n import translator
from ui.lesson import lesson_header, playground_link
from ui.lessons.cliffs import CliffScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = CliffScenario.PAGE
_ = translator("lessons_hard")

form = PageForm(CliffScenario)
lesson_header(
    _("Cliffs and gradient clipping"),
    _(
        "This surface is a gentle slope whose lowest point sits at the foot of a sheer wall. Far from the wall "
        "every step is small and sensible, but the step that lands on the wall meets a gradient hundreds of "
        "times larger, and plain gradient descent turns it into a jump just as many times longer, throwing the "
        "point far back across the map. Clipping rescales any gradient longer than a threshold c down to length "
        "c while keeping its direction, so no single step of SGD can be longer than η·c. Below the threshold "
        "nothing changes, which is why a generous c leaves the calm part of the run alone and only tames the "
        "rare explosive step."
    ),
    r"g_t \leftarrow g_t\cdot\min\!\left(1,\ \frac{c}{\lVert g_t\rVert}\right),\qquad "
    r"x_{t+1}=x_t-\eta\,g_t\ \Rightarrow\ \lVert x_{t+1}-x_t\rVert\le\eta\,c",
)

c1, c2, c3, c4 = st.columns([3, 3, 3, 2])
form.widget("clip", where=c1)
form.widget("lr", where=c2)
form.widget("slope", where=c3)
form.widget("momentum", where=c4, horizontal=True)
scenario = form.finish()

with st.spinner(_("Running SGD with and without clipping…")):
    view = page_view(scenario)

for line in view.sentences:
    st.markdown(line)

left, right = st.columns([1, 1])
with left:
    live_map(
        f"{PAGE}.map",
        view.surface,
        overlay=view.paths,
        overlay_layout={"annotations": view.annotations},
        height=MAP_HEIGHT,
    )
    st.caption(
        _(
            "At the clipped SGD run's wall step (the square), the dotted magenta arrow is the raw step −η∇f plain SGD "
            "would take from there, cut at the map's edge when it is longer than the map; the cyan arrow is the step "
            "actually taken. Dashed paths are unclipped and drawn over the clipped ones, so both show where they "
            "share a stretch."
        )
    )
with right:
    st.plotly_chart(PrebuiltFigure(view.lengths), width="stretch", key=f"{PAGE}.lengths")
    st.caption(_("Length of every step on a log axis; dotted lines are the bounds clipping guarantees."))

playground_link(view.playground)
