"""Lesson: dropout and Gaussian input noise, and the penalty they add on average."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.lessons import noise_injection as ni
from ui.lesson import lesson_header, playground_link
from ui.lessons.dropout_noise import SEEDS, NoiseScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = NoiseScenario.PAGE

form = PageForm(NoiseScenario)
lesson_header(
    "Dropout and noise injection",
    "Dropout switches each input off at random while training (with probability p) and scales the survivors "
    "up by 1/(1−p), so the inputs are unchanged on average; Gaussian noise instead jitters every input by a "
    "random amount of size σ. Either way every step sees a slightly different loss, and the weights wander "
    "(the thin white paths, one per random seed). What they settle around is the minimum of the loss averaged "
    "over the noise, drawn on the right. For this linear model that average can be worked out exactly: it is "
    "the clean loss plus a squared penalty on the weights, so noisy inputs act as L2 regularization. Gaussian "
    "noise gives a plain ridge penalty; dropout weighs each weight by how large its input is. The noise is only "
    "used in training: predictions use the clean inputs, which the 1/(1−p) scaling makes consistent.",
    r"\mathbb{E}\big[\tfrac12(w\cdot\tilde x-y)^2\big] = "
    r"\tfrac12(w\cdot x-y)^2 + \tfrac12\operatorname{Var}(w\cdot\tilde x)"
    r"\;\Rightarrow\;"
    r"\begin{cases} f(w) + \frac{\sigma^2}{2}\lVert w\rVert_2^2 & \text{Gaussian } \tilde x = x + \sigma\varepsilon \\"
    r" f(w) + \frac{p}{2(1-p)}\sum_j w_j^2\,\overline{x_j^2} & \text{dropout } \tilde x_j = \frac{m_j x_j}{1-p}"
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
    f"Training {len(SEEDS)} runs on noisy inputs and one on clean inputs for {scenario.steps} steps, "
    f"and averaging the loss over {ni.MC_SAMPLES} noise draws…"
):
    view = page_view(scenario)

live_map(f"{PAGE}.maps", view.surface, overlay=view.overlay, height=view.surface.layout["height"])

if view.diverged or view.runs.clean_diverged_at is not None:
    also = " and so did the clean run" if view.runs.clean_diverged_at is not None else ""
    st.warning(
        f"{view.diverged} of {len(SEEDS)} noisy runs diverged{also}: the learning rate is too large. "
        "Their paths stop where they left the map.",
        icon=":material/warning:",
    )
average = view.average
st.markdown(
    f"Averaged over the second half of the {len(SEEDS)} noisy runs the weights sit at ({average[0]:.3f}, "
    f"{average[1]:.3f}): {view.to_expected_minimum:.3g} from the expected-loss minimum and "
    f"{view.to_clean_minimum:.3g} from the clean minimum."
)

st.subheader("The formula against a Monte Carlo average")
st.markdown(
    "The formula is checked at three points: the clean minimum; the best fit to held-out data, the weights that "
    "would fit 256 further examples the model never trains on best (a point nothing here was tuned to); and the "
    "expected-loss minimum."
)
st.dataframe(
    pd.DataFrame(
        [
            {
                "point": c.name,
                "w": f"({c.point[0]:.3f}, {c.point[1]:.3f})",
                "clean loss": c.clean,
                "formula": c.formula,
                f"Monte Carlo ({ni.MC_SAMPLES} draws)": c.monte_carlo,
                "standard error": c.standard_error,
                "difference / SE": c.z_score,
                "agrees": "yes" if c.agrees else "NO",
            }
            for c in view.checks
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.caption(
    "Each Monte Carlo draw corrupts all 16 training inputs once and computes the loss; the average of the draws "
    "should match the formula to within about three standard errors."
)

playground_link(view.playground)
st.caption(
    "The Playground cannot add noise to the data. The link opens the clean run"
    + (
        ", and the same run on the expected loss: Gaussian noise of size σ is, on average, L2 weight decay λ = σ²."
        if scenario.kind == "gaussian" and scenario.strength > 0
        else ". Dropout's penalty weighs each weight by its input's size, which one weight-decay number cannot express."
    )
)
