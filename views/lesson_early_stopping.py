"""Lesson: overfitting and early stopping on the training-versus-validation surface."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.early_stopping import MAP_HEIGHT
from ui.lesson import lesson_header, playground_link
from ui.lessons.early_stopping import EarlyStoppingScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = EarlyStoppingScenario.PAGE

form = PageForm(EarlyStoppingScenario)
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
form.widget("patience", where=c1)
form.widget("restore", where=c1)
form.widget("lr", where=c2)
form.widget("batch", where=c2)
form.widget("steps", where=c3)
scenario = form.finish()

with st.spinner(f"Training SGD for {scenario.steps} steps and measuring the validation loss at every step…"):
    view = page_view(scenario)
result = view.result

left, right = st.columns(2)
with left:
    st.subheader("The path on the training loss")
    live_map(f"{PAGE}.map", view.surface, overlay=view.overlay, height=MAP_HEIGHT)
with right:
    st.subheader("Both losses along the path")
    st.plotly_chart(PrebuiltFigure(view.curves), width="stretch", key=f"{PAGE}.curves")
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
    f"patience {scenario.patience}",
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


playground_link(view.playground)
st.caption("The Playground has no early stopping: the link runs the same optimizer for all the steps shown here.")
