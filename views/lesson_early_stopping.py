"""Lesson: overfitting and early stopping on the training-versus-validation surface."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.early_stopping import (
    MAP_HEIGHT,
    curves_figure,
    training_map_overlay,
    training_map_surface,
    training_map_window,
)
from charts.live_map import SurfaceLayer, figure_surface
from core.numbers import exact_text
from engine.lessons import early_stopping as es
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.param_widgets import log_grid

PAGE = "early"
LRS = log_grid(1e-3, 3.0)

guard = UrlGuard(PAGE)
lesson_header(
    "Overfitting and early stopping",
    "Here a two-weight model is trained on only 16 examples whose two inputs almost copy each other. Gradient "
    "descent from zero first drops into the long valley of the training loss, which also lowers the loss on "
    "held-out validation data. Then it creeps along the valley towards the training minimum, fitting the noise "
    "of those 16 examples, and the validation loss rises again: overfitting. Early stopping watches the "
    "validation loss and halts once it has not improved for a set number of steps, the patience. Started from "
    "zero, the stopped weights sit close to the ridge path, the minimizers of the training loss plus α‖w‖²: "
    "stopping early restrains the weights much as an L2 penalty does, with fewer steps playing the part of a "
    "larger α.",
    r"t_{\text{stop}} = \min\{\, t : t - \arg\min_{s \le t} L_{\text{val}}(w_s) = P \,\}"
    r"\qquad w_{\text{ridge}}(\alpha) = \arg\min_w\, f(w) + \alpha\lVert w\rVert_2^2",
)

c1, c2, c3 = st.columns(3)
patience = c1.slider("Patience P (steps without improvement)", 1, 400, 20, key=f"{PAGE}.patience", bind="query-params")
restore = c1.toggle(
    "Restore the best weights",
    value=False,
    key=f"{PAGE}.restore",
    bind="query-params",
    help="Off: keep the weights of the step where training stopped. On: go back to the best step seen by then.",
)
lr = c2.select_slider(
    "Learning rate", options=LRS, value=0.1, key=f"{PAGE}.lr", bind="query-params", format_func=exact_text
)
batch = c2.slider(
    "Batch size (16 = full batch)",
    1,
    16,
    16,
    key=f"{PAGE}.batch",
    bind="query-params",
    help="Smaller batches make the path, and so the validation curve, noisy.",
)
steps = c3.slider("Steps", 100, 3000, 1000, step=100, key=f"{PAGE}.steps", bind="query-params")
guard.finish()

scenario = es.scenario(lr, steps, batch)


@st.cache_data(show_spinner=False, max_entries=64)
def compute(lr: float, steps: int, batch: int, patience: int, restore: bool) -> es.EarlyStopping:
    """The run, both losses along it, the patience rule and the nearest ridge solution."""
    return es.early_stopping(es.scenario(lr, steps, batch), patience, restore)


@st.cache_resource(show_spinner=False, max_entries=64)
def figures(lr: float, steps: int, batch: int, patience: int, restore: bool) -> tuple[list[dict], dict]:
    """The map's path and points, and the loss curves (shared, never mutated)."""
    result = compute(lr, steps, batch, patience, restore)
    return training_map_overlay(result, scenario.landscape_params), curves_figure(result)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(values: tuple, window: tuple) -> SurfaceLayer:
    """The map's surface layer: the training loss and ridge path in ``window``; patience and restoring keep the
    window, so they re-send none of it (shared)."""
    return figure_surface(training_map_surface(dict(values), window))


with st.spinner(f"Training SGD for {steps} steps and measuring the validation loss at every step…"):
    result = compute(lr, steps, batch, patience, restore)
    map_paths, curves_fig = figures(lr, steps, batch, patience, restore)
    window = training_map_window(result, scenario.landscape_params)

left, right = st.columns(2)
with left:
    st.subheader("The path on the training loss")
    surface = map_surface(tuple(sorted(scenario.landscape_params.items())), window)
    live_map(f"{PAGE}.map", surface, overlay=map_paths, height=MAP_HEIGHT)
with right:
    st.subheader("Both losses along the path")
    st.plotly_chart(PrebuiltFigure(curves_fig), width="stretch", key=f"{PAGE}.curves")
    st.caption("Dotted: the steps early stopping would not have run; on the map, where they lead.")
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Best validation step",
    result.best_step,
    f"loss {result.validation[result.best_step]:.4g}",
    "off",
    delta_arrow="off",
)
m2.metric(
    "Stopped at step" if result.triggered else "Never stopped: ran to",
    result.stop_step,
    f"patience {patience}",
    "off",
    delta_arrow="off",
)
m3.metric(
    "Kept weights from step",
    result.kept_step,
    f"validation loss {result.validation[result.kept_step]:.4g}",
    "off",
    delta_arrow="off",
)
m4.metric(
    "Distance to the ridge path",
    f"{result.ridge_distance:.3g}",
    f"α ≈ {result.ridge_alpha:.2g}",
    "off",
    delta_arrow="off",
)
if result.run.diverged_at is not None:
    st.warning(
        f"The run diverged at step {result.run.diverged_at}: the learning rate is too large for this surface.",
        icon=":material/warning:",
    )
st.markdown(
    f"The kept weights ({result.kept_point[0]:.3f}, {result.kept_point[1]:.3f}) lie {result.ridge_distance:.3g} "
    f"from the ridge solution with α ≈ {result.ridge_alpha:.2g}, against {result.minimum_distance:.3g} from the "
    "training minimum: stopping early has done roughly what an L2 penalty would do. More patience lets the path "
    "run further along the valley, which matches a smaller α and a higher validation loss (unless the best "
    "weights are restored)."
)


playground_link(scenario)
st.caption("The Playground has no early stopping: the link runs the same optimizer for all the steps shown here.")
