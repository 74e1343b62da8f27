"""Real network: how the starting weights decide what training can do (symmetry, scale)."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from core.i18n import translator
from ui.lesson import lesson_header, page_url, playground_link
from ui.network.initialization import InitScenario, experiment, lr_text, scales_view, symmetry_view
from ui.page_form import PageForm

_ = translator("network_training")
PAGE = InitScenario.PAGE

form = PageForm(InitScenario)
lesson_header(
    _("Initialization"),
    _(
        "Before the first step every weight needs a value, and that choice matters. If all hidden units start "
        "alike, they receive the same gradient, take the same step and stay alike forever: the layer acts as a "
        "single unit, however wide it is. Random starts break the tie. Their size matters too: weights that are "
        "much too small pass almost no signal forward and almost no gradient back, and weights that are much too "
        "large saturate tanh, whose slope is then nearly zero. Xavier (Glorot) initialization draws each weight "
        "with a variance set by the layer's fan-in and fan-out so that signals keep about the same size from "
        "layer to layer."
    ),
    r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_{\text{in}} + n_{\text{out}}}\right)",
)

c1, c2, c3 = st.columns(3)
form.widget("opt", where=c1)
c1.caption(_("Newton's method is not offered: it needs the Hessian, a matrix with a row and a column per weight."))
form.widget("lr_scale", where=c1)
form.widget("width", where=c2)
form.widget("batch", where=c2)
form.widget("epochs", where=c3)
s1, s2 = c3.columns(2)
form.widget("init_seed", where=s1)
form.widget("shuffle_seed", where=s2)
b1, b2 = c2.columns(2)
form.widget("small", where=b1)
form.widget("large", where=b2)
scenario = form.finish()

bar = st.progress(0.0, text=_("Training from four starts: symmetric, Xavier, too small and too large…"))
data = experiment(scenario)
bar.empty()
sym = symmetry_view(data, scenario)
view = scales_view(data, scenario)

st.header(_("Symmetric start: identical units stay identical"))

left, right = st.columns(2)
with left:
    st.subheader(_("Difference between hidden units"))
    st.plotly_chart(PrebuiltFigure(sym.spread), width="stretch", key=f"{PAGE}.spread")
with right:
    st.subheader(_("Accuracy"))
    st.plotly_chart(PrebuiltFigure(sym.accuracy), width="stretch", key=f"{PAGE}.sym_accuracy")
largest = float(data.spread_symmetric.max())
points = len(data.spread_symmetric)
if largest == 0.0:
    st.success(
        _(
            "Symmetric start: at all {points} measured points, up to step {steps}, every hidden unit's weights, bias "
            "and outgoing weights are bit for bit the same as unit 0's. The difference is exactly 0."
        ).format(points=points, steps=int(data.symmetric.steps[-1])),
        icon=":material/drag_handle:",
    )
else:
    st.warning(
        _("The hidden units drifted apart by {largest:.3g}: rounding broke the symmetry.").format(largest=largest),
        icon=":material/warning:",
    )
w1, w2 = st.columns(2)
w1.plotly_chart(PrebuiltFigure(sym.weights_symmetric), width="stretch", key=f"{PAGE}.w_sym")
w2.plotly_chart(PrebuiltFigure(sym.weights_xavier), width="stretch", key=f"{PAGE}.w_xavier")
st.caption(
    _(
        "Each row is one hidden unit's incoming weights, one column per pixel. From the symmetric start all rows "
        "are the same picture; from a random start each unit has learned its own."
    )
)
l1, l2 = st.columns(2)
with l1:
    playground_link(sym.playground, _("Open the 2D analogue: a start exactly on a saddle's ridge"))
with l2:
    st.link_button(_("The saddles lesson"), page_url("./saddles-and-minima"), icon=":material/landscape:")
st.caption(
    _(
        "On the saddle x² − c y² + y⁴/4, a start with y = 0 exactly never gets a push along y and slides into "
        "the saddle point; a start a hair off the line escapes. Symmetric weights are such a line in weight space."
    )
)

st.header(_("Scale: too small, Xavier, too large"))

left, right = st.columns(2)
with left:
    st.subheader(_("Training and test loss"))
    st.plotly_chart(PrebuiltFigure(view.loss), width="stretch", key=f"{PAGE}.loss")
with right:
    st.subheader(_("Accuracy"))
    st.plotly_chart(PrebuiltFigure(view.accuracy), width="stretch", key=f"{PAGE}.accuracy")
st.subheader(_("Gradient norm of each layer"))
st.plotly_chart(PrebuiltFigure(view.gradients), width="stretch", key=f"{PAGE}.gradients")
st.caption(
    _(
        "Layer 1 takes the pixels to the hidden units, layer 2 the hidden units to the ten class scores. Measured "
        "on all training images with {optimizer} at learning rate {lr}."
    ).format(optimizer=scenario.run().spec.name_text(), lr=lr_text(scenario))
)
for result in view.results:
    if result.diverged:
        st.warning(
            _("{run} diverged at step {step}.").format(run=result.label, step=result.diverged_at),
            icon=":material/warning:",
        )
