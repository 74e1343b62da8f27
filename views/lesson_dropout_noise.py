"""Lesson: dropout and Gaussian input noise, and the penalty they add on average."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from charts.lessons.grid_maps import panel_traces, side_by_side
from charts.lessons.noise_injection import clean_overlay, clean_surface, expected_overlay, expected_surface
from charts.live_map import SurfaceLayer, figure_surface
from core.numbers import exact_text
from engine.lessons import noise_injection as ni
from engine.lessons.regularization import training_problem
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.param_widgets import log_grid

PAGE = "noise2"
LRS = log_grid(1e-3, 3.0)
SEEDS = tuple(range(8))
# Radio labels; a bound radio writes its label into the URL, so they are kept short.
KIND_LABELS = {"dropout": "Dropout", "gaussian": "Gaussian"}

guard = UrlGuard(PAGE)
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
kind = c1.radio(
    "Input noise", list(ni.KINDS), format_func=KIND_LABELS.get, key=f"{PAGE}.kind", bind="query-params", horizontal=True
)
p = c2.slider(
    "Dropout probability p",
    0.0,
    ni.MAX_DROPOUT,
    0.3,
    step=0.05,
    key=f"{PAGE}.p",
    bind="query-params",
    disabled=kind != "dropout",
)
sigma = c2.slider(
    "Noise size σ",
    0.0,
    ni.MAX_SIGMA,
    0.5,
    step=0.05,
    key=f"{PAGE}.sigma",
    bind="query-params",
    disabled=kind != "gaussian",
)
lr = c3.select_slider(
    "Learning rate", options=LRS, value=0.1, key=f"{PAGE}.lr", bind="query-params", format_func=exact_text
)
steps = c3.slider("Steps", 50, 1000, 300, step=50, key=f"{PAGE}.steps", bind="query-params")
guard.finish()

strength = float(p if kind == "dropout" else sigma)


@st.cache_data(show_spinner=False, max_entries=64)
def compute(kind: str, strength: float, lr: float, steps: int):
    """Noisy runs and the clean run (one vmapped call), and the Monte Carlo check."""
    runs = ni.noisy_training(kind, strength, lr, steps, SEEDS, with_clean=True)
    return runs, ni.formula_checks(kind, strength)


@st.cache_resource(show_spinner=False, max_entries=16)
def maps_surface(kind: str, strength: float) -> SurfaceLayer:
    """The clean loss and the expected loss side by side, on one colour scale: a function of the noise alone."""
    xs, ys, clean, expected = ni.surfaces(kind, strength)
    name = f"dropout p = {strength:g}" if kind == "dropout" else f"Gaussian σ = {strength:g}"
    maps = side_by_side(
        clean_surface(xs, ys, clean, expected),
        expected_surface(xs, ys, clean, expected, f"Expected loss under {name}"),
    )
    return figure_surface(maps)


@st.cache_resource(show_spinner=False, max_entries=64)
def maps_overlay(kind: str, strength: float, lr: float, steps: int) -> list[dict]:
    """The clean run on the left, the noisy runs on the right, minima and their average (shared, never mutated)."""
    noisy, _ = compute(kind, strength, lr, steps)
    clean_min = training_problem().minimum()
    stop = noisy.clean_diverged_at
    clean_path = noisy.clean_path if stop is None else noisy.clean_path[: max(stop, 1)]
    return panel_traces(
        clean_overlay(clean_path, clean_min, stop),
        expected_overlay(
            noisy.paths,
            ni.expected_minimum(kind, strength),
            clean_min,
            noisy.iterate_average(),
            noisy.diverged_at,
        ),
    )


with st.spinner(
    f"Training {len(SEEDS)} runs on noisy inputs and one on clean inputs for {steps} steps, "
    f"and averaging the loss over {ni.MC_SAMPLES} noise draws…"
):
    noisy, checks = compute(kind, strength, lr, steps)
    surface = maps_surface(kind, strength)
    overlay = maps_overlay(kind, strength, lr, steps)

live_map(f"{PAGE}.maps", surface, overlay=overlay, height=surface.layout["height"])

diverged = int(np.sum(noisy.diverged_at >= 0))
if diverged or noisy.clean_diverged_at is not None:
    also = " and so did the clean run" if noisy.clean_diverged_at is not None else ""
    st.warning(
        f"{diverged} of {len(SEEDS)} noisy runs diverged{also}: the learning rate is too large. "
        "Their paths stop where they left the map.",
        icon=":material/warning:",
    )
average = noisy.iterate_average()
target = ni.expected_minimum(kind, strength)
st.markdown(
    f"Averaged over the second half of the {len(SEEDS)} noisy runs the weights sit at ({average[0]:.3f}, "
    f"{average[1]:.3f}): {np.hypot(*(average - target)):.3g} from the expected-loss minimum and "
    f"{np.hypot(*(average - training_problem().minimum())):.3g} from the clean minimum."
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
            for c in checks
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.caption(
    "Each Monte Carlo draw corrupts all 16 training inputs once and computes the loss; the average of the draws "
    "should match the formula to within about three standard errors."
)

playground_link(ni.playground_scenario(kind, strength, lr, steps))
st.caption(
    "The Playground cannot add noise to the data. The link opens the clean run"
    + (
        ", and the same run on the expected loss: Gaussian noise of size σ is, on average, L2 weight decay λ = σ²."
        if kind == "gaussian" and strength > 0
        else ". Dropout's penalty weighs each weight by its input's size, which one weight-decay number cannot express."
    )
)
