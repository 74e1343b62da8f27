"""Sweeps: hyperparameter phase diagrams and start-point maps, one click from a cell to its path."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from charts.encoding import PrebuiltFigure
from charts.sweeps import with_selection
from core.i18n import translator
from core.numbers import number_text
from engine.sweeps import SweepAxis
from ui.lesson import lesson_header, playground_link
from ui.lessons.sweeps import (
    ChosenCell,
    SweepsPage,
    SweepsScenario,
    cell_path,
    choose_cell,
    clicked_point,
    landscape_name,
    optimizer_name,
    page_view,
    sweep_setup,
)
from ui.live_map import live_map
from ui.markdown import escape_markdown
from ui.sweep_form import SELECTED, SweepsForm, forget

PAGE = SweepsScenario.PAGE
_ = translator("app")
state = st.session_state


def key(name: str) -> str:
    """Widget key (and URL parameter) of control ``name``."""
    return f"{PAGE}.{name}"


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


def pick_handler(chart_key: str, which: str, view: SweepsPage, panel: int) -> Callable[[], None]:
    """The ``on_select`` callback of one map: remember the clicked cell's axis values (or start point)."""

    def pick() -> None:
        event = state.get(chart_key)
        points = (event or {}).get("selection", {}).get("points", []) if hasattr(event, "get") else []
        point = clicked_point(points, view.panels[panel])
        if point is not None:
            state[SELECTED] = {"which": which, "point": point}

    return pick


# ----------------------------------------------------------------------------- controls

form = SweepsForm()
lesson_header(
    _("Sweeps: where does an optimizer work at all?"),
    _(
        "One run answers what happens at one setting. A sweep runs the optimizer once for every cell of a grid of"
        " settings and colours each cell by how its run ended, so the whole working region appears at once: where"
        " the loss ends low, where the steps are too timid to arrive in time, and the edge past which the steps "
        "grow and the run flies off the map. Every cell of a map runs in a single vectorised, compiled call. On "
        "the ill-conditioned bowl the edge is known in closed form: heavy-ball momentum settles only while the "
        "learning rate times the steepest curvature stays below 2(1 + μ), and the dashed line draws that boundary"
        " over the measured map so the two can be checked against each other. Click a cell to see its path on the"
        " surface, then open it in the Playground to animate it. The start-point map asks the same question about"
        " where you begin instead of how you step."
    ),
    r"v_{t+1} = \mu\, v_t + \nabla f(x_t),\qquad x_{t+1} = x_t - \eta\, v_{t+1}",
)
st.latex(
    r"\text{"
    + _("on")
    + r" } f(x) = \tfrac12 x^{\top} H x:\quad \text{"
    + _("converges")
    + r"} \iff 0 \le \mu < 1 \ \text{ "
    + _("and")
    + r" }\ 0 < \eta\,\lambda_{\max}(H) < 2(1+\mu)"
)
st.latex(
    r"\text{"
    + _("fastest:")
    + r" }\ \eta^{*} = \frac{4}{\left(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}}\right)^{2}},\quad "
    r"\mu^{*} = \left(\frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}\right)^{2},\quad \kappa = "
    r"\frac{\lambda_{\max}}{\lambda_{\min}}"
)

top_left, top_mid, top_right = st.columns([1.3, 1.3, 1])
mode = form.widget("mode", top_left, horizontal=True)
form.widget("smetric" if mode == "starts" else "metric", top_mid, horizontal=True)

