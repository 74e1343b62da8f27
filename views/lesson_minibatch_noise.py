"""Lesson: minibatch noise on the regression data set (gradient fan, cloud of runs, spread against B)."""

from __future__ import annotations

import streamlit as st

from charts.encoding import PrebuiltFigure
from core.i18n import translator
from engine.lessons.noise import clicked_point
from ui.lesson import lesson_header, playground_link
from ui.lessons.minibatch_noise import LAND, POINT_STEP, SIZES, N, NoiseScenario, page_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = NoiseScenario.PAGE
_ = translator("lessons_hard")

form = PageForm(NoiseScenario)
lesson_header(
    _("Minibatch noise: many small samples of one gradient"),
    _(
        "The loss here is the mean error of a straight-line fit over {n} data points, so the true gradient is an "
        "average over all of them. A minibatch of B points gives a cheaper estimate of that average: right on "
        "average, but off by a random amount that grows as B shrinks. The arrows beside the map show this at one "
        "point: the white arrow is the full-batch direction, the blue ones are minibatches of the chosen size. Run "
        "the same optimizer from that point with hundreds of different shuffles and the paths fan out into a "
        "cloud; where they end scatters around the minimum. With B = N every shuffle sees the same full "
        "batch, so all runs follow the one gradient-descent path and the scatter disappears."
    ).format(n=N),
    r"g_B(x)=\frac{1}{B}\sum_{i\in\mathcal{B}_t}\nabla\ell_i(x),\qquad"
    r"\mathbb{E}\,g_B=\nabla f,\qquad"
    r"\mathbb{E}\,\lVert g_B-\nabla f\rVert^2=\frac{N-B}{B\,(N-1)}\,\operatorname{tr}\Sigma",
)
st.caption(
    _(
        "Σ is the covariance of the per-example gradients ∇ℓᵢ at x. The factor (N − B)/(B(N − 1)) is the one for "
        "drawing B of N examples without replacement, as each epoch's shuffle does; it is 0 at B = N."
    )
)


def _moved(x: float, y: float) -> None:
    """A click on the map moves the point (the start of every run), to the three decimals its inputs show."""
    point = clicked_point(x, y, LAND.domain)
    if point is not None:
        st.session_state[f"{PAGE}.x"] = round(point[0], 3)
        st.session_state[f"{PAGE}.y"] = round(point[1], 3)


c1, c2, c3 = st.columns(3)
form.widget("batch", c1)
form.widget("lr", c2)
form.widget("sigma", c3)
c4, c5, c6, c7 = st.columns(4)
form.widget("x", c4, step=POINT_STEP, format="%.3f")
form.widget("y", c5, step=POINT_STEP, format="%.3f")
form.widget("steps", c6)
form.widget("seeds", c7)
left, right = st.columns([3, 2])
form.widget("view", left)
scenario = form.finish()
batch = scenario.batch

with st.spinner(
    _("Training {seeds} SGD runs of {steps} steps at each of {sizes} batch sizes…").format(
        seeds=scenario.seeds, steps=scenario.steps, sizes=len(SIZES)
    )
):
    view = page_view(scenario)

with left:
    live_map(f"{PAGE}.map", view.surface, overlay=view.overlay, height=view.surface.layout["height"], on_click=_moved)
    st.caption(
        _(
            "Click the map to move the point. Thin white lines: every seed's path from the point; orange dots: where "
            "they end; red: full-batch gradient descent, which every seed follows when B = N."
        )
    )
with right:
    st.markdown(_("**The gradients at the point**"))
    st.plotly_chart(PrebuiltFigure(view.fan_figure), width="stretch", key=f"{PAGE}.fan")
    st.markdown(view.fan_text)
    st.caption(
        _(
            "Arrows start at the point and share one scale, in gradient units: the full-batch gradient has length "
            "{norm}; the blue ones are the first minibatch (B = {batch}) of the runs with seeds "
            "0–{last}. Dotted circle: the scatter the formula expects around the white tip."
        ).format(norm=f"{view.full_norm:.3g}", batch=batch, last=len(view.fan.minibatch) - 1)
    )
    st.markdown(_("**Where the runs end**"))
    st.plotly_chart(PrebuiltFigure(view.spread_figure), width="stretch", key=f"{PAGE}.spread")
    st.markdown(view.spread_text)
    st.caption(
        _(
            "Each point of the chart is one batch size run with every seed, all sizes in one vmapped engine call. "
            "A larger learning rate takes larger noisy steps, so the cloud widens with η as well."
        )
    )

playground_link(view.link)
