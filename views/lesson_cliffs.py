"""Lesson: a cliff on the loss surface, and how clipping the gradient norm tames the step that hits it."""

from __future__ import annotations

import streamlit as st

import landscapes
from charts.encoding import PrebuiltFigure
from charts.lessons.cliffs import MAP_HEIGHT, cliff_annotations, cliff_paths, cliff_surface, step_length_figure
from charts.live_map import SurfaceLayer, figure_surface
from engine.lessons import cliffs
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.param_widgets import log_grid

PAGE = "cliff"


def whole(values: list[float]) -> list[float | int]:
    """Whole numbers as ints, so each option's label, its URL text and ``str`` of its value agree ("5000")."""
    return [int(v) if float(v).is_integer() else v for v in values]


LRS = whole(log_grid(0.01, 1.0))
CLIPS = whole(log_grid(0.1, 1000.0))
SLOPE = landscapes.get(cliffs.LANDSCAPE).params[0]
SLOPES = whole(log_grid(SLOPE.low, SLOPE.high))

guard = UrlGuard(PAGE)
lesson_header(
    "Cliffs and gradient clipping",
    "This surface is a gentle slope whose lowest point sits at the foot of a sheer wall. Far from the wall "
    "every step is small and sensible, but the step that lands on the wall meets a gradient hundreds of "
    "times larger, and plain gradient descent turns it into a jump just as many times longer, throwing the "
    "point far back across the map. Clipping rescales any gradient longer than a threshold c down to length "
    "c while keeping its direction, so no single step of SGD can be longer than η·c. Below the threshold "
    "nothing changes, which is why a generous c leaves the calm part of the run alone and only tames the "
    "rare explosive step.",
    r"g_t \leftarrow g_t\cdot\min\!\left(1,\ \frac{c}{\lVert g_t\rVert}\right),\qquad "
    r"x_{t+1}=x_t-\eta\,g_t\ \Rightarrow\ \lVert x_{t+1}-x_t\rVert\le\eta\,c",
)

c1, c2, c3, c4 = st.columns([3, 3, 3, 2])
clip = float(
    c1.select_slider(
        "Clipping threshold c (log scale)",
        options=CLIPS,
        value=1,
        key=f"{PAGE}.clip",
        bind="query-params",
        format_func=str,
        help="Gradients longer than c are scaled down to length c. Above the wall's gradient, clipping never acts.",
    )
)
lr = float(
    c2.select_slider(
        "Learning rate η",
        options=LRS,
        value=0.1,
        key=f"{PAGE}.lr",
        bind="query-params",
        format_func=str,
    )
)
slope = float(
    c3.select_slider(
        "Wall slope G (log scale)",
        options=SLOPES,
        value=int(SLOPE.default),
        key=f"{PAGE}.slope",
        bind="query-params",
        format_func=str,
        help=SLOPE.help,
    )
)
# A radio rather than a toggle: a bound toggle writes "false" into the link while its value prints as
# "False", which the link notice would take for a rejected value.
with_momentum = (
    c4.radio(
        "Momentum (β = 0.9)",
        ("off", "on"),
        key=f"{PAGE}.momentum",
        bind="query-params",
        horizontal=True,
        help="Also run heavy ball, with and without the same clipping.",
    )
    == "on"
)
guard.finish()


@st.cache_data(show_spinner=False, max_entries=64)
def run_study(lr: float, clip: float, slope: float, momentum: bool) -> cliffs.CliffStudy:
    """The clipped and unclipped runs and their wall hits (cached by the plain settings)."""
    return cliffs.cliff_study(lr, clip, slope, momentum)


@st.cache_resource(show_spinner=False, max_entries=64)
def figures(lr: float, clip: float, slope: float, momentum: bool) -> tuple[list[dict], dict]:
    """The map's paths and arrows, and the step-length chart (shared, never mutated)."""
    study = run_study(lr, clip, slope, momentum)
    return cliff_paths(study), step_length_figure(study)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(slope: float) -> SurfaceLayer:
    """The map's surface layer: the slope's contours (shared); the notes on the wall step travel with the paths."""
    return figure_surface(cliff_surface(slope))


with st.spinner("Running SGD with and without clipping…"):
    study = run_study(lr, clip, slope, with_momentum)
    map_paths, length_fig = figures(lr, clip, slope, with_momentum)

for line in cliffs.hit_sentences(study):
    st.markdown(line)

left, right = st.columns([1, 1])
with left:
    live_map(
        f"{PAGE}.map",
        map_surface(slope),
        overlay=map_paths,
        overlay_layout={"annotations": cliff_annotations(study)},
        height=MAP_HEIGHT,
    )
    st.caption(
        "At the clipped SGD run's wall step (the square), the dotted magenta arrow is the raw step −η∇f plain SGD "
        "would take from there, cut at the map's edge when it is longer than the map; the cyan arrow is the step "
        "actually taken. Dashed paths are unclipped and drawn over the clipped ones, so both show where they "
        "share a stretch."
    )
with right:
    st.plotly_chart(PrebuiltFigure(length_fig), width="stretch", key=f"{PAGE}.lengths")
    st.caption("Length of every step on a log axis; dotted lines are the bounds clipping guarantees.")

playground_link(cliffs.playground_scenario(study))
