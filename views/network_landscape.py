"""Real network: the loss landscape around trained weights (Li et al. 2018): random slices, the PCA plane, endpoints."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.network import geometry as charts
from core.i18n import translator
from ui.network import geometry_landscape as gl
from ui.network.geometry_common import links_row
from ui.page_form import PageForm

_ = translator("network_geometry")
# The scenario's link prefix, written out so tests/test_url_fuzz.py finds it (a page test checks it).
PAGE = "netland"

form = PageForm(gl.LandscapeScenario)
st.title(_("The loss landscape of a real network"))
st.markdown(
    _(
        "The digits network has thousands of weights, so its loss cannot be drawn whole. What can be drawn is the "
        "loss on a flat slice: a plane through the trained weights, spanned by two directions. Li et al. (2018) "
        "pick random directions and rescale each unit's share of a direction to the length of that unit's own "
        "weights, so that a step of 1 changes every unit by its own size (filter normalization). Bias entries of "
        "the directions are zero. Random directions miss the optimizer's path, though: for that the plane is "
        "spanned by the two principal directions of the path itself."
    )
)
st.latex(
    r"L(\alpha,\beta)=\mathcal{L}\big(w^\ast+\alpha\,d_1+\beta\,d_2\big),\qquad "
    r"d_{1,j}\leftarrow\frac{d_{1,j}}{\lVert d_{1,j}\rVert}\,\lVert w^\ast_j\rVert"
)

c1, c2, c3, c4 = st.columns(4)
form.widget("optimizer", c1)
form.widget("epochs", c2)
form.widget("radius", c3)
form.widget("direction_seed", c4)
form.widget("compare")
scenario = form.finish()

steps_total = 3 + (len(scenario.compare) >= 2) * (len(scenario.compare) + 1)
progress = st.progress(0.0, text=_("Training the network"))
run = gl.trained(scenario.optimizer, scenario.epochs)
progress.progress(1 / steps_total, text=_("Loss on the random slice (41 × 41 points)"))
rslice = gl.random_slice(scenario.optimizer, scenario.epochs, scenario.radius, scenario.direction_seed)
progress.progress(2 / steps_total, text=_("Principal directions of the path and the loss on their plane"))
pca, pslice = gl.pca_slice(scenario.optimizer, scenario.epochs)
compared = None
if len(scenario.compare) >= 2:
    for i, key in enumerate(scenario.compare):
        progress.progress((3 + i) / steps_total, text=_("Training {name}").format(name=gl.optimizer_name(key)))
        gl.trained(key, scenario.epochs)
    compared = gl.endpoints_slice(scenario.compare, scenario.epochs, scenario.direction_seed)
progress.empty()

if run.diverged:
    st.warning(_("This run diverged; the pictures show it up to its last finite weights."), icon=":material/warning:")
name = gl.optimizer_name(scenario.optimizer)
st.caption(
    _(
        "{name}, {epochs} epochs of minibatches of {batch} images: training loss {loss:.3g}, test accuracy {acc:.1%}."
    ).format(name=name, epochs=scenario.epochs, batch=gl.BATCH_SIZE, loss=float(run.train_loss[-1]), acc=run.test_acc)
)

st.subheader(_("Two random filter-normalized directions through the trained weights"))
axes = (_("α (direction 1)"), _("β (direction 2)"))
left, right = st.columns(2)
with left:
    fig = charts.with_centre(charts.slice_contour(rslice.a, rslice.b, rslice.z, titles=axes), _("trained weights"))
    st.plotly_chart(PrebuiltFigure(fig), width="stretch", key=f"{PAGE}.random")
with right:
    st.plotly_chart(
        PrebuiltFigure(charts.slice_surface(rslice.a, rslice.b, rslice.z, titles=axes)),
        width="stretch",
        key=f"{PAGE}.surface",
    )
st.caption(
    _(
        "Loss at the trained weights: {centre:.3g}; lowest on the slice: {low:.3g}; highest: {high:.3g}. A random "
        "slice shows how wide the basin is around the end point, not the way the optimizer came."
    ).format(centre=rslice.centre_loss, low=float(rslice.z.min()), high=float(rslice.z.max()))
)

st.subheader(_("The optimizer's path on the plane of its two principal directions"))
pca_axes = (
    _("1st direction: {share:.1%} of the squared distance to the end").format(share=pca.shares[0]),
    _("2nd direction: {share:.1%}").format(share=pca.shares[1]),
)
fig = charts.slice_contour(pslice.a, pslice.b, pslice.z, titles=pca_axes)
fig["data"] += charts.path_overlay(pca.coords, run.steps, label=name, colour=charts.line_colour(0))
fig = charts.with_centre(fig, _("end point"))
left, right = st.columns([3, 2])
left.plotly_chart(PrebuiltFigure(fig), width="stretch", key=f"{PAGE}.pca")
right.caption(
    _(
        "The snapshots' differences from the end point, projected onto their top two principal directions: together "
        "{both:.1%} of their squared distance to the end point (not of their variance: the differences are not "
        "centred, so the plane passes through the end point). The remaining {rest:.1%} lies off this plane, so "
        "the contours are the loss on the plane, not along the path itself."
    ).format(both=float(pca.shares.sum()), rest=pca.unexplained)
)

st.subheader(_("Several optimizers' endpoints on one slice"))
if compared is None:
    st.info(_("Pick two or three optimizers under “Compare endpoints of” to put their endpoints on one slice."))
else:
    plane, eslice = compared
    labels = [gl.optimizer_name(k) for k in scenario.compare]
    fig = charts.slice_contour(eslice.a, eslice.b, eslice.z, titles=(_("direction 1"), _("direction 2")))
    fig["data"] += charts.endpoints_overlay(plane.coords, labels)
    left, right = st.columns([3, 2])
    left.plotly_chart(PrebuiltFigure(fig), width="stretch", key=f"{PAGE}.endpoints")
    if plane.random_second:
        note = _("Two endpoints span a line; the second direction is a random filter-normalized one at right angles.")
    else:
        note = _("Three points always share a plane: this is the one through all three endpoints.")
    right.caption(
        note
        + " "
        + _("All runs start from the same weights. A wall of higher loss between two stars means two basins.")
    )

links_row(scenario, "./implicit-regularization", _("Open the 2D analogue: sharp and flat valleys"))
