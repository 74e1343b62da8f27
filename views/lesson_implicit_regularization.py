"""Lesson: the implicit regularization of SGD (flat-minimum share against batch size and lr; modified loss)."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from core.i18n import translator
from ui.lesson import lesson_header, playground_link
from ui.lessons.implicit import ImplicitScenario, N, page_view, plan_view, runs_at
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = ImplicitScenario.PAGE
_ = translator("lessons_hard")

form = PageForm(ImplicitScenario)
lesson_header(
    _("Implicit regularization: small batches prefer flat minima"),
    _(
        "This surface has two valleys of almost the same depth: a narrow, steep one and a wide, gentle one (the "
        "narrow one is even a little deeper, so depth gives no reason to leave it). Every run starts on the narrow "
        "valley's slope. Plain gradient descent follows the full gradient down into it and stays. Minibatch SGD "
        "sees a slightly different surface at every step, and in a steep valley those small differences become "
        "large kicks; with small batches and large steps the runs get thrown out and settle in the wide valley. "
        "The chart counts where the runs end for each batch size and learning rate. The map shows the surface that "
        "gradient descent with step η follows to first order: the loss plus a penalty on the squared gradient, "
        "which is largest on steep walls."
    ),
    r"\tilde f(x)=f(x)+\frac{\eta}{4}\,\lVert\nabla f(x)\rVert^2,\qquad"
    r"\nabla^2\tilde f(x^\ast)=H+\frac{\eta}{2}H^2\ \text{ at a minimum } x^\ast",
)
st.caption(
    _(
        "Barrett & Dherin (2021), “Implicit Gradient Regularization”: the path of gradient descent with step η stays "
        "closer to the gradient flow of f̃ than to that of f, with an error of order η²."
    )
)

c1, c2 = st.columns([3, 2])
form.widget("lrs", c1)
form.widget("map_lr", c2)
c3, c4, c5 = st.columns(3)
form.widget("steps", c3)
form.widget("seeds", c4)
form.widget("start", c5)
scenario = form.finish()
map_lr = scenario.map_lr

plan = plan_view(scenario)
if plan.notice:
    st.info(plan.notice, icon=":material/speed:")
seeds, steps, todo = plan.seeds, plan.steps, plan.todo
with st.spinner(
    _("Training {runs} SGD runs of {steps} steps at each of {count} learning rates…").format(
        runs=f"{plan.runs_per_lr:,}", steps=steps, count=len(todo)
    )
):
    progress = st.progress(0.0)
    for i, lr in enumerate(todo):
        progress.progress(
            i / len(todo),
            text=_("η = {lr}: {runs} runs ({i} of {count})").format(
                lr=f"{lr:g}", runs=f"{plan.runs_per_lr:,}", i=i + 1, count=len(todo)
            ),
        )
        runs_at(plan, lr)
    progress.progress(1.0, text=_("Drawing the modified loss for η = {lr}").format(lr=f"{map_lr:g}"))
    view = page_view(scenario)
    progress.empty()

left, right = st.columns([3, 2])
with left:
    st.subheader(_("Where the runs end"))
    if view.share_figure is not None:
        st.plotly_chart(PrebuiltFigure(view.share_figure), width="stretch", key=f"{PAGE}.shares")
        st.caption(
            _(
                "{seeds} seeds per batch size, {steps} steps of SGD from {start}; bars are "
                "Wilson 95% intervals. A run ends in the flat valley when its end point lies nearer the flat minimum "
                "than the sharp one, with distance measured by each valley's own steepness (a point must be very "
                "close to the sharp minimum to count as inside its narrow valley). At B = {n} every seed sees the "
                "full batch and makes the same run, so that point is one run, with no interval."
            ).format(seeds=seeds, steps=steps, start=scenario.start, n=N)
        )
    else:
        st.info(_("Pick at least one learning rate to run."))
with right:
    if view.claim_text is not None and view.agreement_text is not None:
        st.markdown(view.claim_text)
        st.markdown(_("**What the runs do.**") + " " + view.agreement_text)

st.subheader(_("What gradient descent with η = {lr} follows").format(lr=f"{map_lr:g}"))
live_map(f"{PAGE}.map", view.surface, overlay=view.overlay, height=view.surface.layout["height"])
st.caption(
    _(
        "Colours: the modified loss f̃ (log scale). Dotted lines: the plain loss f at the same levels. Where the "
        "dotted lines sit farther from a minimum than the coloured bands, the penalty has steepened the valley, as "
        "the close-up of the sharp valley shows. Lines: runs with this η from the same start, named in the legend: "
        "at the batch size whose share is closest to one half, one run that ends in the flat valley and one that "
        "does not (where both happen), and the full-batch run (B = {n}); dots mark where they end."
    ).format(n=N)
)
st.markdown(_("**What the modified loss predicts.**") + " " + view.prediction_text)

st.info(
    _(
        "**What this shows, and what it does not.** It shows, on one two-dimensional toy surface built for the "
        "purpose, that small batches and large steps make SGD leave a narrow valley for a wide one of about the same "
        "depth, while full-batch gradient descent from the same start stays put. It does not prove that this "
        "happens in real networks with millions of parameters. The drawn modified loss is a first-order result for "
        "full-batch gradient descent with a small step; it says nothing exact about large steps, and the extra term "
        "that minibatch noise adds for SGD (Smith et al. 2021) is not drawn. Nothing here is about generalization: "
        "there is no test set, so the claim that flat minima generalize better is neither shown nor tested."
    ),
    icon=":material/info:",
)

if view.link is not None and view.link_label is not None:
    playground_link(view.link, label=view.link_label)