with st.sidebar:
    st.header(_("Surface"))
    form.widget("land", on_change=on_landscape_change)
    for name in form.names("lp."):
        form.tuned(name)
    if form.has("batch"):
        form.tuned("batch")

    st.header(_("Optimizer"))
    form.widget("opt", on_change=on_optimizer_change)
    if mode in ("map", "compare"):
        for role in ("x", "y"):
            form.tuned(role, on_change=on_axis_change, args=(role,))
            form.tuned(f"{role}log", on_change=forget, args=(f"{role}r",))
            form.tuned(f"{role}r")
        with st.expander(_("Fixed settings"), expanded=False):
            for name in form.names("h."):
                form.tuned(name)
    else:
        with st.expander(_("Settings"), expanded=True):
            for name in form.names("h."):
                form.tuned(name)
    if mode == "compare":
        st.header(_("Second optimizer"))
        form.widget("opt2", on_change=forget, kwargs={"prefix": "h2."})
        with st.expander(_("Its fixed settings"), expanded=False):
            for name in form.names("h2."):
                form.tuned(name)

    st.header(_("Grid"))
    form.widget("n")
    form.widget("steps")
    if mode != "starts":
        c1, c2 = st.columns(2)
        form.tuned("sx", c1)
        form.tuned("sy", c2)

setup = sweep_setup(form.current())
form.widget("theory", top_right, disabled=not setup.theory_applies)
scenario = form.finish()

# ----------------------------------------------------------------------------- budget

# Every view gets a bounded amount of server time: a request over it runs fewer cells (then
# fewer steps), and a note says what was cut and why. The widgets keep what was asked for.
cells, steps = setup.maps[0].cells, setup.maps[0].steps
if setup.plan.reduced:
    st.info(setup.plan.notice("map"), icon=":material/speed:")

# ----------------------------------------------------------------------------- maps

tol = setup.tolerance
MISSING = {
    "loss": _(
        "Colour: how far the final loss sits above the best known minimum, on a log scale. Grey: the run diverged."
    ),
    "arrival": _(
        "Colour: the first step at which the run came within {tolerance} of the best minimum. "
        "Grey: it never did within {steps} steps."
    ).format(tolerance=number_text(tol, 3), steps=steps),
    "diverged": _(
        "Colour: the step at which the run left the map (its loss or position blew up). Grey: it never diverged."
    ),
}


def spinner_text(n: int, step_count: int, x: SweepAxis | None = None, y: SweepAxis | None = None) -> str:
    """The progress line naming what is computed, e.g. "Ill-conditioned bowl: running Adam 1,024 times (...)…"."""
    keys = [request.optimizer for request in setup.maps]
    who = _(" and ").join(optimizer_name(k) for k in keys)
    surface, count = landscape_name(scenario.land), f"{n * n:,}"
    if x is None or y is None:
        text = _("{surface}: running {who} from {count} start points on a {n} × {n} grid, {steps} steps per run…")
        return text.format(surface=surface, who=who, count=count, n=n, steps=step_count)
    if len(keys) > 1:
        text = _(
            "{surface}: running {who} {count} times each, once per cell of a {n} × {n} grid of {x} and {y}, "
            "{steps} steps per run…"
        )
    else:
        text = _(
            "{surface}: running {who} {count} times, once per cell of a {n} × {n} grid of {x} and {y}, "
            "{steps} steps per run…"
        )
    return text.format(surface=surface, who=who, count=count, n=n, x=x.name, y=y.name, steps=step_count)


def path_caption(run, tolerance: float) -> str:
    """What happened on the drawn path, numbers written by :func:`core.numbers.number_text`."""
    loss = number_text(float(run.loss[-1]))
    if run.diverged_at is not None:
        return _("This run diverged at step {step}; its last finite loss was {loss}.").format(
            step=run.diverged_at, loss=loss
        )
    if run.first_hit is not None:
        text = _(
            "This run came within {tolerance} of the best minimum at step {hit}; "
            "its loss is {loss} after {steps} steps."
        )
    else:
        text = _(
            "This run did not come within {tolerance} of the best minimum; its loss is {loss} after {steps} steps."
        )
    return text.format(tolerance=number_text(tolerance, 3), hit=run.first_hit, loss=loss, steps=run.steps)


