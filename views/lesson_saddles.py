"""Lesson: saddle points (who escapes, and when) and local minima (basin maps of two optimizers)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import landscapes
import optimizers
from charts.encoding import PrebuiltFigure
from charts.lessons.saddles import ESCAPE_MAP_HEIGHT, basin_figure, escape_distance_figure, escape_paths, escape_surface
from charts.live_map import SurfaceLayer, figure_surface
from engine.lessons import basins
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.param_widgets import log_grid

PAGE = "saddle"
OFFSETS = [m * 10.0**e for e in range(-8, -1) for m in (1, 3)] + [0.1]
OFFSETS = [float(f"{v:.3g}") for v in OFFSETS]
ESCAPE_LRS = log_grid(1e-3, 0.1)
# Whole numbers as ints, so each option's label, its URL text and ``str`` of its value agree ("1").
BASIN_LRS = [int(v) if v.is_integer() else v for v in log_grid(1e-4, 1.0)]


# Selectboxes offer display names (a bound selectbox writes its label into the link, and the notice
# compares the link with the value, so label and value are the same string); these map them back.
SADDLES = {landscapes.get(k).name: k for k in basins.SADDLE_LANDSCAPES}
SURFACES = {landscapes.get(k).name: k for k in basins.BASIN_LANDSCAPES}
OPTIMIZERS = {spec.name: key for key, spec in optimizers.REGISTRY.items()}


def optimizer_name(key: str) -> str:
    """The optimizer's display name."""
    return optimizers.get(key).name


guard = UrlGuard(PAGE)
lesson_header(
    "Saddle points and local minima",
    "At a saddle point the gradient vanishes, yet the surface still falls away in some direction. A run that "
    "starts a tiny distance δ off the saddle feels almost no slope, and plain gradient descent only grows "
    "that offset by a fixed factor per step, so the time to leave depends on how small δ was. Momentum builds "
    "up speed along the escape direction, and Adam or RMSprop divide the tiny gradient by its own tiny size "
    "and leave at full speed. Newton's method does the opposite: it jumps to where the local quadratic model "
    "is flat, and that point is the saddle itself. On a surface with several minima, the one a run ends in "
    "depends on where it starts, and the borders between those basins move with the optimizer and its step.",
    r"f \approx \tfrac12\lambda_1 u^2 - \tfrac12|\lambda_2|\,v^2:\quad v_{t+1}=(1+\eta|\lambda_2|)\,v_t"
    r"\;\Rightarrow\; t_{\mathrm{escape}}\approx\frac{\ln(R/\delta)}{\ln(1+\eta|\lambda_2|)}",
)

notice = st.container()
st.subheader("Escaping a saddle")
c1, c2, c3 = st.columns(3)
surface = SADDLES[
    c1.selectbox(
        "Surface",
        list(SADDLES),
        key=f"{PAGE}.land",
        bind="query-params",
        help="An ordinary saddle (curving down along y) or the monkey saddle, where even the curvature is zero.",
    )
]
offset = float(
    c2.select_slider(
        "Offset δ from the saddle (log scale)",
        options=OFFSETS,
        value=1e-4,
        key=f"{PAGE}.offset",
        bind="query-params",
        format_func=str,
        help="The start is the saddle moved by δ along y.",
    )
)
escape_lr = float(
    c3.select_slider(
        "Learning rate η (all but Newton)",
        options=ESCAPE_LRS,
        value=0.01,
        key=f"{PAGE}.lr",
        bind="query-params",
        format_func=str,
        help="Newton keeps its own step 0.5 and damping 0.1.",
    )
)
escape_area = st.container()

st.subheader("Basins of attraction")
b1, b2 = st.columns(2)
basin_land = SURFACES[
    b1.selectbox("Surface with several minima", list(SURFACES), key=f"{PAGE}.basin_land", bind="query-params")
]
resolution = int(
    b2.select_slider(
        "Grid of start points (per side)",
        options=list(basins.RESOLUTIONS),
        value=basins.RESOLUTIONS[0],
        key=f"{PAGE}.res",
        bind="query-params",
        format_func=str,
    )
)
left, right = st.columns(2)
opt_a = OPTIMIZERS[left.selectbox("Optimizer A", list(OPTIMIZERS), index=0, key=f"{PAGE}.opt_a", bind="query-params")]
lr_a = float(
    left.select_slider(
        "Learning rate of A", options=BASIN_LRS, value=0.01, key=f"{PAGE}.lr_a", bind="query-params", format_func=str
    )
)
opt_b = OPTIMIZERS[
    right.selectbox(
        "Optimizer B",
        list(OPTIMIZERS),
        index=list(OPTIMIZERS.values()).index("momentum"),
        key=f"{PAGE}.opt_b",
        bind="query-params",
    )
]
lr_b = float(
    right.select_slider(
        "Learning rate of B", options=BASIN_LRS, value=0.01, key=f"{PAGE}.lr_b", bind="query-params", format_func=str
    )
)
basin_area = st.container()
with notice:
    guard.finish()


