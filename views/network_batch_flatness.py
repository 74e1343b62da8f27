"""Real network: do small batches find flatter minima? Sharpness, flatness and accuracy per batch size, with seeds."""

from __future__ import annotations

import numpy as np
import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.network import geometry as charts
from core.i18n import translator
from engine.network import batch_study as bs
from ui.network import geometry_batch as gb
from ui.network.geometry_common import links_row
from ui.network.training import batch_text
from ui.page_form import PageForm

_ = translator("network_geometry")
# The scenario's link prefix, written out so tests/test_url_fuzz.py finds it (a page test checks it).
PAGE = "netbatch"

form = PageForm(gb.BatchScenario)
st.title(_("Batch size and flat minima"))
st.markdown(
    _(
        "A common claim (Keskar et al., 2017): training with small batches ends in flatter minima than training "
        "with large ones, and flatter minima generalize better. This page measures it on the digits network. For "
        "each batch size and learning rate, several seeds (each changes the initial weights and the order of the "
        "images) train plain SGD for the same number of steps; at each end point it measures the top Hessian "
        "eigenvalue, the mean rise of the training loss at filter-normalized distance {r} along {k} random "
        "directions (both signs), and the accuracies. The verdict below is computed from these numbers."
    ).format(r=f"{bs.RADIUS:g}", k=bs.DIRECTIONS)
)

c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
form.widget("batches", c1)
form.widget("lrs", c2)
form.widget("seeds", c3)
form.widget("steps", c4)
scenario = form.finish()

batches, lrs = sorted(scenario.batches), sorted(scenario.lrs)
if len(batches) < 2 or not lrs:
    st.info(_("Pick at least two batch sizes and one learning rate."))
    st.stop()
todo = [(b, lr) for lr in lrs for b in batches]
progress = st.progress(0.0)
cells = []
for i, (b, lr) in enumerate(todo):
    progress.progress(i / len(todo), text=_("η = {lr:g}, batch {b}: {n} seeds").format(lr=lr, b=b, n=scenario.seeds))
    cells.append(gb.cell(b, lr, scenario.seeds, scenario.steps))
progress.empty()

found = bs.verdicts(cells)
outcome = bs.overall(found)
# Not st.warning: that is the page's one notice about its link.
box = {bs.SUPPORTS: st.success, bs.CONTRADICTS: st.error, bs.UNCLEAR: st.info}[outcome]
box("**" + _("Verdict") + ".** " + bs.overall_sentence(outcome), icon=":material/fact_check:")
for v in found:
    st.markdown("- " + bs.verdict_sentence(v))
accuracy = bs.accuracy_sentences(cells)
if accuracy:
    st.markdown("**" + _("And generalization?") + "** " + " ".join(accuracy))

titles = (
    _("sharpness λ_max (lower = flatter)"),
    _("loss rise at radius {r} (lower = flatter)").format(r=f"{bs.RADIUS:g}"),
    _("test accuracy"),
)
series = []
for lr in lrs:
    row = [c for c in cells if c.lr == lr]
    series.append((f"η = {lr:g}", [[c.sharpness for c in row], [c.flatness for c in row], [c.test_acc for c in row]]))
st.plotly_chart(PrebuiltFigure(charts.study_figure(batches, series, titles)), width="stretch", key=f"{PAGE}.study")
st.caption(_("Lines: mean over seeds, bars: ± one standard deviation; open circles: single seeds."))

st.subheader(_("The numbers"))
rows = []
for c in cells:
    for name, values, fmt in (
        (_("sharpness"), c.sharpness, "{:.3g}"),
        (_("loss rise"), c.flatness, "{:.3g}"),
        (_("train accuracy"), c.train_acc, "{:.1%}"),
        (_("test accuracy"), c.test_acc, "{:.1%}"),
    ):
        mean, sd = bs.Cell.mean_sd(values)
        rows.append(
            {
                _("batch"): batch_text(c.batch_size),
                "η": f"{c.lr:g}",
                _("measure"): name,
                _("mean ± sd"): (fmt.format(mean) + " ± " + fmt.format(sd)) if np.isfinite(mean) else "–",
                _("diverged seeds"): c.diverged,
            }
        )
st.dataframe(rows, hide_index=True, width="stretch")
st.info(
    _(
        "What this shows, and what it does not: one small network, one data set, plain SGD, a fixed number of "
        "steps (so smaller batches have seen fewer images), a handful of seeds. Sharpness and the loss rise along "
        "random directions are two different notions of flatness, and they need not agree; neither is invariant "
        "to rescaling the weights (Dinh et al., 2017)."
    ),
    icon=":material/info:",
)

links_row(scenario, "./implicit-regularization", _("Open the 2D analogue: why small batches leave sharp valleys"))
