"""Real network: train a small MLP on handwritten digits with the optimizers of the 2D pages."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from core.i18n import translator
from ui.lesson import lesson_header, playground_link
from ui.network.training import TrainingScenario, page_view
from ui.page_form import PageForm

_ = translator("network_training")
PAGE = TrainingScenario.PAGE

form = PageForm(TrainingScenario)
lesson_header(
    _("Training a real network"),
    _(
        "The optimizers of the 2D pages, unchanged, now train a network with one hidden layer to read "
        "handwritten digits: 8 × 8 pixel images from scikit-learn, 1,348 for training and 449 held out for "
        "testing. All the weights and biases form one long vector, so each optimizer takes exactly the step it "
        "takes on a 2D surface, only in a few thousand dimensions. Each step uses a minibatch of images, "
        "reshuffled every epoch; the curves are measured on all training and all test images. σ is the hidden "
        "activation (tanh unless you pick ReLU)."
    ),
    r"L(\theta) = -\frac{1}{N}\sum_{i=1}^{N} \log \operatorname{softmax}"
    r"\big(W_2^\top \sigma(W_1^\top x_i + b_1) + b_2\big)_{y_i}",
)

c1, c2, c3 = st.columns(3)
form.widget("opts", where=c1)
c1.caption(_("Newton's method is not offered: it needs the Hessian, a matrix with a row and a column per weight."))
form.widget("lr_scale", where=c1)
form.widget("width", where=c2)
form.widget("activation", where=c2)
form.widget("batch", where=c2)
form.widget("epochs", where=c3)
s1, s2 = c3.columns(2)
form.widget("init_seed", where=s1)
form.widget("shuffle_seed", where=s2)
with st.expander(_("Weight decay, clipping and learning-rate schedule (for every optimizer)")):
    o1, o2, o3 = st.columns(3)
    form.widget("weight_decay", where=o1)
    form.widget("wd_mode", where=o1)
    form.widget("clip_norm", where=o2)
    form.widget("schedule", where=o3)
scenario = form.finish()

if not scenario.opts:
    st.info(_("Pick at least one optimizer."), icon=":material/info:")
    st.stop()

bar = st.progress(0.0, text=_("Training…"))


def report(done: int, total: int, name: str) -> None:
    """Move the progress bar before each optimizer's run."""
    bar.progress(
        done / total, text=_("Training with {name} ({done} of {total} done)…").format(name=name, done=done, total=total)
    )


view = page_view(scenario, report)
bar.empty()

left, right = st.columns(2)
with left:
    st.subheader(_("Loss"))
    st.plotly_chart(PrebuiltFigure(view.loss), width="stretch", key=f"{PAGE}.loss")
with right:
    st.subheader(_("Accuracy"))
    st.plotly_chart(PrebuiltFigure(view.accuracy), width="stretch", key=f"{PAGE}.accuracy")
st.caption(
    _(
        "Solid: training images. Dashed: test images, never used for a step. Each optimizer's starting learning "
        "rate was picked by its test accuracy, so at ×1 the dashed curves are slightly optimistic."
    )
)

columns = st.columns(len(view.results))
for column, result in zip(columns, view.results, strict=True):
    n = result.valid - 1
    column.metric(
        result.label,
        f"{100 * result.test_acc[n]:.1f}%",
        _("training {train:.1f}%").format(train=100 * result.train_acc[n]),
        "off",
        delta_arrow="off",
        help=_("Test accuracy after {steps} steps ({epochs} epochs of {per} steps).").format(
            steps=int(result.steps[n]), epochs=scenario.epochs, per=result.steps_per_epoch
        ),
    )
    if result.diverged:
        column.warning(
            _(
                "Diverged at step {step}: the weights stopped being finite numbers. Lower the learning rate or "
                "the weight decay."
            ).format(step=result.diverged_at),
            icon=":material/warning:",
        )

st.markdown(
    _(
        "A gap between the solid and the dashed curve is overfitting: the network fits its training images "
        "better than new ones. Larger batches take fewer, less noisy steps per epoch. The learning-rate factor "
        "shows how much each optimizer depends on its step size: small factors slow training down, and how large "
        "a factor each one tolerates differs (compare ×10 and ×30). Plain SGD with L2 weight decay diverges once "
        "η·λ passes 2: the decay term alone then overshoots zero by more than it started."
    )
)
playground_link(view.playground, _("Open the 2D analogue: these optimizers on the Playground's bowl"))
