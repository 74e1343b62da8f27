"""Playground: pick a surface and optimizers, drag the sliders, watch the paths."""

from __future__ import annotations

import html

import streamlit as st

import landscapes
import optimizers
from charts.encoding import PrebuiltFigure
from charts.palette import run_colour
from core.i18n import N_, language, translator
from engine.config import all_params
from engine.scenario import CUSTOM, LANDSCAPE_KEYS, MAX_RUNS, SPEEDS, to_query
from engine.summary import summary_table, tolerance_note
from landscapes.custom import formula_notice
from landscapes.formula import MAX_LENGTH
from optimizers.options import WD_MODES
from optimizers.schedules import SCHEDULES
from ui import playground_state as ps
from ui.animation_export import animation_buttons
from ui.live_map import live_chart, live_map
from ui.live_map import scrub_choice as live_map_choice
from ui.markdown import escape_markdown, notice_text
from ui.param_widgets import param_widget
from ui.playground_state import shown_label
from ui.playground_view import FRAME_MS, build_surface, build_view, scenario_key, scrub_payload, shown_table
from ui.run_panel import RuleBlock, run_panel
from ui.share import copy_link_button, share_url, sync_query_params

_ = translator("app")
state = st.session_state
MAP_KEY = "pg.map"
VIEW = "pg-view"  # the fragment that draws the view (draw_view); a bare string here would show on the page


def rerun_view() -> None:
    """A setting that changes only the view was moved: rerun the view fragment, not the page.

    A full rerun also redraws every widget in the sidebar, which costs the browser more than the
    view itself (``benchmarks/live_map_bench.py``).
    """
    st.rerun(VIEW)


def rerun_page() -> None:
    """A value the sidebar shows was set from the view (the map's slider or speed menu): redraw it all."""
    st.rerun()


ps.start_session(state, st.query_params.to_dict())
ps.seed_widgets(state, state[ps.SCENARIO])

SCHEDULE_LABELS = {
    "constant": N_("constant"),
    "step": N_("step decay"),
    "exponential": N_("exponential"),
    "cosine": N_("cosine"),
    "warmup_cosine": N_("warm-up + cosine"),
}
SCHEDULE_PARAMS = {
    "step": ("decay_every", "decay_rate"),
    "exponential": ("decay_every", "decay_rate"),
    "cosine": ("final_lr_ratio",),
    "warmup_cosine": ("warmup_steps", "final_lr_ratio"),
}

