"""Sweeps: hyperparameter phase diagrams and start-point maps, one click from a cell to its path."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

import landscapes
import optimizers
from charts.encoding import PrebuiltFigure
from charts.live_map import SurfaceLayer, figure_surface
from charts.sweeps import (
    CLICK_TRACES,
    cell_path_overlay,
    cell_path_surface,
    plot_coords,
    start_figure,
    sweep_figure,
    with_selection,
)
from core.numbers import exact_text, number_text
from core.param import Param
from engine import bowl_theory, budget, sweeps
from engine.config import OptimizerRun
from engine.grid import surface_grid
from engine.simulate import Trajectory, default_tolerance
from engine.sweeps import SweepAxis, SweepMap
from ui import sweep_ranges
from ui.lesson import UrlGuard, lesson_header, playground_link
from ui.live_map import live_map
from ui.markdown import escape_markdown
from ui.param_widgets import log_grid

PAGE = "sweep"
# Widgets bound to the URL store the shown label there, so labels are short. Landscapes and
# optimizers show their display names but are linked by registry key (see ``registry_select``).
MODES = {"map": "Hyperparameters", "compare": "Compare two", "starts": "Start points"}
METRIC_LABELS = {"loss": "Final loss", "arrival": "Steps to arrive", "diverged": "Divergence step"}
START_METRIC_LABELS = {"basin": "Which minimum", "arrival": "Steps to arrive", "loss": "Final loss"}
CELL_OPTIONS = [8, 16, 24, 32, 48, 64, 96, 128]
# Session-state key of the clicked cell: which map, and the cell's axis values (or start point).
SELECTED = f"{PAGE}.cell"

state = st.session_state


def key(name: str) -> str:
    """Widget key (and URL parameter) of control ``name``."""
    return f"{PAGE}.{name}"


def landscape_name(land_key: str) -> str:
    """What the landscape selector shows for ``land_key``."""
    return landscapes.get(land_key).name


def optimizer_name(opt_key: str) -> str:
    """What the optimizer selectors show for ``opt_key``."""
    return optimizers.get(opt_key).name


def registry_select(label: str, name: str, registry: dict, default: str, shown: Any, **kwargs: Any) -> str:
    """A selector of a registry entry (landscape or optimizer) that shows display names, linked by key.

    The link holds the registry key (``sweep.land=minibatch``, the Playground's spelling);
    the selector shows the display name ("Minibatch regression"), and a link may use either.
    Streamlit's own URL binding would put the shown name in the link, so this selector keeps
    the link itself: it reads it on the first draw and writes it after every draw (nothing
    for the default). A value it cannot place is dropped from the link, so the page's
    :class:`ui.lesson.UrlGuard` reports it.
    """
    k = key(name)
    wanted = st.query_params.get(k)
    if k not in state:
        by_name = {shown(entry): entry for entry in registry}
        entry = wanted if wanted in registry else by_name.get(wanted)  # type: ignore[arg-type]
        state[k] = entry or default
    options = list(registry)
    if state.get(k) not in options:
        state[k] = default
    value = st.selectbox(label, options, format_func=shown, key=k, **kwargs)
    if value == default:
        if k in st.query_params:
            del st.query_params[k]
    elif st.query_params.get(k) != value:
        st.query_params[k] = value
    return value


def forget(*names: str, prefix: str | None = None) -> None:
    """Drop widget values so those widgets start again from their (new) defaults."""
    for name in names:
        state.pop(key(name), None)
    if prefix is not None:
        for k in [k for k in state if str(k).startswith(key(prefix))]:
            del state[k]


def setting_widget(param: Param, name: str, default: float, label: str | None = None) -> float:
    """A URL-bound widget for one number: a log select slider, 'off' + log values for clipping, or a slider."""
    label = label or (f"{param.name} ({param.help})" if param.help else param.name)
    if param.name == "clip_norm":
        options = [0.0, *log_grid(0.01, param.high)]
        value = sweep_ranges.snap(default, options)
        return float(
            st.select_slider(
                label,
                options,
                value=value,
                key=key(name),
                bind="query-params",
                format_func=lambda v: "off" if v == 0 else exact_text(v),
            )
        )
    if param.log and param.low > 0:
        options = log_grid(param.low, param.high, default)
        return float(
            st.select_slider(label, options, value=default, key=key(name), bind="query-params", format_func=exact_text)
        )
    if param.integer:
        return float(
            st.slider(label, int(param.low), int(param.high), int(default), key=key(name), bind="query-params")
        )
    span = param.high - param.low
    step = float(f"{10 ** math.floor(math.log10(span / 1000)):.0e}")
    decimals = max(0, -math.floor(math.log10(step)))
    return float(
        st.slider(
            label,
            float(param.low),
            float(param.high),
            float(default),
            step=step,
            format=f"%.{decimals}f",
            key=key(name),
            bind="query-params",
        )
    )


def axis_widgets(role: str, opt: str, choices: Sequence[str], default_name: str) -> SweepAxis:
    """Setting, range and scale of one axis ("x" or "y"); the range options follow the setting and scale."""
    name = st.selectbox(
        f"{role} axis",
        choices,
        index=choices.index(default_name),
        key=key(role),
        bind="query-params",
        on_change=on_axis_change,
        args=(role,),
    )
    param = sweeps.param_of(opt, name)
    default = sweeps.default_axis(opt, name)
    log = st.toggle(
        "log scale", value=default.log, key=key(f"{role}log"), bind="query-params", on_change=forget, args=(f"{role}r",)
    )
    if log and param.high <= 0:
        log = False
    options = sweep_ranges.range_options(param, log)
    if log == default.log:
        initial = (sweep_ranges.snap(default.low, options), sweep_ranges.snap(default.high, options))
    else:
        initial = (options[0], options[-1])
    low, high = st.select_slider(
        f"{name} range",
        options,
        value=initial,
        key=key(f"{role}r"),
        bind="query-params",
        format_func=exact_text,
    )
    low, high = sweep_ranges.ordered_range(low, high, options)
    return SweepAxis(name, low, high, log)


def fixed_settings(opt: str, skip: Sequence[str], prefix: str) -> dict[str, float]:
    """Sliders for every sweepable setting of ``opt`` that is not an axis; returns their values."""
    defaults = OptimizerRun.build(opt).values
    values = {}
    for name in sweeps.sweepable(opt):
        if name in skip:
            continue
        values[name] = setting_widget(sweeps.param_of(opt, name), f"{prefix}.{name}", defaults[name])
    return values


def on_axis_change(role: str) -> None:
    """A new setting on an axis: its own default range and scale; the y axis yields if x took its setting."""
    forget(f"{role}r", f"{role}log")
    if role == "x" and state.get(key("x")) == state.get(key("y")):
        forget("y", "yr", "ylog")


def on_landscape_change() -> None:
    """A new surface: its own parameter defaults and start point; a clicked cell no longer applies."""
    forget("sx", "sy", "batch", prefix="lp.")
    state.pop(SELECTED, None)


def on_optimizer_change() -> None:
    """A new optimizer: its own axes, ranges and fixed settings."""
    forget("x", "xr", "xlog", "y", "yr", "ylog", prefix="h.")
    state.pop(SELECTED, None)


def digest(*parts: Any) -> str:
    """A short stable tag for chart keys (a new map gets a fresh click state)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def pick_handler(chart_key: str, which: str, xs: np.ndarray, ys: np.ndarray, x: SweepAxis, y: SweepAxis):
    """The ``on_select`` callback of one map: remember the clicked cell's axis values (or start point)."""

    def pick() -> None:
        event = state.get(chart_key)
        points = (event or {}).get("selection", {}).get("points", []) if hasattr(event, "get") else []
        for point in reversed(points):
            if point.get("curve_number") not in CLICK_TRACES:
                continue
            cell = sweeps.cell_from_click(point, xs, ys, x, y)
            if cell is not None:
                row, col = cell
                state[SELECTED] = {"which": which, "point": (float(xs[col]), float(ys[row]))}
                return

    return pick


# ----------------------------------------------------------------------------- cached computation


@st.cache_data(show_spinner=False, max_entries=48)
def compute_map(
    land: str,
    lp: tuple,
    opt: str,
    settings: tuple,
    x: tuple,
    y: tuple,
    cells: int,
    steps: int,
    start: tuple,
    batch: int | None,
) -> SweepMap:
    """One hyperparameter map (one vmapped call), cached by its plain settings."""
    return sweeps.hyper_sweep(
        land,
        dict(lp),
        opt,
        dict(settings),
        SweepAxis(*x),
        SweepAxis(*y),
        cells,
        cells,
        start=start,
        steps=steps,
        batch_size=batch,
    )


@st.cache_resource(show_spinner=False, max_entries=48)
def map_figure(args: tuple, metric: str, theory: bool, zrange: tuple | None, title: str) -> dict:
    """The heatmap figure of the map ``compute_map(*args)`` (shared between sessions; never mutated)."""
    m = compute_map(*args)
    overlay = None
    if theory:
        overlay = bowl_theory.theory_overlay(m.landscape, m.landscape_params, m.optimizer, m.settings, m.x, m.y)
    symbols = {p.name: p.name for p in optimizers.get(m.optimizer).hypers}
    return sweep_figure(
        m.metric(metric),
        m.x,
        m.y,
        m.xs,
        m.ys,
        metric,
        m.final_loss,
        m.first_hit,
        m.diverged_at,
        overlay=overlay,
        zrange=zrange,
        title=title,
        symbols=symbols,
    )


@st.cache_data(show_spinner=False, max_entries=32)
def compute_starts(land: str, lp: tuple, opt: str, settings: tuple, cells: int, steps: int, batch: int | None):
    """One start-point map (one vmapped call), cached by its plain settings."""
    return sweeps.start_sweep(land, dict(lp), opt, dict(settings), cells, steps=steps, batch_size=batch)


@st.cache_resource(show_spinner=False, max_entries=32)
def starts_figure(args: tuple, metric: str) -> dict:
    """The start-point map figure (shared, never mutated)."""
    m = compute_starts(*args)
    land = landscapes.get(m.landscape)
    z = m.basin.astype(np.float64) if metric == "basin" else m.metric(metric)
    grid = surface_grid(land, m.landscape_params)
    return start_figure(
        land, m.landscape_params, grid, z, m.xs, m.ys, metric, m.minima, m.final_loss, m.first_hit, m.diverged_at
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def path_surface(land: str, lp: tuple) -> SurfaceLayer:
    """The contour map a cell's path is drawn on: one per surface, whichever cell is chosen (shared)."""
    surface, values = landscapes.get(land), dict(lp)
    figure = cell_path_surface(surface, values, surface_grid(surface, values))
    return figure_surface(figure)


@st.cache_resource(show_spinner=False, max_entries=64)
def path_run(
    land: str, lp: tuple, opt: str, settings: tuple, start: tuple, steps: int, batch
) -> tuple[Trajectory, list[dict]]:
    """A cell's path, re-run alone with ``simulate``, and its traces over the surface (shared, never mutated)."""
    run = sweeps.run_cell(land, dict(lp), opt, dict(settings), start, steps, batch)
    return run, cell_path_overlay(run)


# ----------------------------------------------------------------------------- controls

guard = UrlGuard(PAGE)
lesson_header(
    "Sweeps: where does an optimizer work at all?",
    "One run answers what happens at one setting. A sweep runs the optimizer once for every cell of a grid of "
    "settings and colours each cell by how its run ended, so the whole working region appears at once: where the "
    "loss ends low, where the steps are too timid to arrive in time, and the edge past which the steps grow and the "
    "run flies off the map. Every cell of a map runs in a single vectorised, compiled call. On the ill-conditioned "
    "bowl the edge is known in closed form: heavy-ball momentum settles only while the learning rate times the "
    "steepest curvature stays below 2(1 + μ), and the dashed line draws that boundary over the measured map so the "
    "two can be checked against each other. Click a cell to see its path on the surface, then open it in the "
    "Playground to animate it. The start-point map asks the same question about where you begin instead of how you "
    "step.",
    r"v_{t+1} = \mu\, v_t + \nabla f(x_t),\qquad x_{t+1} = x_t - \eta\, v_{t+1}",
)
st.latex(
    r"\text{on } f(x) = \tfrac12 x^{\top} H x:\quad \text{converges} \iff 0 \le \mu < 1 \ \text{ and }\ "
    r"0 < \eta\,\lambda_{\max}(H) < 2(1+\mu)"
)
st.latex(
    r"\text{fastest: }\ \eta^{*} = \frac{4}{\left(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}}\right)^{2}},\quad "
    r"\mu^{*} = \left(\frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}\right)^{2},\quad \kappa = "
    r"\frac{\lambda_{\max}}{\lambda_{\min}}"
)

top_left, top_mid, top_right = st.columns([1.3, 1.3, 1])
mode = top_left.radio(
    "What to map", list(MODES), format_func=MODES.get, horizontal=True, key=key("mode"), bind="query-params"
)
if mode == "starts":
    metric = top_mid.radio(
        "Colour by",
        list(START_METRIC_LABELS),
        format_func=START_METRIC_LABELS.get,
        horizontal=True,
        key=key("smetric"),
        bind="query-params",
    )
else:
    metric = top_mid.radio(
        "Colour by",
        list(METRIC_LABELS),
        format_func=METRIC_LABELS.get,
        horizontal=True,
        key=key("metric"),
        bind="query-params",
    )

with st.sidebar:
    st.header("Surface")
    land_key = registry_select(
        "Landscape", "land", landscapes.REGISTRY, "bowl", landscape_name, on_change=on_landscape_change
    )
    land = landscapes.get(land_key)
    lp = {p.name: setting_widget(p, f"lp.{p.name}", p.default) for p in land.params}
    values = land.resolve(lp)
    data = land.data(values)
    batch = None
    if data is not None:
        batch = int(
            st.slider(
                "Batch size B",
                1,
                data.size,
                data.size,
                key=key("batch"),
                bind="query-params",
                help=f"B = {data.size} is full-batch gradient descent; minibatches use seed 0",
            )
        )

    st.header("Optimizer")
    opt = registry_select(
        "Optimizer", "opt", optimizers.REGISTRY, "momentum", optimizer_name, on_change=on_optimizer_change
    )
    x_axis = y_axis = None
    if mode in ("map", "compare"):
        choices = sweeps.sweepable(opt)
        x_axis = axis_widgets("x", opt, choices, "lr")
        y_choices = [n for n in choices if n != x_axis.name]
        y_default = sweeps.default_y(opt)
        y_axis = axis_widgets("y", opt, y_choices, y_default if y_default in y_choices else y_choices[0])
        with st.expander("Fixed settings", expanded=False):
            fixed = fixed_settings(opt, (x_axis.name, y_axis.name), "h")
    else:
        with st.expander("Settings", expanded=True):
            fixed = fixed_settings(opt, (), "h")

    opt2 = None
    fixed2: dict[str, float] = {}
    if mode == "compare":
        st.header("Second optimizer")
        opt2 = registry_select(
            "Compare with",
            "opt2",
            optimizers.REGISTRY,
            "adam",
            optimizer_name,
            on_change=forget,
            kwargs={"prefix": "h2."},
        )
        x2, y2 = sweeps.compare_axes(opt2, x_axis, y_axis)
        with st.expander("Its fixed settings", expanded=False):
            fixed2 = fixed_settings(opt2, (x2.name, y2.name), "h2")

    st.header("Grid")
    asked_cells = st.select_slider(
        "Cells per axis",
        CELL_OPTIONS,
        value=32,
        key=key("n"),
        bind="query-params",
        help="up to 128 x 128 runs; a request over the page's compute budget runs fewer (a note says so)",
    )
    asked_steps = st.slider("Steps", 10, sweeps.MAX_SWEEP_STEPS, 300, step=10, key=key("steps"), bind="query-params")
    start = None
    if mode != "starts":
        (x0, x1), (y0, y1) = land.domain
        sx, sy = land.starts[0]
        c1, c2 = st.columns(2)
        start = (
            float(
                c1.number_input(
                    "start x",
                    float(x0),
                    float(x1),
                    float(sx),
                    step=(x1 - x0) / 100,
                    format="%.3f",
                    key=key("sx"),
                    bind="query-params",
                )
            ),
            float(
                c2.number_input(
                    "start y",
                    float(y0),
                    float(y1),
                    float(sy),
                    step=(y1 - y0) / 100,
                    format="%.3f",
                    key=key("sy"),
                    bind="query-params",
                )
            ),
        )

theory_applies = mode != "starts" and (
    bowl_theory.theory_overlay(land_key, values, opt, fixed, x_axis, y_axis) is not None
    or (mode == "compare" and bowl_theory.theory_overlay(land_key, values, opt2, fixed2, x2, y2) is not None)
)
theory = top_right.toggle(
    "Show theory",
    value=True,
    key=key("theory"),
    bind="query-params",
    disabled=not theory_applies,
    help="Theoretical convergence boundary and optimum: gradient descent and heavy-ball momentum on the bowl",
)
guard.finish()

# ----------------------------------------------------------------------------- budget

# Every view gets a bounded amount of server time: a request over it runs fewer cells (then
# fewer steps), and a note says what was cut and why. The widgets keep what was asked for.
mapped = [opt] if mode != "compare" else [opt, opt2]
plan = budget.fit_grid(land_key, mapped, asked_cells, asked_steps, cell_options=CELL_OPTIONS)
cells, steps = int(plan.cells or asked_cells), plan.steps
if plan.reduced:
    st.info(plan.notice("map"), icon=":material/speed:")

# ----------------------------------------------------------------------------- maps

lp_items = tuple(sorted(values.items()))
selected = state.get(SELECTED)
tol = default_tolerance(land)
MISSING = {
    "loss": "Colour: how far the final loss sits above the best known minimum, on a log scale. Grey: the run diverged.",
    "arrival": f"Colour: the first step at which the run came within {number_text(tol, 3)} of the best minimum. "
    f"Grey: it never did within {steps} steps.",
    "diverged": "Colour: the step at which the run left the map (its loss or position blew up). Grey: it never "
    "diverged.",
}


def path_caption(run, tolerance: float) -> str:
    """What happened on the drawn path, numbers written by :func:`core.numbers.number_text`."""
    loss = number_text(float(run.loss[-1]))
    if run.diverged_at is not None:
        return f"This run diverged at step {run.diverged_at}; its last finite loss was {loss}."
    if run.first_hit is not None:
        arrived = f"came within {number_text(tolerance, 3)} of the best minimum at step {run.first_hit}"
    else:
        arrived = f"did not come within {number_text(tolerance, 3)} of the best minimum"
    return f"This run {arrived}; its loss is {loss} after {run.steps} steps."


def show_path(surface: str, opt_key: str, settings: dict, start_pt: tuple, title: str, scenario) -> None:
    """Draw one cell's path beside the map, and the link that opens it in the Playground."""
    run, overlay = path_run(surface, lp_items, opt_key, tuple(sorted(settings.items())), start_pt, steps, batch)
    layer = path_surface(surface, lp_items)
    st.markdown(f"**{escape_markdown(title)}**")
    live_map(key("path"), layer, overlay=overlay, height=layer.layout["height"])
    st.caption(path_caption(run, tol))
    playground_link(scenario)


def spinner_text(keys: Sequence[str], n: int, step_count: int, x: SweepAxis | None = None, y=None) -> str:
    """The progress line naming what is computed, e.g. "Ill-conditioned bowl: running Adam 1,024 times (...)…"."""
    who = " and ".join(optimizer_name(k) for k in keys)
    each = " each" if len(keys) > 1 else ""
    if x is None or y is None:
        grid = f"from {n * n:,} start points on a {n} × {n} grid"
    else:
        grid = f"{n * n:,} times{each}, once per cell of a {n} × {n} grid of {x.name} and {y.name}"
    return f"{land.name}: running {who} {grid}, {step_count} steps per run…"


def map_args(opt_key: str, settings: dict, x: SweepAxis, y: SweepAxis) -> tuple:
    """The plain, hashable arguments of ``compute_map`` for one map of this page's surface and grid."""
    return (
        land_key,
        lp_items,
        opt_key,
        tuple(sorted(settings.items())),
        tuple(vars(x).values()),
        tuple(vars(y).values()),
        cells,
        steps,
        start,
        batch,
    )


try:
    if mode in ("map", "compare"):
        maps = [map_args(opt, fixed, x_axis, y_axis)]
        if mode == "compare":
            maps.append(map_args(opt2, fixed2, x2, y2))
        with st.spinner(spinner_text(mapped, cells, steps, x_axis, y_axis)):
            results = [compute_map(*a) for a in maps]
        zrange = None
        if mode == "compare":
            z = np.concatenate([r.metric(metric).ravel() for r in results])
            z = z[np.isfinite(z)]
            zrange = (float(z.min()), float(z.max())) if z.size else None

        which, row_col = 0, None
        if selected and str(selected.get("which")) in {str(i) for i in range(len(results))}:
            which = int(selected["which"])
            r = results[which]
            row_col = sweeps.nearest_cell(r.xs, r.ys, r.x, r.y, selected["point"])
        if row_col is None:
            which, row_col = 0, results[0].best_cell()
        row, col = row_col

        columns = st.columns(2) if mode == "compare" else st.columns([1.15, 1])
        for i, (args, result) in enumerate(zip(maps, results, strict=True)):
            title = optimizers.get(result.optimizer).name if mode == "compare" else ""
            fig = map_figure(args, metric, bool(theory and theory_applies), zrange, title)
            point = None
            if i == which:
                point = (float(plot_coords(result.x, result.xs[col])), float(plot_coords(result.y, result.ys[row])))
            chart_key = key(f"map{i}.{digest(args, metric)}")
            with columns[i]:
                st.plotly_chart(
                    PrebuiltFigure(with_selection(fig, point)),
                    width="stretch",
                    key=chart_key,
                    on_select=pick_handler(chart_key, str(i), result.xs, result.ys, result.x, result.y),
                    selection_mode="points",
                    config={"displaylogo": False, "displayModeBar": False},
                )
        st.caption(
            MISSING[metric] + f" {cells} × {cells} runs of {steps} steps per map, each map one vectorised call. "
            "Click a cell to draw its path; until then the path is the cell that came near the minimum first."
        )
        if mode == "compare":
            a, b = results
            same = (
                "the same axes"
                if (a.x.name, a.y.name) == (b.x.name, b.y.name)
                else (f"{b.x.name} × {b.y.name} in place of {a.x.name} × {a.y.name}")
            )
            st.caption(
                f"Right map: {optimizers.get(b.optimizer).name} over {same}, ranges "
                f"[{number_text(b.x.low, 3)}, {number_text(b.x.high, 3)}] × [{number_text(b.y.low, 3)}, "
                f"{number_text(b.y.high, 3)}]; both maps share one colour scale."
            )
        for result in results:
            overlay = (
                bowl_theory.theory_overlay(
                    result.landscape, result.landscape_params, result.optimizer, result.settings, result.x, result.y
                )
                if theory and theory_applies
                else None
            )
            if overlay is not None:
                st.info(overlay.caption, icon=":material/functions:")

        chosen = results[which]
        cell_settings = chosen.cell_settings(row, col)
        title = (
            f"{optimizers.get(chosen.optimizer).name}: {chosen.x.name} = {number_text(chosen.xs[col])}, "
            f"{chosen.y.name} = {number_text(chosen.ys[row])}"
        )
        holder = columns[1] if mode == "map" else st.columns([1, 1])[0]
        with holder:
            show_path(land_key, chosen.optimizer, cell_settings, tuple(start), title, chosen.cell_scenario(row, col))
    else:
        args_s = (land_key, lp_items, opt, tuple(sorted(fixed.items())), cells, steps, batch)
        with st.spinner(spinner_text(mapped, cells, steps)):
            result = compute_starts(*args_s)
        row_col = None
        if selected and selected.get("which") == "starts":
            row_col = sweeps.nearest_cell(result.xs, result.ys, *result.axes, selected["point"])
        if row_col is None:
            # Until a cell is clicked: the cell holding the landscape's usual start point.
            row_col = sweeps.nearest_cell(result.xs, result.ys, *result.axes, land.starts[0])
        row, col = row_col if row_col is not None else result.best_cell()
        left, right = st.columns([1.15, 1])
        chart_key = key(f"starts.{digest(args_s, metric)}")
        with left:
            st.plotly_chart(
                PrebuiltFigure(with_selection(starts_figure(args_s, metric), result.cell_start(row, col))),
                width="stretch",
                key=chart_key,
                on_select=pick_handler(chart_key, "starts", result.xs, result.ys, *result.axes),
                selection_mode="points",
                config={"displaylogo": False, "displayModeBar": False},
            )
            if metric == "basin":
                st.caption(
                    f"Colour: the known minimum a run ended within {number_text(result.tolerance, 3)} of, "
                    f"starting from that cell. Dark: it ended near none of them after {steps} steps; red: it diverged."
                )
            else:
                st.caption(MISSING[metric])
        start_pt = result.cell_start(row, col)
        with right:
            show_path(
                land_key,
                opt,
                dict(result.settings),
                start_pt,
                f"{optimizers.get(opt).name} from ({number_text(start_pt[0], 3)}, {number_text(start_pt[1], 3)})",
                result.cell_scenario(row, col),
            )
except ValueError as err:
    st.error(f"These settings cannot be swept: {err}", icon=":material/warning:")
