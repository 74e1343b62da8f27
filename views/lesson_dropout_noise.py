"""Lesson: dropout and Gaussian input noise, and the penalty they add on average."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import translator
from engine.lessons import noise_injection as ni
from ui.lesson import lesson_header, playground_link
from ui.lessons.dropout_noise import SEEDS, NoiseScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = NoiseScenario.PAGE
_ = translator("lessons_reg")

form = PageForm(NoiseScenario)
lesson_header(
    _("Dropout and noise injection"),
    _(
        "Dropout switches each input off at random while training (with probability p) and scales the survivors "
        "up by 1/(1−p), so the inputs are unchanged on average; Gaussian noise instead jitters every input by a "
        "random amount of size σ. Either way every step sees a slightly different loss, and the weights wander "
        "(the thin white paths, one per random seed). What they settle around is the minimum of the loss averaged "
        "over the noise, drawn on the right. For this linear model that average can be worked out exactly: it is "
        "the clean loss plus a squared penalty on the weights, so noisy inputs act as L2 regularization. Gaussian "
        "noise gives a plain ridge penalty; dropout weighs each weight by how large its input is. The noise is only "
        "used in training: predictions use the clean inputs, which the 1/(1−p) scaling makes consistent."
    ),
    r"\mathbb{E}\big[\tfrac12(w\cdot\tilde x-y)^2\big] = "
    r"\tfrac12(w\cdot x-y)^2 + \tfrac12\operatorname{Var}(w\cdot\tilde x)"
    r"\;\Rightarrow\;"
    r"\begin{cases} f(w) + \frac{\sigma^2}{2}\lVert w\rVert_2^2 & \text{"
    + _("Gaussian")
    + r" } \tilde x = x + \sigma\varepsilon \\"
    r" f(w) + \frac{p}{2(1-p)}\sum_j w_j^2\,\overline{x_j^2} & \text{"
    + _("dropout")
    + r" } \tilde x_j = \frac{m_j x_j}{1-p}"
    r"\end{cases}",
)

c1, c2, c3 = st.columns(3)
kind = form.widget("kind", where=c1, horizontal=True)
form.widget("p", where=c2, disabled=kind != "dropout")
form.widget("sigma", where=c2, disabled=kind != "gaussian")
form.widget("lr", where=c3)
form.widget("steps", where=c3)
scenario = form.finish()

with st.spinner(
    _(
        "Training {runs} runs on noisy inputs and one on clean inputs for {steps} steps, "
        "and averaging the loss over {draws} noise draws…"
    ).format(runs=len(SEEDS), steps=scenario.steps, draws=ni.MC_SAMPLES)
):
    view = page_view(scenario)

live_map(f"{PAGE}.maps", view.surface, overlay=view.overlay, height=view.surface.layout["height"])

if view.diverged or view.runs.clean_diverged_at is not None:
    message = (
        _("{count} of {runs} noisy runs diverged and so did the clean run: the learning rate is too large. ")
        if view.runs.clean_diverged_at is not None
        else _("{count} of {runs} noisy runs diverged: the learning rate is too large. ")
    )
    st.warning(
        message.format(count=view.diverged, runs=len(SEEDS)) + _("Their paths stop where they left the map."),
        icon=":material/warning:",
    )
average = view.average
st.markdown(
    _(
        "Averaged over the second half of the {runs} noisy runs the weights sit at ({w1}, {w2}): {expected} from "
        "the expected-loss minimum and {clean} from the clean minimum."
    ).format(
        runs=len(SEEDS),
        w1=f"{average[0]:.3f}",
        w2=f"{average[1]:.3f}",
        expected=f"{view.to_expected_minimum:.3g}",
        clean=f"{view.to_clean_minimum:.3g}",
    )
)

st.subheader(_("The formula against a Monte Carlo average"))
st.markdown(
    _(
        "The formula is checked at three points: the clean minimum; the best fit to held-out data, the weights that "
        "would fit 256 further examples the model never trains on best (a point nothing here was tuned to); and the "
        "expected-loss minimum."
    )
)
st.dataframe(
    pd.DataFrame(
        [
            {
                _("point"): _(c.name),
                "w": f"({c.point[0]:.3f}, {c.point[1]:.3f})",
                _("clean loss"): c.clean,
                _("formula"): c.formula,
                _("Monte Carlo ({draws} draws)").format(draws=ni.MC_SAMPLES): c.monte_carlo,
                _("standard error"): c.standard_error,
                _("difference / SE"): c.z_score,
                _("agrees"): _("yes") if c.agrees else _("NO"),
            }
            for c in view.checks
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.caption(
    _(
        "Each Monte Carlo draw corrupts all 16 training inputs once and computes the loss; the average of the draws "
        "should match the formula to within about three standard errors."
    )
)

playground_link(view.playground)
st.caption(
    _(
        "The Playground cannot add noise to the data. The link opens the clean run, and the same run on the "
        "expected loss: Gaussian noise of size σ is, on average, L2 weight decay λ = σ²."
    )
    if scenario.kind == "gaussian" and scenario.strength > 0
    else _(
        "The Playground cannot add noise to the data. The link opens the clean run. Dropout's penalty weighs each "
        "weight by its input's size, which one weight-decay number cannot express."
    )
)
