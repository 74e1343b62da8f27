"""Lesson: ill-conditioning on a rotatable quadratic bowl (stability limit, zig-zag, rates)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.lessons.conditioning import MAP_HEIGHT, MAP_STEPS, bowl_paths, bowl_surface, distance_figure
from charts.live_map import SurfaceLayer, figure_surface
from engine.lessons import conditioning as cond
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map

PAGE = "ill"
KAPPAS = [1, 1.5, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000]
LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.2, 1.5, 1.8, 1.9, 1.95, 2, 2.05, 2.1, 2.2, 2.5]

guard = UrlGuard(PAGE)
lesson_header(
    "Ill-conditioning: steep across, flat along",
    "This bowl curves much more sharply across its valley than along it; the ratio of the two curvatures "
    "is the condition number κ. Gradient descent multiplies the error along each curvature direction by "
    "1 − ηλ per step, so the steep direction alone decides how large the learning rate may be: past "
    "η = 2/λ_max that factor is bigger than 1 in size and the run blows up. Any learning rate that is safe "
    "for the steep direction is tiny for the flat one, so the path bounces from wall to wall while creeping "
    "along the valley floor. Heavy-ball momentum lets the bounces cancel and cuts the number of steps from "
    "about κ to about √κ. RMSprop and Adam rescale each coordinate separately, which removes the problem "
    "when the valley lines up with the axes but not when it is rotated.",
    r"\begin{gathered}"
    r"x_{t+1}-x^\ast=(I-\eta H)\,(x_t-x^\ast),\qquad \text{stable iff } \eta<\frac{2}{\lambda_{\max}}\\"
    r"r_{\mathrm{GD}}=\max_i\,|1-\eta\lambda_i|\;\ge\;\frac{\kappa-1}{\kappa+1},\qquad "
    r"r_{\mathrm{HB}}=\frac{\sqrt\kappa-1}{\sqrt\kappa+1}"
    r"\end{gathered}",
)

c1, c2, c3 = st.columns(3)
kappa = float(
    c1.select_slider(
        "Condition number κ",
        options=KAPPAS,
        value=10,
        key=f"{PAGE}.kappa",
        bind="query-params",
        format_func=str,
        help="λ_max / λ_min of the Hessian (here λ_max = 1 and λ_min = 1/κ).",
    )
)
angle = float(
    c2.slider(
        "Rotation θ (degrees)",
        -90,
        90,
        30,
        5,
        key=f"{PAGE}.angle",
        bind="query-params",
        help="0 lines the valley up with the axes; 45 is the worst case for per-coordinate methods.",
    )
)
lr = float(
    c3.select_slider(
        "Your GD learning rate η",
        options=LRS,
        value=1.8,
        key=f"{PAGE}.lr",
        bind="query-params",
        format_func=str,
        help="The stability limit 2/λ_max is 2 on this bowl.",
    )
)
guard.finish()


@st.cache_data(show_spinner=False, max_entries=64)
def run_study(kappa: float, angle: float, lr: float) -> cond.Study:
    """All the page's runs and rates for one setting (cached by the three numbers)."""
    return cond.study(kappa, angle, lr)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(kappa: float, angle: float) -> SurfaceLayer:
    """The map's surface layer: κ and θ shape it, η does not, so moving η re-sends none of it (shared)."""
    return figure_surface(bowl_surface(kappa, angle))


@st.cache_resource(show_spinner=False, max_entries=64)
def figures(kappa: float, angle: float, lr: float) -> tuple[list[dict], dict]:
    """The map's paths and the distance chart (shared, never mutated)."""
    result = run_study(kappa, angle, lr)
    return bowl_paths(result), distance_figure(result)


with st.spinner("Running gradient descent, heavy ball, RMSprop and Adam…"):
    result = run_study(kappa, angle, lr)
    map_paths, dist_fig = figures(kappa, angle, lr)

curv = result.curvature
gd_lr, gd_best = cond.gd_optimal(curv)
hb_lr, hb_beta, hb_rate = cond.heavy_ball_optimal(curv)
st.markdown(
    f"Hessian eigenvalues (from `numpy.linalg.eigh`): λ_max = {curv.lam_max:.4g}, λ_min = {curv.lam_min:.4g}, "
    f"κ = {curv.kappa:.4g}. **Stability limit** 2/λ_max = {result.limit:.4g}. "
    + cond.stability_sentence(lr, result.limit)
)

left, right = st.columns([1, 1])
with left:
    live_map(f"{PAGE}.map", map_surface(kappa, angle), overlay=map_paths, height=MAP_HEIGHT)
    st.caption(
        f"Dashed lines: the Hessian's eigen-directions through the minimum. Paths show the first "
        f"{MAP_STEPS} steps; click the legend to add GD just below and just above the limit "
        f"({cond.NEAR_LIMIT[0]:g}× and {cond.NEAR_LIMIT[1]:g}× of 2/λ_max)."
    )
with right:
    st.plotly_chart(PrebuiltFigure(dist_fig), width="stretch", key=f"{PAGE}.distance")
    st.caption(
        "Distance to the minimum on a log axis: a straight line is a constant rate per step. Dotted grey: "
        "the theoretical rate, drawn over the window the measured rate was fitted on."
    )


st.subheader("Convergence rate: theory beside measurement")
st.dataframe(pd.DataFrame(cond.rate_table(result)), hide_index=True, width="stretch")
st.markdown(
    f"Optimal GD: η* = 2/(λ_max + λ_min) = {gd_lr:.4g}, rate (κ−1)/(κ+1) = {gd_best:.4g}. "
    f"Optimal heavy ball: η* = 4/(√λ_max + √λ_min)² = {hb_lr:.4g}, β* = ((√κ−1)/(√κ+1))² = {hb_beta:.4g}, "
    f"rate (√κ−1)/(√κ+1) = {hb_rate:.4g}."
)
st.caption(
    "Measured rate: a least-squares fit of log ‖x_t‖ against t over the second half of the run (distances "
    f"below {cond.FLOOR:g}, near the end of float32's range, are left out). At its optimal (η*, β*) heavy "
    "ball's two roots per direction coincide, so its error behaves like t·rᵗ and the fit includes the "
    "factor t. The engine's momentum (v ← βv + g, x ← x − ηv) is Polyak's heavy ball "
    "x ← x − η∇f + β(x − x_prev) rewritten, so Polyak's optimal values apply unchanged."
)

st.subheader("Per-coordinate scaling: axis-aligned against rotated")
st.dataframe(pd.DataFrame(cond.arrival_table(result)), hide_index=True, width="stretch")
st.caption(
    f"Each run starts at the same place relative to the valley (rotated with it), {cond.STEPS} steps at most. "
    "GD and heavy ball only see the geometry, so both columns match; RMSprop and Adam divide each coordinate "
    "by its own gradient scale, which straightens an axis-aligned valley but cannot straighten a rotated one: "
    "at θ = 45° both coordinates have the same scale, and the valley stays as lopsided as it was."
)

playground_link(cond.playground_scenario(result))
