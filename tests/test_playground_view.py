"""What the Playground shows a first-time visitor: a default view that teaches, sliders in reach,
readable names and ticks, helpful notices, equations as the engine computes them, full navigation."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
import streamlit

import optimizers
from charts.live_map import runs_payload
from engine.scenario import Scenario
from engine.simulate import resolve_landscape, simulate
from engine.summary import tolerance_note
from tests.apptest_helpers import (
    errors,
    live_maps,
    map_figure,
    notice,
    open_more_settings,
    path_of,
    run_app,
    run_panels,
    summary_rows,
)
from ui import playground_state as ps

ROUND_MANTISSAS = {1, 2, 5}


def hausdorff(a: np.ndarray, b: np.ndarray) -> float:
    """The largest distance from a point of one drawn path to the nearest point of the other."""
    d = np.linalg.norm(a[:, None, :].astype(np.float64) - b[None, :, :].astype(np.float64), axis=2)
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()))


def run_lines(figure: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every run's full path on the map, by name."""
    names = [
        t["name"] for t in figure["data"] if t.get("mode") == "lines" and t.get("legendgroup", "").startswith("run")
    ]
    return {name: path_of(figure, name) for name in names}


def himmelblau_gradient(x: np.ndarray) -> np.ndarray:
    """The gradient of (x² + y - 11)² + (x + y² - 7)², by hand."""
    px, py = x
    a, b = px**2 + py - 11, px + py**2 - 7
    return np.array([4 * px * a + 2 * b, 2 * a + 4 * py * b])


# ----- 1. the default view teaches at a glance ------------------------------------------------


def test_default_view_shows_four_different_routes_that_arrive_at_different_steps():
    """The title promises a playground of optimizers: by default their paths visibly differ and reach a minimum.

    Visibly different: every pair of drawn paths is at some point at least 3% of the plotted
    diagonal apart (about 25 px on the map), so no two runs hide on one curve.
    """
    at = run_app()
    assert errors(at) == []
    paths = run_lines(map_figure(at))
    assert len(paths) == 4
    (x0, x1), (y0, y1) = Scenario.default().surface.domain
    diagonal = float(np.hypot(x1 - x0, y1 - y0))
    for (a, pa), (b, pb) in itertools.combinations(paths.items(), 2):
        assert hausdorff(pa, pb) > 0.03 * diagonal, f"{a} and {b} lie on one curve"
    table = summary_rows(at)
    arrivals = [row["reached best minimum at step"] for row in table]
    assert any(step != "never" for step in arrivals), "no run reaches a minimum in the default steps"
    assert len(set(arrivals)) > 1, f"every run arrives at the same step: {arrivals}"
    assert all(row["diverged at step"] == "—" for row in table)


def test_default_surface_opens_at_its_own_start_with_a_clean_link():
    """The default start is the surface's default: the default link names only the surface and optimizers."""
    at = run_app()
    assert dict(at.query_params.items()) == {"land": Scenario.default().landscape, "opt": "sgd,momentum,rmsprop,adam"}
    same = run_app({"land": Scenario.default().landscape})
    assert run_lines(map_figure(same)).keys() == run_lines(map_figure(at)).keys()
    for name, path in run_lines(map_figure(at)).items():
        np.testing.assert_array_equal(path, run_lines(map_figure(same))[name])


# ----- 2. each run's defining sliders are in view ------------------------------------------------


