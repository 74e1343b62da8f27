"""Lesson: minibatch noise on the regression data set (gradient fan, cloud of runs, spread against B)."""

from __future__ import annotations

import streamlit as st

import landscapes
from charts.encoding import PrebuiltFigure
from charts.lessons.noise import Window, fan_figure, noise_overlay, noise_surface, spread_figure, zoom_window
from charts.live_map import SurfaceLayer, figure_surface
from engine.lessons import noise
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map

PAGE = "noise"
LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0]
STEPS = [100, 200, 500, 1000]
SEEDS = [64, 128, 256, 512, 1024]

land = landscapes.get(noise.LANDSCAPE)
N = noise.data_size()
SIZES = list(noise.batch_sizes(N))
(X0, X1), (Y0, Y1) = land.domain
START = land.starts[0]

guard = UrlGuard(PAGE)
lesson_header(
    "Minibatch noise: many small samples of one gradient",
    f"The loss here is the mean error of a straight-line fit over {N} data points, so the true gradient is an "
    "average over all of them. A minibatch of B points gives a cheaper estimate of that average: right on "
    "average, but off by a random amount that grows as B shrinks. The arrows beside the map show this at one "
    "point: the white arrow is the full-batch direction, the blue ones are minibatches of the chosen size. Run "
    "the same optimizer from that point with hundreds of different shuffles and the paths fan out into a cloud; where "
    "they end scatters around the minimum. With B = N every shuffle sees the same full batch, so all runs "
    "follow the one gradient-descent path and the scatter disappears.",
    r"g_B(x)=\frac{1}{B}\sum_{i\in\mathcal{B}_t}\nabla\ell_i(x),\qquad"
    r"\mathbb{E}\,g_B=\nabla f,\qquad"
    r"\mathbb{E}\,\lVert g_B-\nabla f\rVert^2=\frac{N-B}{B\,(N-1)}\,\operatorname{tr}\Sigma",
)
st.caption(
    "Σ is the covariance of the per-example gradients ∇ℓᵢ at x. The factor (N − B)/(B(N − 1)) is the one for "
    "drawing B of N examples without replacement, as each epoch's shuffle does; it is 0 at B = N."
)


def _moved(x: float, y: float) -> None:
    """A click on the map moves the point (the start of every run), to the three decimals its inputs show."""
    point = noise.clicked_point(x, y, land.domain)
    if point is not None:
        st.session_state[f"{PAGE}.x"] = round(point[0], 3)
        st.session_state[f"{PAGE}.y"] = round(point[1], 3)


c1, c2, c3 = st.columns(3)
batch = int(
    c1.select_slider(
        "Batch size B",
        options=SIZES,
        value=8,
        key=f"{PAGE}.batch",
        bind="query-params",
        format_func=str,
        help=f"B = {N} is full-batch gradient descent.",
    )
)
lr = float(
    c2.select_slider("Learning rate η", options=LRS, value=0.1, key=f"{PAGE}.lr", bind="query-params", format_func=str)
)
sigma = float(
    c3.slider(
        "Noise in the data σ",
        0.0,
        2.0,
        0.5,
        0.1,
        key=f"{PAGE}.sigma",
        bind="query-params",
        help="Standard deviation of the targets around the true line. With σ = 0 every point lies on the line, "
        "so at the minimum every example agrees and the minibatch gradients vanish there too.",
    )
)
c4, c5, c6, c7 = st.columns(4)
x = float(
    c4.number_input(
        "Point x (slope w)", X0, X1, float(START[0]), 0.05, format="%.3f", key=f"{PAGE}.x", bind="query-params"
    )
)
y = float(
    c5.number_input(
        "Point y (intercept b)", Y0, Y1, float(START[1]), 0.05, format="%.3f", key=f"{PAGE}.y", bind="query-params"
    )
)
steps = int(
    c6.select_slider("Steps", options=STEPS, value=500, key=f"{PAGE}.steps", bind="query-params", format_func=str)
)
seeds = int(
    c7.select_slider(
        "Seeds (runs per batch size)",
        options=SEEDS,
        value=256,
        key=f"{PAGE}.seeds",
        bind="query-params",
        format_func=str,
    )
)
left, right = st.columns([3, 2])
view = left.segmented_control(
    "Map view",
    ["whole surface", "end points"],
    default="whole surface",
    key=f"{PAGE}.view",
    bind="query-params",
    help="Zoom the map on where the runs end (the contour is the same surface).",
)
guard.finish()
# Canonical cache keys: a slider's 0.1 steps arrive as 0.30000000000000004, a typed point with more
# digits than the three shown; both would otherwise miss the cache for the same visible setting.
sigma, x, y = round(sigma, 2), round(x, 3), round(y, 3)
values = land.resolve({"noise": sigma})
zoom = view == "end points"


