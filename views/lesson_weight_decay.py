"""Lesson: weight decay inside the gradient (L2) versus decoupled from it, for SGD and for Adam."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.weight_decay import MAP_HEIGHT
from core.i18n import translator
from engine.lessons.weight_decay import FLOAT32_EPS, SGD_TOLERANCE_ULPS
from ui.lesson import lesson_header, playground_link
from ui.lessons.weight_decay import WeightDecayScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = WeightDecayScenario.PAGE
_ = translator("lessons_reg")

form = PageForm(WeightDecayScenario)
lesson_header(
    _("Weight decay versus L2: the same for SGD, not for Adam"),
    _(
        "Weight decay pulls every weight a little towards zero at each step. It can be written in two places: "
        "added to the gradient before the optimizer sees it (L2 mode, what `weight_decay` means in PyTorch's SGD "
        "and Adam), or subtracted from the weights after the optimizer has stepped (decoupled, as in AdamW). For "
        "plain SGD the two are the same sum written in a different order, so the paths lie on top of each other, "
        "apart from floating-point rounding. For Adam they are different algorithms, and the paths part company. "
        "Convention used throughout: weight decay λ in L2 mode adds λw to the gradient, the gradient of "
        "(λ/2)‖w‖², so SGD with weight decay λ is SGD on f(w) + (λ/2)‖w‖², an L2 penalty α‖w‖² with α = λ/2."
    ),
    r"\underbrace{w - \eta\,(\nabla f + \lambda w)}_{\text{SGD + L2}} = "
    r"\underbrace{w - \eta\nabla f - \eta\lambda w}_{\text{" + _("SGD + decoupled") + "}}"
    r"\qquad"
    r"\underbrace{w - \eta\,\frac{\hat m(\nabla f + \lambda w)}{\sqrt{\hat v(\nabla f + \lambda w)}+\epsilon}}"
    r"_{\text{Adam + L2}} \ne "
    r"\underbrace{w - \eta\,\frac{\hat m(\nabla f)}{\sqrt{\hat v(\nabla f)}+\epsilon} - \eta\lambda w}_{\text{AdamW}}",
)

c1, c2, c3, c4 = st.columns(4)
form.widget("decay", where=c1)
form.widget("sgd_lr", where=c2)
form.widget("adam_lr", where=c3)
form.widget("steps", where=c4)
scenario = form.finish()
steps = scenario.steps

with st.spinner(
    _("Running SGD and Adam, each with L2 and with decoupled weight decay, for {steps} steps…").format(steps=steps)
):
    view = page_view(scenario)
runs, end_gaps = view.runs, view.end_gaps

left, right = st.columns(2)
with left:
    st.subheader(_("Four paths, one weight decay"))
    live_map(f"{PAGE}.map", view.surface, overlay=view.paths, height=MAP_HEIGHT)
with right:
    st.subheader(_("Distance within each pair"))
    st.plotly_chart(PrebuiltFigure(view.distance), width="stretch", key=f"{PAGE}.distance")

sgd_gap, adam_gap = view.sgd_gap, view.adam_gap
m1, m2, m3 = st.columns(3)
m1.metric(_("SGD pair: largest distance"), _("0 (bit-identical)") if sgd_gap == 0 else f"{sgd_gap:.2g}")
m2.metric(_("Adam pair: largest distance"), f"{adam_gap:.3g}")
m3.metric(_("SGD + L2 end point to the minimum of f + (λ/2)‖w‖²"), f"{end_gaps[0]:.2g}")
if any(r.diverged_at is not None for r in runs):
    st.warning(
        _(
            "Some runs diverged (their learning rate is too large for this surface): their paths stop where they "
            "left the map. "
        )
        + ", ".join(
            _("{run} at step {step}").format(run=_(r.label), step=r.diverged_at)
            for r in runs
            if r.diverged_at is not None
        ),
        icon=":material/warning:",
    )
verdict = _("the SGD pair is within it.") if view.sgd_within_tolerance else _("the SGD pair is OUTSIDE it.")
st.caption(
    _(
        "Machine precision here means at most {ulps} float32 rounding steps of the largest coordinate "
        "(ε = {eps}, tolerance {tolerance}); {verdict} The two SGD modes compute "
        "η(∇f + λw) and η∇f + ηλw, which can round differently in the last bit."
    ).format(ulps=SGD_TOLERANCE_ULPS, eps=f"{FLOAT32_EPS:.2g}", tolerance=f"{view.tolerance:.2g}", verdict=verdict)
)

st.markdown(
    _(
        "**Why they differ for Adam.** In Adam + L2 the decay term λw is mixed into the moving averages and then "
        "divided by √v̂, so a weight whose gradients have been large is decayed less than one whose gradients have "
        "been small. AdamW applies the decay outside the adaptive step, so every weight shrinks by the same fraction "
        "ηλ per step, whatever its gradient history."
    )
)
st.markdown(
    _(
        "After {steps} steps Adam + L2 ends {adam} from the minimum of f + (λ/2)‖w‖² (it can only come to "
        "rest where ∇f + λw = 0, the same point as SGD, but it takes another route), while AdamW ends "
        "{adamw} from it: decoupled decay inside Adam does not minimize that loss."
    ).format(steps=steps, adam=f"{end_gaps[2]:.2g}", adamw=f"{end_gaps[3]:.2g}")
)

playground_link(view.playground)
