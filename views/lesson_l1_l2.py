"""Lesson: L1 and L2 penalties seen as a diamond and a circle on a two-weight loss map."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from core.i18n import translator
from engine.lessons.regularization import LANDSCAPE_KEY, PATH_ALPHAS, playground_scenario
from landscapes import get as get_landscape
from ui.lesson import lesson_header, playground_link
from ui.lessons.l1_l2 import PenaltyScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = PenaltyScenario.PAGE
_ = translator("lessons_reg")

form = PageForm(PenaltyScenario)
lesson_header(
    _("L1 and L2 penalties: a diamond and a circle"),
    _(
        "Adding a penalty to the loss is the same as fencing the weights into a region around the origin and "
        "taking the lowest loss inside the fence: every penalty weight α matches one fence size s. For the L1 "
        "penalty the fence is a diamond with its corners on the axes; for the squared L2 penalty it is a circle. "
        "The answer sits where the loss contours, spreading out from the unpenalized minimum, first touch the "
        "fence. A diamond tends to be touched at a corner, where one weight is exactly zero, so L1 gives sparse "
        "weights; a circle has no corners, so L2 pulls both weights in gently and leaves neither at zero. The "
        "loss here is the training error of a two-weight linear model on 16 examples whose inputs are strongly "
        "correlated."
    ),
    r"\min_w f(w) + \alpha\lVert w\rVert_1 \;\Leftrightarrow\; \min_{|w_1|+|w_2|\le s} f(w)"
    r"\qquad\qquad"
    r"\min_w f(w) + \alpha\lVert w\rVert_2^2 \;\Leftrightarrow\; \min_{w_1^2+w_2^2\le s} f(w)",
)

form.widget("alpha")
scenario = form.finish()
alpha = scenario.alpha
values = get_landscape(LANDSCAPE_KEY).resolve()
with st.spinner(_("Solving the L1 and the L2 problem for {n} values of α…").format(n=len(PATH_ALPHAS) + 1)):
    view = page_view(scenario)
l1, l2 = view.l1, view.l2

live_map(f"{PAGE}.maps", view.surface, overlay=view.overlay, height=view.surface.layout["height"])
left, right = st.columns(2)
with left:
    st.markdown(
        _("**L1 optimum** w = ({w1}, {w2}), fence s = |w₁| + |w₂| = {s}").format(
            w1=f"{l1.optimum[0]:.4g}", w2=f"{l1.optimum[1]:.4g}", s=f"{l1.budget:.4g}"
        )
    )
with right:
    st.markdown(
        _("**L2 optimum** w = ({w1}, {w2}), fence s = w₁² + w₂² = {s}").format(
            w1=f"{l2.optimum[0]:.4g}", w2=f"{l2.optimum[1]:.4g}", s=f"{l2.budget:.4g}"
        )
    )

zeros = [f"w{'₁₂'[j]}" for j in range(2) if l1.optimum[j] == 0.0]
onset = view.zero_onset
if zeros:
    st.success(
        _("At α = {alpha} the L1 optimum has {weights} exactly equal to 0.").format(
            alpha=f"{alpha:g}",
            weights=zeros[0] if len(zeros) == 1 else _("{first} and {second}").format(first=zeros[0], second=zeros[1]),
        ),
        icon=":material/content_cut:",
    )
else:
    st.info(
        _("At α = {alpha} neither L1 weight is zero yet: raise α.").format(alpha=f"{alpha:g}"), icon=":material/info:"
    )
if onset is not None:
    st.markdown(
        _(
            "Along the L1 path, {weight} first becomes exactly 0 at α ≈ {alpha} (first grid value) and "
            "stays there. The L2 weights only approach 0 as α grows: a weight can pass through 0 while changing sign "
            "(w₂ does here, at a small α), but no L2 weight stays at 0 over a range of α."
        ).format(weight=f"w{'₁₂'[onset[1]]}", alpha=f"{onset[0]:.2g}")
    )
st.caption(
    _(
        "Both problems are solved by proximal gradient descent (a gradient step, then soft-thresholding for L1 or a "
        "uniform shrink for L2), for {n} values of α at once. Optimality check (0 means optimal): L1 subgradient "
        "condition {l1}, L2 gradient condition {l2}. The dotted white line is the loss contour "
        "through each optimum: it touches the fence there without crossing it."
    ).format(n=len(l1.path_alphas) + 1, l1=f"{l1.kkt:.1e}", l2=f"{l2.kkt:.1e}")
)

st.subheader(_("The weights as α grows"))
st.plotly_chart(PrebuiltFigure(view.paths), width="stretch", key=f"{PAGE}.paths")

playground_link(playground_scenario(alpha, values, translate=_))
st.caption(
    _(
        "The Playground has no L1 option. The link opens the L2 case: full-batch gradient descent with and without "
        "weight decay λ = 2α (L2 mode adds λw to the gradient, which is the gradient of (λ/2)‖w‖²), capped at λ = 1."
    )
)