def ancestors_of(node: Any, key: str, chain: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The blocks enclosing the widget with ``key`` (outermost first), or None where it is absent."""
    for child in getattr(node, "children", {}).values():
        if getattr(child, "key", None) == key and not hasattr(child, "children"):
            return chain
        found = ancestors_of(child, key, (*chain, child))
        if found is not None:
            return found
    return None


def test_each_runs_lr_and_defining_settings_are_visible_without_opening_anything():
    at = run_app()
    assert errors(at) == []
    for rid, key in enumerate(("sgd", "momentum", "rmsprop", "adam")):
        shown = ["lr"] + [p.name for p in optimizers.get(key).hypers if p.name in {"momentum", "rho", "beta1", "beta2"}]
        for name in shown:
            chain = ancestors_of(at.sidebar, ps.run_key(rid, name))
            assert chain is not None, f"{key}: no {name} widget in the sidebar"
            closed = [b.label for b in chain if b.type == "expander" and not b.proto.expandable.expanded]
            assert not closed, f"{key}'s {name} slider is inside the collapsed expander {closed}"
    # Rarer settings wait in a collapsed expander, drawn only once it is opened.
    assert ancestors_of(at.sidebar, ps.run_key(3, "eps")) is None
    chain = ancestors_of(open_more_settings(at, 3).sidebar, ps.run_key(3, "eps"))
    assert chain is not None and any(b.type == "expander" for b in chain)


def test_settings_in_a_closed_expander_keep_their_values():
    """A closed "More settings" draws no widgets, yet the run keeps what the link set there."""
    at = run_app({"opt": "sgd", "o1.weight_decay": "0.5", "o1.wd_mode": "decoupled", "o1.clip_norm": "2"})
    assert ancestors_of(at.sidebar, ps.run_key(0, "weight_decay")) is None
    at.select_slider(key=ps.run_key(0, "lr")).set_value(0.01).run()
    at.run()
    assert errors(at) == []
    kept = {k: at.query_params[k] for k in ("o1.weight_decay", "o1.wd_mode", "o1.clip_norm", "o1.lr")}
    assert kept == {"o1.weight_decay": "0.5", "o1.wd_mode": "decoupled", "o1.clip_norm": "2", "o1.lr": "0.01"}
    open_more_settings(at, 0)
    assert at.slider(key=ps.run_key(0, "clip_norm")).value == 2.0 and at.toggle(key=ps.run_key(0, "clip_on")).value


# ----- 3. and 4. no internal names; names that fit -----------------------------------------------


def test_no_internal_names_in_the_page_text():
    at = run_app()
    text = " ".join(e.value for e in (*at.caption, *at.markdown))
    assert not re.search(r"\btrace \d", text), "a Plotly trace index is shown to readers"
    for index, figure in enumerate([map_figure(at), map_figure(at, 1)]):
        # The map's own traces (runs, start) and the loss curves; the surface layer holds the rest.
        ours = [t for t in figure["data"] if t.get("legendgroup", "").startswith("run") or t.get("name") == "start"]
        for trace in ours if index == 0 else figure["data"]:
            for fmt in re.findall(r"%\{[xy]:([^}]*)\}", trace.get("hovertemplate", "")):
                assert "~" in fmt, f"hover numbers keep trailing zeros ('0.5000'): {trace['name']} uses {fmt}"


def test_optimizer_picker_names_fit_their_chips():
    """A chip shows about 17 characters in the sidebar before it cuts the name off."""
    at = run_app()
    picker = at.multiselect(key=ps.OPTS)
    assert len(picker.options) == len(optimizers.REGISTRY)
    too_long = [name for name in picker.options if len(name) > 17]
    assert not too_long, f"cut off in the picker: {too_long}"
    assert "Momentum" in picker.options


# ----- 5. the step slider ticks on round values ----------------------------------------------------


def is_round(value: int) -> bool:
    """1, 2 or 5 times a power of ten."""
    text = str(value).rstrip("0")
    return value > 0 and len(text) == 1 and int(text) in ROUND_MANTISSAS


@pytest.mark.parametrize("steps", [10, 37, 300, 500, 1000, 4990])
def test_animation_frames_sit_on_round_steps(steps):
    """The map's step control moves through round steps (0, 10, 20, ... for 500), and ends on the last step."""
    land = resolve_landscape("himmelblau")
    runs = simulate(land, "sgd", start=(0.5, -4.5), steps=steps)
    frames = runs_payload(runs, arrow_length=1.0)["frames"]
    stride = frames[1] - frames[0]
    assert is_round(stride) and frames[0] == 0 and frames[-1] == steps
    assert all(b - a == stride for a, b in itertools.pairwise(frames[:-1])), "evenly spaced frames"
    assert len(frames) <= 62


def test_default_map_animates_in_steps_of_ten():
    frames = map_figure(run_app())["live"]["paths"]["frames"]
    assert frames == list(range(0, 501, 10))


def read_tick(text: str) -> float:
    """The number a log-axis tick label shows: 0.5, 20, 10<sup>−6</sup> or 2×10<sup>−7</sup>."""
    match = re.fullmatch(r"(?:(\d)×)?10<sup>(−?\d+)</sup>", text)
    if match is None:
        return float(text)
    return float(match.group(1) or 1) * 10.0 ** int(match.group(2).replace("−", "-"))


@pytest.mark.parametrize("query", [{}, {"land": "rosenbrock"}])
def test_loss_axis_ticks_read_as_their_values(query):
    """Plotly's own log ticks read 10, 5, 2, 1, 5, 2, 10^-1 on a short axis: bare digits between powers."""
    at = run_app(query)
    axis = map_figure(at, 1)["layout"]["yaxis"]
    assert axis["type"] == "log" and len(axis["tickvals"]) >= 3
    for value, text in zip(axis["tickvals"], axis["ticktext"], strict=True):
        assert read_tick(text) == pytest.approx(value, rel=1e-9), f"{text!r} labels {value}"
    mantissas = {round(v / 10 ** np.floor(np.log10(v) + 1e-9)) for v in axis["tickvals"]}
    assert mantissas <= ROUND_MANTISSAS
    powers = [t for t in axis["ticktext"] if "<sup>" in t]
    assert not powers or all(t in ("1", "10") or "<sup>" in t for t in axis["ticktext"]), "one style per axis"


# ----- 6. notices that help ------------------------------------------------------------------------


def test_a_setting_without_its_run_points_at_the_real_key():
    at = run_app({"lr": "abc"})
    assert errors(at) == []
    assert "lr=abc (unknown setting; did you mean o1.lr?)" in notice(at)
    at = run_app({"momentum": "0.5", "stpes": "30"})
    assert "did you mean o2.momentum?" in notice(at) and "did you mean steps?" in notice(at)


def test_a_huge_garbage_link_gets_a_short_notice():
    """A few items, each cut short, then how many more: not a wall of the link's garbage."""
    garbage = "qwj#&<>%zk" * 6
    query = {f"{i}{garbage}": garbage * 2 for i in range(80)}
    assert len("&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())) > 5000
    at = run_app(query)
    assert errors(at) == [] and len(at.warning) == 1
    text = notice(at)
    assert "and 77 more" in text, "three unknown keys are named, then how many more"
    echoed = re.findall(r"[^\s=,]+", text.split(": ", 1)[1])
    assert max(len(word) for word in echoed) <= 30, "each echoed key is cut short"
    assert len(text) < 250, f"a {len(text)}-character notice"
    assert run_lines(map_figure(at)), "the defaults are drawn"


# ----- 7. equations as computed, in engine order ------------------------------------------------------


def shown_equations(at: Any, title: str) -> list[str]:
    """The LaTeX lines the page shows under the run titled ``title`` (one block per run, its lines stacked)."""
    blocks = next(p["equations"] for p in run_panels(at) if "equations" in p)
    out: list[str] = []
    for block in blocks:
        if block["title"].startswith(title):
            tex = block["tex"]
            assert tex.startswith(r"\begin{gathered}") and tex.endswith(r"\end{gathered}"), tex
            tex = tex.removeprefix(r"\begin{gathered}").removesuffix(r"\end{gathered}")
            out.extend(line.strip() for line in tex.split(r"\\[6pt]"))
    assert out, f"no equations shown for {title}"
    return out


def test_newton_under_l2_uses_one_symbol_for_its_hessian_and_the_engine_agrees():
    at = run_app({"opt": "newton", "o1.weight_decay": "0.5", "o1.lr": "0.5", "steps": "10"})
    assert errors(at) == []
    lines = shown_equations(at, "Newton")
    assert lines[0] == r"g_t = \nabla f(x_t)"
    define = lines.index(r"H_t = \nabla^2 f(x_t)")
    decay_g = next(i for i, line in enumerate(lines) if line.startswith(r"g_t \leftarrow g_t + 0.5\, x_t"))
    decay_h = next(i for i, line in enumerate(lines) if line.startswith(r"H_t \leftarrow H_t + 0.5\, I"))
    rule = next(i for i, line in enumerate(lines) if line.startswith("x_{t+1} ="))
    assert define < decay_g < decay_h < rule == len(lines) - 1
    assert r"\nabla^2" not in lines[rule] and r"\left(H_t + 0.1\, I\right)^{-1} g_t" in lines[rule]
    # What those lines say, computed by hand for the first step, is the engine's first step.
    x = np.array(Scenario.default().start, np.float64)
    px, py = x
    grad = np.array(
        [4 * px * (px**2 + py - 11) + 2 * (px + py**2 - 7), 2 * (px**2 + py - 11) + 4 * py * (px + py**2 - 7)]
    )
    hess = np.array([[12 * px**2 + 4 * py - 42, 4 * px + 4 * py], [4 * px + 4 * py, 4 * px + 12 * py**2 - 26]])
    g, h = grad + 0.5 * x, hess + 0.5 * np.eye(2)
    expected = x - 0.5 * np.linalg.solve(h + 0.1 * np.eye(2), g)
    np.testing.assert_allclose(path_of(map_figure(at), "Newton (damped)")[1], expected, rtol=1e-4)


def test_adamw_decoupled_decay_comes_after_the_rule_it_shrinks():
    at = run_app({"opt": "adamw", "o1.lr": "0.1", "o1.weight_decay": "0.2"})
    lines = shown_equations(at, "AdamW")
    rule = next(i for i, line in enumerate(lines) if re.search(r"x_\{t\+1\} &?= x_t", line))
    assert lines[-1] == r"x_{t+1} \leftarrow x_{t+1} - 0.1 \cdot 0.2\, x_t\quad\text{(decoupled decay)}"
    assert rule == len(lines) - 2, "the decay line follows the line that defines x_{t+1}"
    assert not any(r"\eta" in line for line in lines), "a constant lr is one number everywhere"


def test_decoupled_decay_as_shown_is_what_the_engine_computes():
    """SGD with decoupled decay: x1 = x0 - lr g0, then x1 <- x1 - lr * wd * x0, as the page prints it."""
    at = run_app({"opt": "sgd", "o1.lr": "0.001", "o1.weight_decay": "0.5", "o1.wd_mode": "decoupled"})
    lines = shown_equations(at, "SGD")
    assert lines[-2:] == [
        r"x_{t+1} = x_t - 0.001\, g_t",
        r"x_{t+1} \leftarrow x_{t+1} - 0.001 \cdot 0.5\, x_t\quad\text{(decoupled decay)}",
    ]
    x = np.array(Scenario.default().start, np.float64)
    step = x - 0.001 * himmelblau_gradient(x)
    step = step - 0.001 * 0.5 * x
    np.testing.assert_allclose(path_of(map_figure(at), "SGD")[1], step, rtol=1e-5)


def test_constant_lr_is_a_number_and_a_decaying_one_is_eta_t_defined_first():
    """With a constant schedule the lr is one number everywhere, decoupled decay included; a decaying
    schedule defines eta_t (from eta) before any line uses it."""
    decay = {"weight_decay": "0.1", "wd_mode": "decoupled"}
    query = {"opt": "sgd,sgd", "o2.schedule": "cosine", "o2.label": "cos"}
    for slot in (1, 2):
        query |= {f"o{slot}.lr": "0.002", **{f"o{slot}.{k}": v for k, v in decay.items()}}
    at = run_app(query)
    assert errors(at) == []
    constant = shown_equations(at, "SGD")
    assert constant == [
        r"g_t = \nabla f(x_t)",
        r"x_{t+1} = x_t - 0.002\, g_t",
        r"x_{t+1} \leftarrow x_{t+1} - 0.002 \cdot 0.1\, x_t\quad\text{(decoupled decay)}",
    ]
    cosine = shown_equations(at, "cos")
    assert cosine[1].startswith(r"\eta_t = ") and cosine[1].endswith(r"\eta = 0.002")
    assert cosine[2:] == [
        r"x_{t+1} = x_t - \eta_t\, g_t",
        r"x_{t+1} \leftarrow x_{t+1} - \eta_t \cdot 0.1\, x_t\quad\text{(decoupled decay)}",
    ]


# ----- 8. every lesson one click away --------------------------------------------------------------------


def test_navigation_is_always_fully_expanded(monkeypatch):
    """Streamlit folds a navigation of more than twelve pages behind "View N more" unless asked not to."""
    calls: list[dict[str, Any]] = []
    original = streamlit.navigation

    def recording(pages, **kwargs):
        calls.append({"pages": pages, **kwargs})
        return original(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording)
    at = run_app()
    assert errors(at) == [] and calls
    pages = sum(len(section) for section in calls[-1]["pages"].values())
    assert pages > 12, "the fold would apply: the test must see more than twelve pages"
    assert calls[-1].get("expanded") is True


@pytest.mark.parametrize("query", [{}, {"land": "rosenbrock", "o1.lr": "0.01"}], ids=["default", "diverging"])
def test_playground_map_follows_the_marker_language(query: dict[str, str]) -> None:
    """Crosses only for runs that diverged (named so), stars only for minima, faint click targets of their own shape."""
    from tests.figure_rules import colour_bar_problems, marker_problems

    at = run_app(query)
    assert errors(at) == []
    figs = [map_figure(at), map_figure(at, 1)]
    for fig in figs:
        assert marker_problems(fig) == []
        assert colour_bar_problems(fig) == []
    heads = [t["name"] for t in figs[0]["data"] if (t.get("marker") or {}).get("symbol") == "x"]
    assert bool(heads) == bool(query), heads
    assert all(name.endswith(" (diverged)") for name in heads), heads


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"": "1"}, "(no name) (unknown setting)", None),
        ({"o1.lr": "1e9"}, "o1.lr=1e9 (must be in [1e-05, 10])", "sgd.lr"),
    ],
    ids=["empty-name", "out-of-range"],
)
def test_notices_name_the_link_keys_a_reader_typed(query: dict[str, str], shown: str, hidden: str | None) -> None:
    """A notice quotes keys as they are in the link, never the engine's internal names, and never a blank."""
    at = run_app(query)
    assert errors(at) == []
    assert shown in notice(at)
    if hidden:
        assert hidden not in notice(at)


def test_headings_and_notes_are_drawn_inside_the_components():
    """The map's note, the loss chart's title and the run panel's headings and tolerance note reach the page.

    They are drawn by the components, not as Streamlit elements (``ui/run_panel.py`` says why), so
    a component that lost them would leave the page without its section headings.
    """
    at = run_app()
    the_map, loss_chart = live_maps(at)
    assert "Click anywhere on the map to start every run from there." in the_map["note"]
    assert (the_map["title"], loss_chart["title"], loss_chart["note"]) == ("", "Loss", "")
    (panel,) = run_panels(at)
    assert (panel["table_title"], panel["rules_title"]) == ("Summary", "Update rules, as computed")
    assert panel["note"] == tolerance_note(Scenario.default().surface)
    assert [h.value for h in at.subheader] == [], "a heading drawn as a Streamlit element costs every rerun"
