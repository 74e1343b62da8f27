"""Lesson: input scaling and normalization -- a narrow valley versus a round bowl."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.grid_maps import panel_traces, side_by_side
from charts.lessons.input_scaling import bowl_overlay, bowl_surface, gap_figure
from charts.live_map import SurfaceLayer, figure_surface
from core.numbers import exact_text
from engine.lessons import input_scaling as sc
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.param_widgets import log_grid

PAGE = "scale"
SCALES = log_grid(1.0, sc.MAX_SCALE)

guard = UrlGuard(PAGE)
lesson_header(
    "Input scaling and normalization",
    "The same linear regression is fitted twice. On the left the second input is recorded in units that make "
    "its numbers s times larger than the first's; on the right both inputs are standardized to mean 0 and "
    "standard deviation 1 first. The loss bowl's curvature along each weight grows with the square of that "
    "input's size, so raw inputs of different scales make a long, narrow valley, and standardized ones a round "
    "bowl. Gradient descent's step has to be small enough for the steepest direction, so in the narrow valley "
    "it crawls along the flat one; in the round bowl one step size suits every direction. The condition number "
    "κ (largest over smallest curvature) measures the difference.",
    r"f(w)=\frac{1}{2N}\sum_i (w\cdot x_i - y_i)^2,\quad H=\frac{X^\top X}{N},\quad "
    r"\kappa=\frac{\lambda_{\max}(H)}{\lambda_{\min}(H)},\quad "
    r"x_{ij}\mapsto\frac{x_{ij}-\bar x_j}{\sigma_j}\;\Rightarrow\;H=\begin{pmatrix}1&\rho\\ \rho&1\end{pmatrix},"
    r"\ \kappa=\frac{1+\rho}{1-\rho}",
)

c1, c2, c3 = st.columns(3)
scale = c1.select_slider(
    "Scale of the second input s (×)",
    options=SCALES,
    value=10.0,
    key=f"{PAGE}.s",
    bind="query-params",
    format_func=exact_text,
)
correlation = c1.slider(
    "Correlation ρ between the inputs", 0.0, sc.MAX_CORRELATION, 0.0, step=0.05, key=f"{PAGE}.rho", bind="query-params"
)
relative_lr = c2.slider(
    "Step size η·λ_max (same for both)",
    0.1,
    2.1,
    1.0,
    step=0.05,
    key=f"{PAGE}.r",
    bind="query-params",
    help="Each run uses η = this / λ_max of its own Hessian; above 2 gradient descent diverges.",
)
steps = c3.slider("Steps", 10, 500, 100, step=10, key=f"{PAGE}.steps", bind="query-params")
guard.finish()


@st.cache_data(show_spinner=False, max_entries=64)
def compute(scale: float, correlation: float, relative_lr: float, steps: int):
    """Both problems and their GD runs (one vmapped call)."""
    return sc.scaling_views(scale, correlation, relative_lr, steps)


@st.cache_resource(show_spinner=False, max_entries=16)
def maps_surface(scale: float, correlation: float, _views: tuple[sc.ScalingView, sc.ScalingView]) -> SurfaceLayer:
    """Both bowls' contours side by side: they depend on s and ρ alone, the key of this cache (shared)."""
    maps = side_by_side(*(bowl_surface(view) for view in _views), colorbar=False)
    return figure_surface(maps)


@st.cache_resource(show_spinner=False, max_entries=64)
def figures(scale: float, correlation: float, relative_lr: float, steps: int) -> tuple[SurfaceLayer, list[dict], dict]:
    """Both maps' surface and the runs drawn over it, and the progress plot (shared, never mutated)."""
    raw, std = compute(scale, correlation, relative_lr, steps)
    overlay = panel_traces(bowl_overlay(raw), bowl_overlay(std), colorbar=False)
    return maps_surface(scale, correlation, (raw, std)), overlay, gap_figure((raw, std))


with st.spinner(f"Running gradient descent for {steps} steps on the raw and the standardized inputs…"):
    raw, std = compute(scale, correlation, relative_lr, steps)
    surface, overlay, gap_fig = figures(scale, correlation, relative_lr, steps)

live_map(f"{PAGE}.maps", surface, overlay=overlay, height=surface.layout["height"])

m1, m2, m3, m4 = st.columns(4)
m1.metric("κ, raw inputs", f"{raw.kappa:.4g}")
m2.metric(
    "κ, standardized inputs",
    f"{std.kappa:.4g}",
    f"(1+ρ)/(1−ρ) = {(1 + correlation) / (1 - correlation):.4g}",
    "off",
    delta_arrow="off",
)
m3.metric(f"Loss gap after {steps} steps, raw", f"{raw.gap[-1]:.2g}")
m4.metric(f"Loss gap after {steps} steps, standardized", f"{std.gap[-1]:.2g}")
if relative_lr > 2:
    st.warning(
        "With η·λ_max above 2 gradient descent overshoots more at every step and diverges.", icon=":material/warning:"
    )

st.subheader("Progress of gradient descent")
st.plotly_chart(PrebuiltFigure(gap_fig), width="stretch", key=f"{PAGE}.gap")

st.subheader("How batch normalization relates")
st.markdown(
    "Batch normalization applies the same idea inside a network. Before a layer uses its inputs, it subtracts "
    "their mean and divides by their standard deviation, both measured on the current minibatch, and then lets "
    "the network stretch and shift the result with two learned numbers, γ and β. The weights of that layer "
    "therefore see inputs of similar size, which keeps their part of the loss surface closer to the round bowl "
    "on the right than to the valley on the left, so one learning rate suits all of them and larger rates become "
    "usable. The picture is only an analogy: the statistics change from batch to batch and as earlier layers "
    "learn, and, as the correlation slider shows, rescaling each input on its own does nothing about inputs "
    "that move together."
)

raw_link, std_link = sc.bowl_equivalent(raw, relative_lr, steps), sc.bowl_equivalent(std, relative_lr, steps)
b1, b2 = st.columns(2)
with b1:
    playground_link(raw_link.scenario, "Open the raw problem in Playground")
with b2:
    playground_link(std_link.scenario, "Open the standardized problem in Playground")
st.caption(
    "A quadratic loss is the Playground's ill-conditioned bowl in disguise: same κ and tilt, minimum moved to the "
    "origin, heights scaled by λ_max. Gradient descent there with learning rate η·λ_max follows the same path, "
    "shifted by the least-squares weights."
    + ("" if raw_link.exact else " The bowl's κ stops at 1000, so the raw link shows a rounder bowl than this one.")
)
