"""Lesson: input scaling and normalization -- a narrow valley versus a round bowl."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from core.i18n import translator
from ui.lesson import lesson_header, playground_link
from ui.lessons.input_scaling import ScalingScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = ScalingScenario.PAGE
_ = translator("lessons_reg")

form = PageForm(ScalingScenario)
lesson_header(
    _("Input scaling and normalization"),
    _(
        "The same linear regression is fitted twice. On the left the second input is recorded in units that make "
        "its numbers s times larger than the first's; on the right both inputs are standardized to mean 0 and "
        "standard deviation 1 first. The loss bowl's curvature along each weight grows with the square of that "
        "input's size, so raw inputs of different scales make a long, narrow valley, and standardized ones a round "
        "bowl. Gradient descent's step has to be small enough for the steepest direction, so in the narrow valley "
        "it crawls along the flat one; in the round bowl one step size suits every direction. The condition number "
        "κ (largest over smallest curvature) measures the difference."
    ),
    r"f(w)=\frac{1}{2N}\sum_i (w\cdot x_i - y_i)^2,\quad H=\frac{X^\top X}{N},\quad "
    r"\kappa=\frac{\lambda_{\max}(H)}{\lambda_{\min}(H)},\quad "
    r"x_{ij}\mapsto\frac{x_{ij}-\bar x_j}{\sigma_j}\;\Rightarrow\;H=\begin{pmatrix}1&\rho\\ \rho&1\end{pmatrix},"
    r"\ \kappa=\frac{1+\rho}{1-\rho}",
)

c1, c2, c3 = st.columns(3)
form.widget("s", where=c1)
form.widget("rho", where=c1)
form.widget("r", where=c2)
form.widget("steps", where=c3)
scenario = form.finish()

with st.spinner(
    _("Running gradient descent for {steps} steps on the raw and the standardized inputs…").format(steps=scenario.steps)
):
    view = page_view(scenario)
raw, std = view.raw, view.standardized

live_map(f"{PAGE}.maps", view.surface, overlay=view.overlay, height=view.surface.layout["height"])

m1, m2, m3, m4 = st.columns(4)
m1.metric(_("κ, raw inputs"), f"{raw.kappa:.4g}")
m2.metric(
    _("κ, standardized inputs"),
    f"{std.kappa:.4g}",
    f"(1+ρ)/(1−ρ) = {view.standardized_kappa_formula:.4g}",
    "off",
    delta_arrow="off",
)
m3.metric(_("Loss gap after {steps} steps, raw").format(steps=scenario.steps), f"{raw.gap[-1]:.2g}")
m4.metric(_("Loss gap after {steps} steps, standardized").format(steps=scenario.steps), f"{std.gap[-1]:.2g}")
if scenario.r > 2:
    st.warning(
        _("With η·λ_max above 2 gradient descent overshoots more at every step and diverges."),
        icon=":material/warning:",
    )

st.subheader(_("Progress of gradient descent"))
st.plotly_chart(PrebuiltFigure(view.gap), width="stretch", key=f"{PAGE}.gap")

st.subheader(_("How batch normalization relates"))
st.markdown(
    _(
        "Batch normalization applies the same idea inside a network. Before a layer uses its inputs, it subtracts "
        "their mean and divides by their standard deviation, both measured on the current minibatch, and then lets "
        "the network stretch and shift the result with two learned numbers, γ and β. The weights of that layer "
        "therefore see inputs of similar size, which keeps their part of the loss surface closer to the round bowl "
        "on the right than to the valley on the left, so one learning rate suits all of them and larger rates become "
        "usable. The picture is only an analogy: the statistics change from batch to batch and as earlier layers "
        "learn, and, as the correlation slider shows, rescaling each input on its own does nothing about inputs "
        "that move together."
    )
)

raw_link, std_link = view.raw_link, view.standardized_link
b1, b2 = st.columns(2)
with b1:
    playground_link(raw_link.scenario, _("Open the raw problem in Playground"))
with b2:
    playground_link(std_link.scenario, _("Open the standardized problem in Playground"))
st.caption(
    _(
        "A quadratic loss is the Playground's ill-conditioned bowl in disguise: same κ and tilt, minimum moved to the "
        "origin, heights scaled by λ_max. Gradient descent there with learning rate η·λ_max follows the same path, "
        "shifted by the least-squares weights."
    )
    + (
        ""
        if raw_link.exact
        else " " + _("The bowl's κ stops at 1000, so the raw link shows a rounder bowl than this one.")
    )
)
