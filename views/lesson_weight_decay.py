"""Lesson: weight decay inside the gradient (L2) versus decoupled from it, for SGD and for Adam."""

from __future__ import annotations

import numpy as np
import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.weight_decay import MAP_HEIGHT, distance_figure, paths_overlay, paths_surface, paths_window
from charts.live_map import SurfaceLayer, figure_surface
from core.numbers import exact_text
from engine.lessons import weight_decay as wd
from engine.scenario import Scenario
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.param_widgets import log_grid

PAGE = "wd"
DECAYS = log_grid(1e-3, 1.0)
SGD_LRS = log_grid(1e-3, 3.0)
ADAM_LRS = log_grid(1e-3, 1.0)

guard = UrlGuard(PAGE)
lesson_header(
    "Weight decay versus L2: the same for SGD, not for Adam",
    "Weight decay pulls every weight a little towards zero at each step. It can be written in two places: "
    "added to the gradient before the optimizer sees it (L2 mode, what `weight_decay` means in PyTorch's SGD "
    "and Adam), or subtracted from the weights after the optimizer has stepped (decoupled, as in AdamW). For "
    "plain SGD the two are the same sum written in a different order, so the paths lie on top of each other, "
    "apart from floating-point rounding. For Adam they are different algorithms, and the paths part company. "
    "Convention used throughout: weight decay λ in L2 mode adds λw to the gradient, the gradient of "
    "(λ/2)‖w‖², so SGD with weight decay λ is SGD on f(w) + (λ/2)‖w‖², an L2 penalty α‖w‖² with α = λ/2.",
    r"\underbrace{w - \eta\,(\nabla f + \lambda w)}_{\text{SGD + L2}} = "
    r"\underbrace{w - \eta\nabla f - \eta\lambda w}_{\text{SGD + decoupled}}"
    r"\qquad"
    r"\underbrace{w - \eta\,\frac{\hat m(\nabla f + \lambda w)}{\sqrt{\hat v(\nabla f + \lambda w)}+\epsilon}}"
    r"_{\text{Adam + L2}} \ne "
    r"\underbrace{w - \eta\,\frac{\hat m(\nabla f)}{\sqrt{\hat v(\nabla f)}+\epsilon} - \eta\lambda w}_{\text{AdamW}}",
)

c1, c2, c3, c4 = st.columns(4)
decay = c1.select_slider(
    "Weight decay λ",
    options=DECAYS,
    value=0.1,
    key=f"{PAGE}.decay",
    bind="query-params",
    format_func=exact_text,
)
sgd_lr = c2.select_slider(
    "SGD learning rate",
    options=SGD_LRS,
    value=0.5,
    key=f"{PAGE}.sgd_lr",
    bind="query-params",
    format_func=exact_text,
)
adam_lr = c3.select_slider(
    "Adam learning rate",
    options=ADAM_LRS,
    value=0.05,
    key=f"{PAGE}.adam_lr",
    bind="query-params",
    format_func=exact_text,
)
steps = c4.slider("Steps", 50, 2000, 500, step=50, key=f"{PAGE}.steps", bind="query-params")
guard.finish()

scenario: Scenario = wd.scenario(decay, sgd_lr, adam_lr, steps)


@st.cache_data(show_spinner=False, max_entries=64)
def simulate(decay: float, sgd_lr: float, adam_lr: float, steps: int):
    """The four runs, their pair distances and the minimum of the decayed loss."""
    runs = wd.scenario(decay, sgd_lr, adam_lr, steps).run()
    return runs, wd.pair_distances(runs), wd.sgd_tolerance(runs), wd.decayed_minimum(decay)


@st.cache_resource(show_spinner=False, max_entries=64)
def figures(decay: float, sgd_lr: float, adam_lr: float, steps: int) -> tuple[list[dict], dict]:
    """The map's paths and the distance plot (shared, never mutated)."""
    runs, distances, _, target = simulate(decay, sgd_lr, adam_lr, steps)
    return paths_overlay(runs, target), distance_figure(distances)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(values: tuple, window: tuple) -> SurfaceLayer:
    """The map's surface layer: the training loss seen through ``window``; a change that keeps the window
    re-sends none of it (shared)."""
    return figure_surface(paths_surface(dict(values), window))


with st.spinner(f"Running SGD and Adam, each with L2 and with decoupled weight decay, for {steps} steps…"):
    runs, distances, tolerance, target = simulate(decay, sgd_lr, adam_lr, steps)
    map_paths, distance_fig = figures(decay, sgd_lr, adam_lr, steps)
    window = paths_window(runs, scenario.landscape_params, target)

left, right = st.columns(2)
with left:
    st.subheader("Four paths, one weight decay")
    surface = map_surface(tuple(sorted(scenario.landscape_params.items())), window)
    live_map(f"{PAGE}.map", surface, overlay=map_paths, height=MAP_HEIGHT)
with right:
    st.subheader("Distance within each pair")
    st.plotly_chart(PrebuiltFigure(distance_fig), width="stretch", key=f"{PAGE}.distance")

sgd_gap, adam_gap = (float(np.max(d)) for d in distances.values())
m1, m2, m3 = st.columns(3)
m1.metric("SGD pair: largest distance", "0 (bit-identical)" if sgd_gap == 0 else f"{sgd_gap:.2g}")
m2.metric("Adam pair: largest distance", f"{adam_gap:.3g}")
end_gaps = [float(np.hypot(*(run.path[-1].astype(np.float64) - target))) for run in runs]
m3.metric("SGD + L2 end point to the minimum of f + (λ/2)‖w‖²", f"{end_gaps[0]:.2g}")
if any(r.diverged_at is not None for r in runs):
    st.warning(
        "Some runs diverged (their learning rate is too large for this surface): their paths stop where they "
        "left the map. " + ", ".join(f"{r.label} at step {r.diverged_at}" for r in runs if r.diverged_at is not None),
        icon=":material/warning:",
    )
verdict = "within" if sgd_gap <= tolerance else "OUTSIDE"
st.caption(
    f"Machine precision here means at most {wd.SGD_TOLERANCE_ULPS} float32 rounding steps of the largest coordinate "
    f"(ε = {wd.FLOAT32_EPS:.2g}, tolerance {tolerance:.2g}); the SGD pair is {verdict} it. The two SGD modes compute "
    "η(∇f + λw) and η∇f + ηλw, which can round differently in the last bit."
)

st.markdown(
    "**Why they differ for Adam.** In Adam + L2 the decay term λw is mixed into the moving averages and then "
    "divided by √v̂, so a weight whose gradients have been large is decayed less than one whose gradients have "
    "been small. AdamW applies the decay outside the adaptive step, so every weight shrinks by the same fraction "
    "ηλ per step, whatever its gradient history."
)
st.markdown(
    f"After {steps} steps Adam + L2 ends {end_gaps[2]:.2g} from the minimum of f + (λ/2)‖w‖² (it can only come to "
    f"rest where ∇f + λw = 0, the same point as SGD, but it takes another route), while AdamW ends "
    f"{end_gaps[3]:.2g} from it: decoupled decay inside Adam does not minimize that loss."
)

playground_link(scenario)
