"""Lesson: ill-conditioning on a rotatable quadratic bowl (stability limit, zig-zag, rates)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.conditioning import MAP_HEIGHT, MAP_STEPS
from core.i18n import translator
from engine.lessons.conditioning import FLOOR, NEAR_LIMIT, STEPS
from ui.lesson import lesson_header, playground_link
from ui.lessons.conditioning import ConditioningScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = ConditioningScenario.PAGE
_ = translator("lessons_hard")

form = PageForm(ConditioningScenario)
lesson_header(
    _("Ill-conditioning: steep across, flat along"),
    _(
        "This bowl curves much more sharply across its valley than along it; the ratio of the two curvatures "
        "is the condition number κ. Gradient descent multiplies the error along each curvature direction by "
        "1 − ηλ per step, so the steep direction alone decides how large the learning rate may be: past "
        "η = 2/λ_max that factor is bigger than 1 in size and the run blows up. Any learning rate that is safe "
        "for the steep direction is tiny for the flat one, so the path bounces from wall to wall while creeping "
        "along the valley floor. Heavy-ball momentum lets the bounces cancel and cuts the number of steps from "
        "about κ to about √κ. RMSprop and Adam rescale each coordinate separately, which removes the problem "
        "when the valley lines up with the axes but not when it is rotated."
    ),
    r"\begin{gathered}"
    r"x_{t+1}-x^\ast=(I-\eta H)\,(x_t-x^\ast),\qquad \text{stable iff } \eta<\frac{2}{\lambda_{\max}}\\"
    r"r_{\mathrm{GD}}=\max_i\,|1-\eta\lambda_i|\;\ge\;\frac{\kappa-1}{\kappa+1},\qquad "
    r"r_{\mathrm{HB}}=\frac{\sqrt\kappa-1}{\sqrt\kappa+1}"
    r"\end{gathered}",
)

c1, c2, c3 = st.columns(3)
form.widget("kappa", where=c1)
form.widget("angle", where=c2)
form.widget("lr", where=c3)
scenario = form.finish()

with st.spinner(_("Running gradient descent, heavy ball, RMSprop and Adam…")):
    view = page_view(scenario)

result = view.study
curv = result.curvature
gd_lr, gd_best = view.gd_optimal
hb_lr, hb_beta, hb_rate = view.heavy_ball_optimal
st.markdown(
    _(
        "Hessian eigenvalues (from `numpy.linalg.eigh`): λ_max = {lam_max}, λ_min = {lam_min}, "
        "κ = {kappa}. **Stability limit** 2/λ_max = {limit}. "
    ).format(
        lam_max=f"{curv.lam_max:.4g}",
        lam_min=f"{curv.lam_min:.4g}",
        kappa=f"{curv.kappa:.4g}",
        limit=f"{result.limit:.4g}",
    )
    + view.stability
)

left, right = st.columns([1, 1])
with left:
    live_map(f"{PAGE}.map", view.surface, overlay=view.paths, height=MAP_HEIGHT)
    st.caption(
        _(
            "Dashed lines: the Hessian's eigen-directions through the minimum. Paths show the first "
            "{steps} steps; click the legend to add GD just below and just above the limit "
            "({below}× and {above}× of 2/λ_max)."
        ).format(steps=MAP_STEPS, below=f"{NEAR_LIMIT[0]:g}", above=f"{NEAR_LIMIT[1]:g}")
    )
with right:
    st.plotly_chart(PrebuiltFigure(view.distance), width="stretch", key=f"{PAGE}.distance")
    st.caption(
        _(
            "Distance to the minimum on a log axis: a straight line is a constant rate per step. Dotted grey: "
            "the theoretical rate, drawn over the window the measured rate was fitted on."
        )
    )


st.subheader(_("Convergence rate: theory beside measurement"))
st.dataframe(pd.DataFrame(view.rate_rows), hide_index=True, width="stretch")
st.markdown(
    _(
        "Optimal GD: η* = 2/(λ_max + λ_min) = {gd_lr}, rate (κ−1)/(κ+1) = {gd_rate}. "
        "Optimal heavy ball: η* = 4/(√λ_max + √λ_min)² = {hb_lr}, β* = ((√κ−1)/(√κ+1))² = {hb_beta}, "
        "rate (√κ−1)/(√κ+1) = {hb_rate}."
    ).format(
        gd_lr=f"{gd_lr:.4g}",
        gd_rate=f"{gd_best:.4g}",
        hb_lr=f"{hb_lr:.4g}",
        hb_beta=f"{hb_beta:.4g}",
        hb_rate=f"{hb_rate:.4g}",
    )
)
st.caption(
    _(
        "Measured rate: a least-squares fit of log ‖x_t‖ against t over the second half of the run (distances "
        "below {floor}, near the end of float32's range, are left out). At its optimal (η*, β*) heavy "
        "ball's two roots per direction coincide, so its error behaves like t·rᵗ and the fit includes the "
        "factor t. The engine's momentum (v ← βv + g, x ← x − ηv) is Polyak's heavy ball "
        "x ← x − η∇f + β(x − x_prev) rewritten, so Polyak's optimal values apply unchanged."
    ).format(floor=f"{FLOOR:g}")
)

st.subheader(_("Per-coordinate scaling: axis-aligned against rotated"))
st.dataframe(pd.DataFrame(view.arrival_rows), hide_index=True, width="stretch")
st.caption(
    _(
        "Each run starts at the same place relative to the valley (rotated with it), {steps} steps at most. "
        "GD and heavy ball only see the geometry, so both columns match; RMSprop and Adam divide each coordinate "
        "by its own gradient scale, which straightens an axis-aligned valley but cannot straighten a rotated one: "
        "at θ = 45° both coordinates have the same scale, and the valley stays as lopsided as it was."
    ).format(steps=STEPS)
)

playground_link(view.playground)
