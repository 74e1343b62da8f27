"""Real network: sharpness against step, full-batch GD and minibatch SGD, with the 2/η line (Cohen et al. 2021)."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.network import geometry as charts
from core.i18n import translator
from engine.network import sharpness as sh
from engine.network.hessian import LANCZOS_STEPS
from ui.network import geometry_sharpness as gs
from ui.network.geometry_common import links_row
from ui.page_form import PageForm

_ = translator("network_geometry")
# The scenario's link prefix, written out so tests/test_url_fuzz.py finds it (a page test checks it).
PAGE = "netsharp"

form = PageForm(gs.SharpnessScenario)
st.title(_("Sharpness and the edge of stability"))
st.markdown(
    _(
        "On a quadratic bowl, gradient descent with step η converges only while every curvature is below 2/η. A "
        "network's curvature changes as it trains. Cohen et al. (2021) found that full-batch gradient descent "
        "first sharpens (the largest curvature rises) until it reaches about 2/η, then stays at that edge while the "
        "loss keeps falling, unevenly. The curvature here is the top eigenvalue of the Hessian of the whole "
        "training loss, found by {k} steps of the Lanczos method from Hessian-vector products."
    ).format(k=LANCZOS_STEPS)
)
st.latex(r"\lambda_{\max}\big(\nabla^2 \mathcal{L}(w_t)\big)\ \text{vs.}\ \frac{2}{\eta}")

c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
form.widget("lrs", c1)
form.widget("steps", c2)
form.widget("sgd", c3)
form.widget("batch_size", c4)
scenario = form.finish()

lrs = sorted(scenario.lrs)
if not lrs:
    st.info(_("Pick at least one learning rate."))
    st.stop()
todo = [(lr, None) for lr in lrs] + ([(lr, scenario.batch_size) for lr in lrs] if scenario.sgd else [])
progress = st.progress(0.0)
runs = []
for i, (lr, batch) in enumerate(todo):
    what = _("full-batch GD") if batch is None else _("SGD, batch {b}").format(b=batch)
    progress.progress(
        i / len(todo),
        text=_("η = {lr:g}, {what}: training and {n} eigenvalues").format(lr=lr, what=what, n=sh.EVALS + 1),
    )
    runs.append(gs.runs(lr, scenario.steps, batch))
progress.empty()


def label(r: sh.SharpnessRun) -> str:
    """A run's legend name."""
    if r.full_batch:
        return _("GD, η = {lr:g}").format(lr=r.lr)
    return _("SGD (B = {b}), η = {lr:g}").format(b=r.batch_size, lr=r.lr)


colour = {lr: i for i, lr in enumerate(lrs)}
series = [
    (label(r), r.result.steps[: len(r.sharpness)], r.sharpness, r.limit, r.full_batch, colour[r.lr]) for r in runs
]
st.plotly_chart(PrebuiltFigure(charts.sharpness_figure(series)), width="stretch", key=f"{PAGE}.sharpness")
st.caption(
    _(
        "Solid: full-batch gradient descent; dashed: minibatch SGD at the same η; dotted: 2/η in the same colour. "
        "A {layers} tanh network started at half the Glorot scale, so it starts flat and the sharpening shows."
    ).format(layers="-".join(map(str, sh.MODEL.sizes)))
)

st.subheader(_("What the runs did"))
for r in runs:
    peak = float(r.sharpness.max(initial=0.0))
    hover = r.hover_share()
    if r.result.diverged:
        text = _("{label}: diverged at step {step}.").format(label=label(r), step=r.result.diverged_at)
    elif peak < 0.8 * r.limit:
        text = _(
            "{label}: the sharpness peaked at {peak:.3g}, well below 2/η = {limit:.3g}: the edge was never reached."
        )
    elif hover >= 0.5:
        text = _(
            "{label}: the sharpness reached 2/η = {limit:.3g} (peak {peak:.3g}) and {share:.0%} of the second half "
            "of the run stayed within 20% of it: the edge of stability."
        )
    else:
        text = _(
            "{label}: the sharpness reached {peak:.3g} against 2/η = {limit:.3g}, then moved away from the line "
            "({share:.0%} of the second half within 20% of it)."
        )
    st.markdown("- " + text.format(label=label(r), peak=peak, limit=r.limit, share=hover))

st.subheader(_("Training loss"))
losses = [
    (label(r), r.result.steps[: r.result.valid], r.result.train_loss[: r.result.valid], r.full_batch, colour[r.lr])
    for r in runs
]
st.plotly_chart(PrebuiltFigure(charts.loss_figure(losses)), width="stretch", key=f"{PAGE}.loss")
st.caption(
    _(
        "With cross-entropy the curvature shrinks late in training, as the network grows confident, so the "
        "sharpness leaves the line from below after a while; Cohen et al. see the same with this loss."
    )
)

links_row(scenario, "./ill-conditioning", _("Open the 2D analogue: the bowl and its 2/λ step limit"))
