"""Lesson: the implicit regularization of SGD (flat-minimum share against batch size and lr; modified loss)."""

from __future__ import annotations

import streamlit as st

import landscapes
from charts.encoding import PrebuiltFigure
from charts.lessons.implicit import modified_overlay, modified_surface, share_figure
from charts.live_map import SurfaceLayer, figure_surface
from engine import budget
from engine.lessons import implicit as im
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map

PAGE = "implicit"
# Kept small on purpose: a step on the sharp-flat data set touches all 256 examples whatever B is,
# so a run costs about 6 µs per step on a 2-core CPU; 128 seeds x 8 minibatch sizes + 1 full-batch
# run x 100 steps is under a second per learning rate.
STEPS = [100, 200, 500]
SEEDS = list(im.SEED_OPTIONS)

land = landscapes.get(im.LANDSCAPE)
N = im.BATCH_SIZES[-1]

guard = UrlGuard(PAGE)
lesson_header(
    "Implicit regularization: small batches prefer flat minima",
    "This surface has two valleys of almost the same depth: a narrow, steep one and a wide, gentle one (the "
    "narrow one is even a little deeper, so depth gives no reason to leave it). Every run starts on the narrow "
    "valley's slope. Plain gradient descent follows the full gradient down into it and stays. Minibatch SGD "
    "sees a slightly different surface at every step, and in a steep valley those small differences become "
    "large kicks; with small batches and large steps the runs get thrown out and settle in the wide valley. "
    "The chart counts where the runs end for each batch size and learning rate. The map shows the surface that "
    "gradient descent with step η follows to first order: the loss plus a penalty on the squared gradient, "
    "which is largest on steep walls.",
    r"\tilde f(x)=f(x)+\frac{\eta}{4}\,\lVert\nabla f(x)\rVert^2,\qquad"
    r"\nabla^2\tilde f(x^\ast)=H+\frac{\eta}{2}H^2\ \text{ at a minimum } x^\ast",
)
st.caption(
    "Barrett & Dherin (2021), “Implicit Gradient Regularization”: the path of gradient descent with step η stays "
    "closer to the gradient flow of f̃ than to that of f, with an error of order η²."
)

c1, c2 = st.columns([3, 2])
lrs = c1.multiselect(
    "Learning rates (one line each)",
    options=list(im.LR_OPTIONS),
    default=list(im.DEFAULT_LRS),
    key=f"{PAGE}.lrs",
    bind="query-params",
    format_func=str,
    max_selections=4,
    help=f"Full-batch gradient descent converges to the sharp minimum only while η < 2/λ = {im.stability_limit():.3f}.",
)
map_lr = float(
    c2.select_slider(
        "η for the modified loss on the map",
        options=list(im.LR_OPTIONS),
        value=0.04,
        key=f"{PAGE}.map_lr",
        bind="query-params",
        format_func=str,
    )
)
c3, c4, c5 = st.columns(3)
steps = int(
    c3.select_slider(
        "Steps per run", options=STEPS, value=100, key=f"{PAGE}.steps", bind="query-params", format_func=str
    )
)
seeds = int(
    c4.select_slider(
        "Seeds per batch size",
        options=SEEDS,
        value=im.DEFAULT_SEEDS,
        key=f"{PAGE}.seeds",
        bind="query-params",
        format_func=str,
        help=f"Runs per minibatch size. At B = {N} every seed makes the same run, so that point is one run.",
    )
)
start_index = int(
    c5.selectbox(
        "Start",
        options=list(range(len(land.starts))),
        index=0,
        key=f"{PAGE}.start",
        bind="query-params",
        format_func=im.start_label,
        help="The first start lies on the sharp valley's slope; the others show that where a run starts matters too.",
    )
)
guard.finish()
start = tuple(map(float, land.starts[start_index]))
lrs = sorted(float(v) for v in lrs)


@st.cache_data(show_spinner=False, max_entries=128)
def shares_for(lr: float, steps: int, seeds: int, start_index: int) -> im.FlatShare:
    """One learning rate: every batch size x every seed in one vmapped call (cached per setting)."""
    return im.flat_share(lr, steps, seeds, land.starts[start_index])


@st.cache_data(show_spinner=False, max_entries=16)
def prediction_for(lr: float) -> tuple[tuple[im.ModifiedGrid, im.ModifiedGrid], im.Prediction]:
    """The modified loss on the map's two grids and its curvatures at the two minima."""
    return im.map_grids(lr), im.prediction(lr)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(lr: float) -> SurfaceLayer:
    """The modified loss on the map's two panels: depends on η alone (shared, never mutated)."""
    (grid, zoom), pred = prediction_for(lr)
    figure = modified_surface(grid, zoom, pred)
    return figure_surface(figure)