@st.cache_data(show_spinner=False, max_entries=64)
def run_escape(surface: str, offset: float, lr: float) -> basins.EscapeStudy:
    """Every optimizer from the start near the saddle (cached by the three values)."""
    return basins.escape_study(surface, offset, lr)


@st.cache_resource(show_spinner=False, max_entries=64)
def escape_figures(surface: str, offset: float, lr: float) -> tuple[dict, list[dict]]:
    """Distance chart and the escape map's paths (shared, never mutated)."""
    study = run_escape(surface, offset, lr)
    return escape_distance_figure(study), escape_paths(study)


@st.cache_resource(show_spinner=False, max_entries=8)
def escape_map_surface(surface: str) -> SurfaceLayer:
    """The escape map's surface layer: only the surface shapes it, so δ and η re-send none of it (shared)."""
    return figure_surface(escape_surface(surface))


@st.cache_data(show_spinner=False, max_entries=32)
def run_basins(surface: str, optimizer: str, lr: float, resolution: int) -> basins.BasinMap:
    """One optimizer's basin map (one vmapped engine call over resolution² starts)."""
    return basins.basin_map(surface, optimizer, lr, resolution)


@st.cache_resource(show_spinner=False, max_entries=32)
def basin_chart(surface: str, a: tuple[str, float], b: tuple[str, float], resolution: int) -> dict:
    """Both basin maps side by side (shared, never mutated)."""
    maps = [run_basins(surface, key, lr, resolution) for key, lr in (a, b)]
    return basin_figure(maps, map_titles(a, b))


def map_titles(a: tuple[str, float], b: tuple[str, float]) -> list[str]:
    """Panel titles naming each optimizer and its learning rate."""
    return [f"{tag}: {optimizer_name(key)}, η = {lr:g}" for tag, (key, lr) in zip("AB", (a, b), strict=True)]


with escape_area:
    with st.spinner("Running every optimizer from the start next to the saddle…"):
        study = run_escape(surface, offset, escape_lr)
        dist_fig, escape_overlay = escape_figures(surface, offset, escape_lr)

    st.dataframe(pd.DataFrame(basins.escape_table(study)), hide_index=True, width="stretch")
    if study.estimate is not None:
        sgd_row = study.rows[0]
        st.markdown(
            f"Linear prediction for SGD here (|λ₂| = {study.escape_curvature:g}): ln(R/δ) / ln(1 + η|λ₂|) = "
            f"ln({basins.ESCAPE_RADIUS:g}/{offset:g}) / ln(1 + {escape_lr:g}·{study.escape_curvature:g}) ≈ "
            f"**{study.estimate:.0f}** steps; measured: **{'never' if sgd_row.escape is None else sgd_row.escape}**. "
            f"Each tenfold smaller δ adds about {study.per_decade:.0f} steps."
        )
    else:
        st.markdown(
            "On the monkey saddle the slope grows like the *square* of the distance, not in proportion to it, so "
            "there is no fixed growth factor per step: plain gradient descent drifts out painfully slowly, and "
            "methods that rescale the gradient by its size leave first."
        )
    g1, g2 = st.columns(2)
    g1.plotly_chart(PrebuiltFigure(dist_fig), width="stretch", key=f"{PAGE}.escape_distance")
    with g2:
        live_map(f"{PAGE}.escape_map", escape_map_surface(surface), overlay=escape_overlay, height=ESCAPE_MAP_HEIGHT)
    st.caption(
        f"A run escapes at the first step farther than R = {basins.ESCAPE_RADIUS:g} from the saddle (a square "
        "on the distance chart). Distances "
        "below 10⁻¹² (a run sitting on the saddle) are drawn at 10⁻¹²."
    )
    playground_link(basins.escape_scenario(study), "Open the escape runs in Playground")

with basin_area:
    pair_a, pair_b = (opt_a, lr_a), (opt_b, lr_b)
    with st.spinner(f"Running {2 * resolution**2:,} starts ({resolution} × {resolution} per optimizer)…"):
        map_a = run_basins(basin_land, opt_a, lr_a, resolution)
        map_b = run_basins(basin_land, opt_b, lr_b, resolution)
        basin_fig = basin_chart(basin_land, pair_a, pair_b, resolution)
    st.plotly_chart(PrebuiltFigure(basin_fig), width="stretch", key=f"{PAGE}.basins")
    st.dataframe(
        pd.DataFrame(basins.share_rows([map_a, map_b], map_titles(pair_a, pair_b))), hide_index=True, width="stretch"
    )
    st.caption(
        f"Each of the {resolution}² starts runs {basins.BASIN_STEPS} steps (all in one vmapped call per optimizer) "
        f"and is coloured by the minimum its last point is within {map_a.tol:.3g} of (1% of the plotted "
        "diagonal; on Rastrigin every local pit counts, found by Newton's method on each coordinate); grey: it "
        "ended elsewhere (still moving, or stuck on a saddle or a maximum); black: it diverged."
    )
    playground_link(basins.basin_scenario(basin_land, (pair_a, pair_b)), "Open A and B in Playground")