# ---------------------------------------------------------------- sidebar controls
with st.sidebar:
    st.header(_("Surface"))
    st.selectbox(
        _("Landscape"),
        options=list(LANDSCAPE_KEYS),
        format_func=lambda k: _("Custom formula…") if k == CUSTOM else landscapes.get(k).name_text(),
        key=ps.LAND,
        on_change=ps.on_landscape_change,
        args=(state,),
    )
    if state[ps.LAND] == CUSTOM:
        with st.form("pg.formula_form", border=False):
            st.text_input(
                "f(x, y) =",
                key=ps.FORMULA_INPUT,
                max_chars=MAX_LENGTH,
                help=_("Numbers, x, y, pi, e, + - * / **, and the functions {functions}.").format(
                    functions="sin cos tan exp log sqrt abs tanh sinh cosh arctan minimum maximum"
                ),
            )
            d = st.columns(4)
            for i, name in enumerate((_("x min"), _("x max"), _("y min"), _("y max"))):
                d[i].number_input(name, -1e4, 1e4, key=f"{ps.DOMAIN_INPUT}{i}", format="%g")
            st.form_submit_button(_("Apply"), on_click=ps.on_formula_submit, args=(state,))
        if state.get(ps.FORMULA_ERROR):
            shown = _("{error} — still showing f = {formula}")
            st.error(escape_markdown(shown.format(error=state[ps.FORMULA_ERROR], formula=state[ps.FORMULA])))
    land = ps.current_surface(state)
    for p in land.params:
        param_widget(p, ps.land_key(p.name), label=p.label_text(dash=True))
    if land.is_dataset:
        size = land.data(land.resolve({p.name: state[ps.land_key(p.name)] for p in land.params})).size
        help = _("B = {size} is full-batch gradient descent").format(size=size)
        st.slider(_("Batch size B"), 1, size, key=ps.BATCH, help=help)
        st.number_input(_("Minibatch seed"), 0, 2**31 - 1, step=1, key=ps.SEED)

    st.header(_("Optimizers"))
    st.multiselect(
        _("Compare"),
        options=list(optimizers.REGISTRY),
        format_func=lambda k: optimizers.get(k).short_name_text(),
        key=ps.OPTS,
        on_change=ps.on_optimizers_change,
        args=(state,),
        max_selections=MAX_RUNS,
        placeholder=_("Choose one or more"),
    )
    if state.get(ps.OPTS_NOTICE):
        st.caption(_(state[ps.OPTS_NOTICE]))
    for index, rid in enumerate(state[ps.RUN_IDS]):
        spec = optimizers.get(state[ps.run_key(rid, "key")])
        main, rare = ps.split_settings(spec)
        with st.container(border=True, key=f"pg-run-{rid}"):
            # The run's colour on the map beside its name; the label is the user's text, escaped here.
            title = html.escape(f"{index + 1}. {shown_label(state[ps.run_key(rid, 'label')], spec)}")
            st.html(f'<b><span style="color:{run_colour(index)}">&#9679;</span> {title}</b>')
            for p in main:
                param_widget(
                    p,
                    ps.run_key(rid, p.name),
                    label=p.label_text(),
                    on_change=rerun_view,
                )
            more = st.expander(_("More settings"), key=ps.run_key(rid, "more"), on_change="rerun")
            if not more.open:
                # Drawn only when open: every widget in the sidebar costs the browser a redraw on each move
                # (about 1 ms of its main thread per slider, benchmarks/live_map_bench.py), open or not.
                continue
            with more:
                st.text_input(_("Label"), key=ps.run_key(rid, "label"), max_chars=40)
                for p in rare:
                    param_widget(
                        p,
                        ps.run_key(rid, p.name),
                        label=p.label_text(),
                        on_change=rerun_view,
                    )
                options = all_params(spec)
                st.radio(
                    _("Weight decay"),
                    WD_MODES,
                    key=ps.run_key(rid, "wd_mode"),
                    horizontal=True,
                    format_func=lambda m: _("L2 (in the gradient)") if m == "l2" else _("decoupled (AdamW)"),
                    on_change=rerun_view,
                )
                param_widget(
                    options["weight_decay"],
                    ps.run_key(rid, "weight_decay"),
                    label="weight_decay λ",
                    on_change=rerun_view,
                )
                if st.toggle(
                    _("Clip gradient norm"),
                    key=ps.run_key(rid, "clip_on"),
                    on_change=ps.on_clip_toggle,
                    args=(state, rid),
                ):
                    param_widget(
                        options["clip_norm"], ps.run_key(rid, "clip_norm"), label=_("max norm c"), on_change=rerun_view
                    )
                schedule = st.selectbox(
                    _("Schedule"),
                    SCHEDULES,
                    key=ps.run_key(rid, "schedule"),
                    format_func=lambda s: _(SCHEDULE_LABELS[s]),
                )
                for name in SCHEDULE_PARAMS.get(schedule, ()):
                    param_widget(options[name], ps.run_key(rid, name), on_change=rerun_view)
                left, right = st.columns(2)
                left.button(
                    _("Duplicate"),
                    key=f"dup{rid}",
                    on_click=ps.on_duplicate,
                    args=(state, rid),
                    disabled=len(state[ps.RUN_IDS]) >= MAX_RUNS,
                    width="stretch",
                )
                right.button(
                    _("Remove"),
                    key=f"rm{rid}",
                    on_click=ps.on_remove,
                    args=(state, rid),
                    width="stretch",
                    disabled=len(state[ps.RUN_IDS]) <= 1,
                )

    st.header(_("Run"))
    start_box = st.container()  # the view fragment draws the start inputs here: a map click moves them
    st.slider(_("Steps"), 10, 5000, step=10, key=ps.STEPS, on_change=rerun_view)
    st.select_slider(
        _("Animation speed"), options=list(SPEEDS), key=ps.SPEED, format_func=lambda s: f"×{s}", on_change=rerun_view
    )

# ---------------------------------------------------------------- main view
st.title(_("Descent Lab · Playground"))
if state.get(ps.NOTICE):
    st.warning(notice_text(state[ps.NOTICE]), icon=":material/warning:")
if note := formula_notice(land):
    st.info(note, icon=":material/texture:")