def show_path(view: SweepsPage, cell: ChosenCell, title: str) -> None:
    """Draw the chosen cell's path beside the map, and the link that opens it in the Playground."""
    path = cell_path(view, cell)
    st.markdown(f"**{escape_markdown(title)}**")
    live_map(key("path"), path.surface, overlay=path.overlay, height=path.surface.layout["height"])
    st.caption(path_caption(path.run, tol))
    playground_link(cell.playground)


def draw_map(view: SweepsPage, cell: ChosenCell, panel: int, which: str) -> None:
    """One clickable map, the chosen cell marked on it if it is on this one."""
    shown = view.panels[panel]
    chart_key = key(f"map{panel}.{shown.chart_tag}" if which != "starts" else f"starts.{shown.chart_tag}")
    marker = cell.marker if cell.panel == panel else None
    st.plotly_chart(
        PrebuiltFigure(with_selection(shown.figure, marker)),
        width="stretch",
        key=chart_key,
        on_select=pick_handler(chart_key, which, view, panel),
        selection_mode="points",
        config={"displaylogo": False, "displayModeBar": False},
    )


try:
    request = setup.maps[0]
    with st.spinner(spinner_text(cells, steps, request.x, request.y)):
        view = page_view(scenario)
    cell = choose_cell(view, state.get(SELECTED))
    metric = view.setup.metric
    if mode in ("map", "compare"):
        columns = st.columns(2) if mode == "compare" else st.columns([1.15, 1])
        for i in range(len(view.panels)):
            with columns[i]:
                draw_map(view, cell, i, str(i))
        st.caption(
            MISSING[metric]
            + " "
            + _(
                "{cells} × {cells} runs of {steps} steps per map, each map one vectorised call. Click a cell to draw "
                "its path; until then the path is the cell that came near the minimum first."
            ).format(cells=cells, steps=steps)
        )
        if mode == "compare":
            a, b = (panel.result for panel in view.panels)
            same = (
                _("the same axes")
                if (a.x.name, a.y.name) == (b.x.name, b.y.name)
                else _("{bx} × {by} in place of {ax} × {ay}").format(bx=b.x.name, by=b.y.name, ax=a.x.name, ay=a.y.name)
            )
            ranges = (
                f"[{number_text(b.x.low, 3)}, {number_text(b.x.high, 3)}] × "
                f"[{number_text(b.y.low, 3)}, {number_text(b.y.high, 3)}]"
            )
            st.caption(
                _("Right map: {optimizer} over {same}, ranges {ranges}; both maps share one colour scale.").format(
                    optimizer=optimizer_name(b.optimizer), same=same, ranges=ranges
                )
            )
        for panel in view.panels:
            if panel.theory_caption is not None:
                st.info(panel.theory_caption, icon=":material/functions:")

        chosen = view.panels[cell.panel].result
        title = (
            f"{optimizer_name(chosen.optimizer)}: {chosen.x.name} = {number_text(chosen.xs[cell.col])}, "
            f"{chosen.y.name} = {number_text(chosen.ys[cell.row])}"
        )
        holder = columns[1] if mode == "map" else st.columns([1, 1])[0]
        with holder:
            show_path(view, cell, title)
    else:
        result = view.panels[0].result
        left, right = st.columns([1.15, 1])
        with left:
            draw_map(view, cell, 0, "starts")
            if metric == "basin":
                st.caption(
                    _(
                        "Colour: the known minimum a run ended within {tolerance} of, starting from that cell. "
                        "Dark: it ended near none of them after {steps} steps; red: it diverged."
                    ).format(tolerance=number_text(result.tolerance, 3), steps=steps)
                )
            else:
                st.caption(MISSING[metric])
        with right:
            x0, y0 = cell.start
            start_text = f"({number_text(x0, 3)}, {number_text(y0, 3)})"
            show_path(
                view,
                cell,
                _("{optimizer} from {start}").format(optimizer=optimizer_name(cell.optimizer), start=start_text),
            )
except ValueError as err:
    st.error(_("These settings cannot be swept: {error}").format(error=err), icon=":material/warning:")
