"""Lesson: overfitting and early stopping on the training-versus-validation surface."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.early_stopping import MAP_HEIGHT
from core.i18n import translator
from ui.lesson import lesson_header, playground_link
from ui.lessons.early_stopping import EarlyStoppingScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = EarlyStoppingScenario.PAGE
_ = translator("lessons_reg")

form = PageForm(EarlyStoppingScenario)
lesson_header(
    _("Overfitting and early stopping"),
    _(
        "Here a two-weight model is trained on only 16 examples whose two inputs almost copy each other. Gradient "
        "descent from zero first drops into the long valley of the training loss, which also lowers the loss on "
        "held-out validation data. Then it creeps along the valley towards the training minimum, fitting the noise "
        "of those 16 examples, and the validation loss rises again: overfitting. Early stopping watches the "
        "validation loss and halts once it has not improved for a set number of steps, the patience. Started from "
        "zero, the stopped weights sit close to the ridge path, the minimizers of the training loss plus α‖w‖²: "
        "stopping early restrains the weights much as an L2 penalty does, with fewer steps playing the part of a "
        "larger α."
    ),
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

with st.spinner(
    _("Training SGD for {steps} steps and measuring the validation loss at every step…").format(steps=scenario.steps)
):
    view = page_view(scenario)
result = view.result

left, right = st.columns(2)
with left:
    st.subheader(_("The path on the training loss"))
    live_map(f"{PAGE}.map", view.surface, overlay=view.overlay, height=MAP_HEIGHT)
with right:
    st.subheader(_("Both losses along the path"))
    st.plotly_chart(PrebuiltFigure(view.curves), width="stretch", key=f"{PAGE}.curves")
    st.caption(_("Dotted: the steps early stopping would not have run; on the map, where they lead."))
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    _("Best validation step"),
    result.best_step,
    _("loss {loss}").format(loss=f"{result.validation[result.best_step]:.4g}"),
    "off",
    delta_arrow="off",
)
m2.metric(
    _("Stopped at step") if result.triggered else _("Never stopped: ran to"),
    result.stop_step,
    _("patience {patience}").format(patience=scenario.patience),
    "off",
    delta_arrow="off",
)
m3.metric(
    _("Kept weights from step"),
    result.kept_step,
    _("validation loss {loss}").format(loss=f"{result.validation[result.kept_step]:.4g}"),
    "off",
    delta_arrow="off",
)
m4.metric(
    _("Distance to the ridge path"),
    f"{result.ridge_distance:.3g}",
    f"α ≈ {result.ridge_alpha:.2g}",
    "off",
    delta_arrow="off",
)
if result.run.diverged_at is not None:
    st.warning(
        _("The run diverged at step {step}: the learning rate is too large for this surface.").format(
            step=result.run.diverged_at
        ),
        icon=":material/warning:",
    )
st.markdown(
    _(
        "The kept weights ({w1}, {w2}) lie {ridge} from the ridge solution with α ≈ {alpha}, against {minimum} "
        "from the training minimum: stopping early has done roughly what an L2 penalty would do. More patience "
        "lets the path run further along the valley, which matches a smaller α and a higher validation loss "
        "(unless the best weights are restored)."
    ).format(
        w1=f"{result.kept_point[0]:.3f}",
        w2=f"{result.kept_point[1]:.3f}",
        ridge=f"{result.ridge_distance:.3g}",
        alpha=f"{result.ridge_alpha:.2g}",
        minimum=f"{result.minimum_distance:.3g}",
    )
)


playground_link(view.playground)
st.caption(_("The Playground has no early stopping: the link runs the same optimizer for all the steps shown here."))