@st.cache_data(show_spinner=False, max_entries=32)
def spread_data(sigma: float, lr: float, x: float, y: float, steps: int, seeds: int) -> noise.SpreadCurve:
    """Every run of the page: len(SIZES) x seeds runs in one vmapped call, end points and thinned paths."""
    return noise.spread_curve({"noise": sigma}, lr, (x, y), steps, seeds)


@st.cache_data(show_spinner=False, max_entries=64)
def fan_data(sigma: float, x: float, y: float, batch: int) -> tuple[noise.Fan, float]:
    """The gradient fan at the point and the RMS deviation the formula predicts for it."""
    values = {"noise": sigma}
    return noise.fan((x, y), batch, values), noise.predicted_spread((x, y), batch, values)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(sigma: float, window: Window | None) -> SurfaceLayer:
    """The map's surface layer: depends on σ and the window only (shared between sessions, never mutated)."""
    figure = noise_surface(land, {"noise": sigma}, window=window)
    return figure_surface(figure)


@st.cache_resource(show_spinner=False, max_entries=64)
def map_overlay(sigma: float, lr: float, x: float, y: float, steps: int, seeds: int, batch: int) -> list[dict]:
    """The runs drawn over the surface (shared between sessions, never mutated)."""
    return noise_overlay((x, y), spread_data(sigma, lr, x, y, steps, seeds), batch)


with st.spinner(f"Training {seeds} SGD runs of {steps} steps at each of {len(SIZES)} batch sizes…"):
    curve = spread_data(sigma, lr, x, y, steps, seeds)
    fan, predicted = fan_data(sigma, x, y, batch)
    surface = map_surface(sigma, zoom_window(curve, batch, land) if zoom else None)
    overlay = map_overlay(sigma, lr, x, y, steps, seeds, batch)

full_norm = float((fan.full**2).sum() ** 0.5)
with left:
    live_map(f"{PAGE}.map", surface, overlay=overlay, height=surface.layout["height"], on_click=_moved)
    st.caption(
        "Click the map to move the point. Thin white lines: every seed's path from the point; orange dots: where "
        "they end; red: full-batch gradient descent, which every seed follows when B = N."
    )
with right:
    st.markdown("**The gradients at the point**")
    st.plotly_chart(PrebuiltFigure(fan_figure(fan, predicted, batch)), width="stretch", key=f"{PAGE}.fan")
    st.markdown(noise.fan_sentence(fan, predicted))
    st.caption(
        f"Arrows start at the point and share one scale, in gradient units: the full-batch gradient has length "
        f"{full_norm:.3g}; the blue ones are the first minibatch (B = {batch}) of the runs with seeds "
        f"0–{len(fan.minibatch) - 1}. Dotted circle: the scatter the formula expects around the white tip."
    )
    st.markdown("**Where the runs end**")
    st.plotly_chart(PrebuiltFigure(spread_figure(curve, batch)), width="stretch", key=f"{PAGE}.spread")
    st.markdown(noise.spread_sentence(curve, batch))
    st.caption(
        "Each point of the chart is one batch size run with every seed, all sizes in one vmapped engine call. "
        "A larger learning rate takes larger noisy steps, so the cloud widens with η as well."
    )

playground_link(noise.playground_scenario(values, lr, (x, y), steps, batch))