# What changes only with the surface or by its own click stays outside the view fragment, so a move does
# not draw it again (the formula is typeset by KaTeX on every draw); the fragment fills link_box.
head_left, link_box = st.columns([3, 1])
head_left.markdown(f"**{land.name_text()}** — ${land.latex}$")
VIEWS = {"Contour map": N_("Contour map"), "3D surface": N_("3D surface")}
mode = st.segmented_control(
    _("View"),
    list(VIEWS),
    default="Contour map",
    format_func=lambda v: _(VIEWS[v]),
    key="pg.view",
    label_visibility="collapsed",
)
MAP_NOTE = N_(
    "▶ Play animates the paths; the step slider goes to any step. Drag the setting slider above the map: the path "
    "follows each of its values at once, and letting go keeps the value. The arrows at a step show directions only "
    "(all the same length): downhill −∇f (dotted), the step actually taken (red) and the momentum (dashed). Click "
    "anywhere on the map to start every run from there."
)


@st.fragment(key=VIEW)
def draw_view() -> None:
    """Everything the runs' settings change: the start inputs, the link, the map, the loss, the summary, the equations.

    A run's setting reruns only this fragment (:func:`rerun_view`); the sidebar keeps its widgets.
    """
    land = ps.current_surface(state)
    with start_box:
        (x0, x1), (y0, y1) = land.domain
        start = st.container(horizontal=True)  # one block; columns would be three
        start.number_input(_("start x"), float(x0), float(x1), step=(x1 - x0) / 100, format="%.4f", key=ps.START_X)
        start.number_input(_("start y"), float(y0), float(y1), step=(y1 - y0) / 100, format="%.4f", key=ps.START_Y)
    scenario = ps.read_scenario(state)
    ps.remember(state, scenario)
    query = to_query(scenario)
    sync_query_params(query)
    key = scenario_key(scenario)
    running = _("Running {runs} optimizer(s) for {steps} steps on {surface} and drawing the map…")
    with st.spinner(running.format(runs=len(scenario.runs), steps=scenario.steps, surface=land.name_text())):
        view = build_view(key, language())

    with link_box:
        copy_link_button(share_url(query))

    # Headings and notes are drawn by the components (the map's note, the loss chart's title, the run panel's
    # headings): the browser draws every Streamlit element on the page again at each rerun, changed or not
    # (renderer CPU: about 2.5 ms per heading or caption, 1 ms per column or container; benchmarks/element_cost.py).
    if mode == "3D surface":
        st.plotly_chart(PrebuiltFigure(build_surface(key, language())), width="stretch", key="pg.surface")
    else:
        live_map(
            MAP_KEY,
            view.surface,
            overlay=view.overlay,
            paths=view.paths,
            scrub=scrub_payload(scenario, live_map_choice(MAP_KEY)),
            speed={
                "options": [{"value": s, "label": f"×{s}", "ms": FRAME_MS[s]} for s in SPEEDS],
                "value": scenario.speed,
            },
            note=_(MAP_NOTE),
            on_click=lambda x, y: ps.on_map_click(state, x, y),
            on_commit=lambda target, value: (ps.on_scrub_commit(state, target, value), rerun_page()),
            on_speed=lambda speed: (ps.on_speed(state, speed), rerun_page()),
        )
    live_chart("pg.loss", view.loss_layout, view.loss_curves, title=_("Loss"))

    colours = [run_colour(i) for i in range(len(scenario.runs))]
    run_panel(
        "pg.runs",
        rows=shown_table(summary_table(view.rows), scenario),
        colours=colours,
        note=tolerance_note(land),
        rules=[
            RuleBlock(
                title=run.spec.name_text() if run.label == run.spec.name else f"{run.label} · {run.spec.name_text()}",
                paper=run.spec.paper_text(),
                colour=colour,
                # A run's lines stacked in the order the engine applies them.
                tex=r"\begin{gathered}" + r" \\[6pt] ".join(lines) + r"\end{gathered}",
            )
            for run, lines, colour in zip(scenario.runs, view.equations, colours, strict=True)
        ],
    )

    exports = st.container(horizontal=True)
    # on_click="ignore": a download changes nothing on the page, so it must not rerun the view (a rerun
    # would also replace the other buttons' deferred files while a quick second click still holds the old ones).
    exports.download_button(
        _("Download paths (CSV)"), view.csv, file_name="descent-lab-paths.csv", mime="text/csv", on_click="ignore"
    )
    exports.download_button(
        _("Download scenario (JSON)"),
        view.json,
        file_name="descent-lab-scenario.json",
        mime="application/json",
        on_click="ignore",
    )
    animation_buttons(exports, view)


draw_view()