@st.cache_resource(show_spinner=False, max_entries=64)
def map_overlay(lr: float, steps: int, seeds: int, start_index: int) -> list[dict]:
    """The drawn runs, the minima and the start over the surface (shared, never mutated)."""
    _, pred = prediction_for(lr)
    runs = shares_for(lr, steps, seeds, start_index)
    return modified_overlay(pred, land.starts[start_index], runs.examples, N)


todo = lrs + ([] if map_lr in lrs else [map_lr])
plan = budget.fit_seeds(
    im.LANDSCAPE,
    "sgd",
    seeds,
    steps,
    seed_options=SEEDS,
    step_options=STEPS,
    runs_per_seed=len(im.BATCH_SIZES) - 1,
    extra_runs=1,
    calls=len(todo),
)
if plan.reduced:
    st.info(plan.notice(), icon=":material/speed:")
seeds, steps = plan.seeds, plan.steps
per_lr = (len(im.BATCH_SIZES) - 1) * seeds + 1
shares: list[im.FlatShare] = []
with st.spinner(f"Training {per_lr:,} SGD runs of {steps} steps at each of {len(todo)} learning rates…"):
    progress = st.progress(0.0)
    for i, lr in enumerate(todo):
        progress.progress(i / len(todo), text=f"η = {lr:g}: {per_lr:,} runs ({i + 1} of {len(todo)})")
        share = shares_for(lr, steps, seeds, start_index)
        if lr in lrs:
            shares.append(share)
    progress.progress(1.0, text=f"Drawing the modified loss for η = {map_lr:g}")
    _, pred = prediction_for(map_lr)
    surface = map_surface(map_lr)
    overlay = map_overlay(map_lr, steps, seeds, start_index)
    progress.empty()
drawn = shares_for(map_lr, steps, seeds, start_index)

left, right = st.columns([3, 2])
with left:
    st.subheader("Where the runs end")
    if shares:
        st.plotly_chart(PrebuiltFigure(share_figure(shares)), width="stretch", key=f"{PAGE}.shares")
        st.caption(
            f"{seeds} seeds per batch size, {steps} steps of SGD from {im.start_label(start_index)}; bars are "
            f"Wilson 95% intervals. A run ends in the flat valley when its end point lies nearer the flat minimum "
            f"than the sharp one, with distance measured by each valley's own steepness (a point must be very "
            f"close to the sharp minimum to count as inside its narrow valley). At B = {N} every seed sees the "
            "full batch and makes the same run, so that point is one run, with no interval."
        )
    else:
        st.info("Pick at least one learning rate to run.")
with right:
    if shares:
        st.markdown(im.claim_sentence(shares))
        st.markdown("**What the runs do.** " + im.agreement_sentence(shares))

st.subheader(f"What gradient descent with η = {map_lr:g} follows")
live_map(f"{PAGE}.map", surface, overlay=overlay, height=surface.layout["height"])
st.caption(
    "Colours: the modified loss f̃ (log scale). Dotted lines: the plain loss f at the same levels. Where the "
    "dotted lines sit farther from a minimum than the coloured bands, the penalty has steepened the valley, as "
    "the close-up of the sharp valley shows. Lines: runs with this η from the same start, named in the legend: "
    "at the batch size whose share is closest to one half, one run that ends in the flat valley and one that "
    f"does not (where both happen), and the full-batch run (B = {N}); dots mark where they end."
)
st.markdown("**What the modified loss predicts.** " + im.prediction_sentence(pred))

st.info(
    "**What this shows, and what it does not.** It shows, on one two-dimensional toy surface built for the "
    "purpose, that small batches and large steps make SGD leave a narrow valley for a wide one of about the same "
    "depth, while full-batch gradient descent from the same start stays put. It does not prove that this "
    "happens in real networks with millions of parameters. The drawn modified loss is a first-order result for "
    "full-batch gradient descent with a small step; it says nothing exact about large steps, and the extra term "
    "that minibatch noise adds for SGD (Smith et al. 2021) is not drawn. Nothing here is about generalization: "
    "there is no test set, so the claim that flat minima generalize better is neither shown nor tested.",
    icon=":material/info:",
)

link_run = drawn.examples[0] if drawn.examples else None
if link_run is not None:
    playground_link(
        im.playground_scenario(map_lr, link_run.batch_size, steps, start, link_run.seed),
        label=f"Open a drawn run in Playground (η = {map_lr:g}, B = {link_run.batch_size}, seed {link_run.seed})",
    )
