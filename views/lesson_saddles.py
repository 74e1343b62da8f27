"""Lesson: saddle points (who escapes, and when) and local minima (basin maps of two optimizers)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.saddles import ESCAPE_MAP_HEIGHT
from core.i18n import translator
from engine.lessons.basins import BASIN_STEPS, ESCAPE_RADIUS
from ui.lesson import lesson_header, playground_link
from ui.lessons.saddles import SaddleScenario, basins_view, escape_view
from ui.live_map import live_map
from ui.page_form import PageForm

PAGE = SaddleScenario.PAGE
_ = translator("lessons_hard")

form = PageForm(SaddleScenario)
lesson_header(
    _("Saddle points and local minima"),
    _(
        "At a saddle point the gradient vanishes, yet the surface still falls away in some direction. A run that "
        "starts a tiny distance δ off the saddle feels almost no slope, and plain gradient descent only grows "
        "that offset by a fixed factor per step, so the time to leave depends on how small δ was. Momentum builds "
        "up speed along the escape direction, and Adam or RMSprop divide the tiny gradient by its own tiny size "
        "and leave at full speed. Newton's method does the opposite: it jumps to where the local quadratic model "
        "is flat, and that point is the saddle itself. On a surface with several minima, the one a run ends in "
        "depends on where it starts, and the borders between those basins move with the optimizer and its step."
    ),
    r"f \approx \tfrac12\lambda_1 u^2 - \tfrac12|\lambda_2|\,v^2:\quad v_{t+1}=(1+\eta|\lambda_2|)\,v_t"
    r"\;\Rightarrow\; t_{\mathrm{escape}}\approx\frac{\ln(R/\delta)}{\ln(1+\eta|\lambda_2|)}",
)

notice = st.container()
st.subheader(_("Escaping a saddle"))
c1, c2, c3 = st.columns(3)
form.widget("land", c1)
form.widget("offset", c2)
form.widget("lr", c3)
escape_area = st.container()

st.subheader(_("Basins of attraction"))
b1, b2 = st.columns(2)
form.widget("basin_land", b1)
form.widget("res", b2)
left, right = st.columns(2)
form.widget("opt_a", left)
form.widget("lr_a", left)
form.widget("opt_b", right)
form.widget("lr_b", right)
basin_area = st.container()
scenario = form.finish(notice)
offset, escape_lr, resolution = scenario.offset, scenario.lr, scenario.res

with escape_area:
    with st.spinner(_("Running every optimizer from the start next to the saddle…")):
        escape = escape_view(scenario)
    study = escape.study

    st.dataframe(pd.DataFrame(escape.table), hide_index=True, width="stretch")
    if study.estimate is not None:
        sgd_row = study.rows[0]
        st.markdown(
            _(
                "Linear prediction for SGD here (|λ₂| = {curvature}): ln(R/δ) / ln(1 + η|λ₂|) = "
                "ln({radius}/{offset}) / ln(1 + {lr}·{curvature}) ≈ "
                "**{estimate}** steps; measured: **{measured}**. "
                "Each tenfold smaller δ adds about {per_decade} steps."
            ).format(
                curvature=f"{study.escape_curvature:g}",
                radius=f"{ESCAPE_RADIUS:g}",
                offset=f"{offset:g}",
                lr=f"{escape_lr:g}",
                estimate=f"{study.estimate:.0f}",
                measured=_("never") if sgd_row.escape is None else sgd_row.escape,
                per_decade=f"{study.per_decade:.0f}",
            )
        )
    else:
        st.markdown(
            _(
                "On the monkey saddle the slope grows like the *square* of the distance, not in proportion to it, so "
                "there is no fixed growth factor per step: plain gradient descent drifts out painfully slowly, and "
                "methods that rescale the gradient by its size leave first."
            )
        )
    g1, g2 = st.columns(2)
    g1.plotly_chart(PrebuiltFigure(escape.distance), width="stretch", key=f"{PAGE}.escape_distance")
    with g2:
        live_map(f"{PAGE}.escape_map", escape.surface, overlay=escape.overlay, height=ESCAPE_MAP_HEIGHT)
    st.caption(
        _(
            "A run escapes at the first step farther than R = {radius} from the saddle (a square "
            "on the distance chart). Distances "
            "below 10⁻¹² (a run sitting on the saddle) are drawn at 10⁻¹²."
        ).format(radius=f"{ESCAPE_RADIUS:g}")
    )
    playground_link(escape.link, _("Open the escape runs in Playground"))

with basin_area:
    with st.spinner(
        _("Running {count} starts ({side} × {side} per optimizer)…").format(
            count=f"{2 * resolution**2:,}", side=resolution
        )
    ):
        basin = basins_view(scenario)
    st.plotly_chart(PrebuiltFigure(basin.figure), width="stretch", key=f"{PAGE}.basins")
    st.dataframe(pd.DataFrame(basin.shares), hide_index=True, width="stretch")
    st.caption(
        _(
            "Each of the {side}² starts runs {steps} steps (all in one vmapped call per optimizer) "
            "and is coloured by the minimum its last point is within {tol} of (1% of the plotted "
            "diagonal; on Rastrigin every local pit counts, found by Newton's method on each coordinate); grey: it "
            "ended elsewhere (still moving, or stuck on a saddle or a maximum); black: it diverged."
        ).format(side=resolution, steps=BASIN_STEPS, tol=f"{basin.maps[0].tol:.3g}")
    )
    playground_link(basin.link, _("Open A and B in Playground"))
