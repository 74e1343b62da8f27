"""Learning-rate schedules side by side: the lr curves against optax, the page's claims, and the page."""

from __future__ import annotations

import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import optax
from streamlit.testing.v1 import AppTest

import landscapes
from charts.encoding import decode
from engine.config import OptimizerRun
from engine.lessons import schedules as sch
from engine.scenario import from_query, to_query
from engine.simulate import simulate
from optimizers.schedules import SCHEDULES
from tests.apptest_helpers import errors, figures, live_maps, map_figure, notice
from tests.figure_rules import colour_bar_problems, marker_problems
from ui.lessons.schedules import ScheduleScenario, build

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lesson_schedules.py")


DEFAULTS = {"decay_every": 100.0, "decay_rate": 0.5, "warmup_steps": 50.0, "final_lr_ratio": 0.0}


def optax_schedules(lr: float, steps: int, s: dict[str, float]) -> list[np.ndarray]:
    """The five schedules from optax, in the page's order, at steps 0 .. steps-1 (float32 settings)."""
    f = np.float32
    lr32, rate, alpha = f(lr), f(s["decay_rate"]), f(s["final_lr_ratio"])
    every, warm = int(s["decay_every"]), int(s["warmup_steps"])
    schedules = [
        optax.constant_schedule(lr32),
        optax.exponential_decay(lr32, every, rate, staircase=True),
        optax.exponential_decay(lr32, every, rate),
        optax.cosine_decay_schedule(lr32, steps, alpha=alpha),
        optax.warmup_cosine_decay_schedule(0.0, lr32, warm, steps, alpha * lr32),
    ]
    t = jnp.arange(steps)
    return [np.broadcast_to(np.asarray(sched(t), np.float32), (steps,)) for sched in schedules]


def test_lr_curves_equal_optax_schedules():
    for settings in (DEFAULTS, {"decay_every": 30.0, "decay_rate": 0.8, "warmup_steps": 120.0, "final_lr_ratio": 0.1}):
        study = sch.schedule_study("rosenbrock", "momentum", 0.002, 300, settings)
        expected = optax_schedules(0.002, 300, settings)
        for run, spec, reference, (label, used, planned) in zip(
            study.trajectories, study.runs, expected, sch.lr_curves(study), strict=True
        ):
            assert run.diverged_at is None and label == run.label
            np.testing.assert_allclose(run.lr, reference, rtol=1e-5, atol=1e-7 * 0.002, err_msg=label)
            np.testing.assert_array_equal(used, run.lr)
            np.testing.assert_allclose(planned, reference, rtol=1e-5, atol=1e-7 * 0.002)
            assert spec.choices.schedule in sch.SCHEDULE_LABELS


def test_warm_up_alone_survives_a_large_peak_rate_on_rosenbrock():
    """The page's claim: Rosenbrock, momentum, η = 0.003 (default settings) -- only warm-up + cosine survives."""
    study = sch.schedule_study("rosenbrock", "momentum", 0.003, 500, DEFAULTS)
    diverged = {run.label: run.diverged_at for run in study.trajectories}
    assert diverged.pop("warm-up + cosine") is None
    assert all(step is not None for step in diverged.values())
    (_, used, planned), *_ = sch.lr_curves(study)
    assert len(used) == study.trajectories[0].diverged_at and len(planned) == 500


def least_squares_loss() -> float:
    """The minibatch regression's lowest loss, from its data by numpy (not from the landscape's minima)."""
    data = landscapes.get("minibatch").data(landscapes.get("minibatch").resolve())
    t, y = data.inputs[:, 0].astype(np.float64), data.targets.astype(np.float64)
    design = np.column_stack([t, np.ones_like(t)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(0.5 * np.mean((design @ coef - y) ** 2))


def final_gaps(key: str, lr: float, settings: dict, batch: int, seeds: int, steps: int = 500) -> np.ndarray:
    """Final loss above the least-squares loss, (seeds, 5) in the page's schedule order, straight from the engine."""
    land = landscapes.get("minibatch")
    runs = [OptimizerRun.build(key, {"lr": lr, **settings, "schedule": name}) for name in SCHEDULES]
    best = least_squares_loss()
    out = []
    for seed in range(seeds):
        trajectories = simulate(land, runs, start=land.starts[0], steps=steps, seed=seed, batch_size=batch)
        out.append([np.inf if t.diverged_at is not None else float(t.loss[-1]) - best for t in trajectories])
    return np.array(out)


def test_study_averages_the_final_losses_over_its_seeds():
    study = sch.schedule_study("minibatch", "momentum", 0.02, 500, DEFAULTS, batch_size=4)
    expected = final_gaps("momentum", 0.02, DEFAULTS, 4, sch.SEEDS)
    np.testing.assert_allclose(study.final_gaps, expected, rtol=1e-4, atol=1e-6)
    full = sch.schedule_study("minibatch", "momentum", 0.02, 100, DEFAULTS, batch_size=256)
    assert full.final_gaps.shape == (1, 5), "the full batch is deterministic: one seed"
    exact = sch.schedule_study("rosenbrock", "momentum", 0.003, 100, DEFAULTS)
    assert exact.final_gaps.shape == (1, 5)
    assert np.isinf(exact.final_gaps[0, 0]) and "Constant η diverged" in sch.outcome(exact)


def test_a_small_peak_rate_or_the_full_batch_favour_constant_lr():
    """The page's caveats: at η = 0.005 constant ends lowest; at B = 256 no decay arrives before constant."""
    small = final_gaps("momentum", 0.005, DEFAULTS, 4, sch.SEEDS).mean(axis=0)
    assert np.all(small[0] < small[1:])
    study = sch.schedule_study("minibatch", "momentum", 0.005, 500, DEFAULTS, batch_size=4)
    assert "Constant η ends lowest" in sch.outcome(study)
    full = sch.schedule_study("minibatch", "momentum", 0.02, 500, DEFAULTS, batch_size=256)
    hits = [run.first_hit for run in full.trajectories]
    assert None not in hits and all(hits[0] <= hit for hit in hits[1:])


def test_summary_and_playground_link_carry_the_runs():
    study = sch.schedule_study("rosenbrock", "momentum", 0.003, 200, DEFAULTS)
    rows = sch.summary(study)
    for row, run in zip(rows, study.trajectories, strict=True):
        assert row["schedule"] == run.label
        assert row["diverged at step"] == ("—" if run.diverged_at is None else str(run.diverged_at))
        moved = run.lr[run.lr > 0]
        assert row["lr at the last step"] == f"{moved[-1]:.3g}"
    scenario = sch.playground_scenario(study)
    parsed, ignored = from_query(to_query(scenario))
    assert ignored == [] and parsed.runs == study.runs
    replay = simulate("rosenbrock", list(parsed.runs), start=parsed.start, steps=parsed.steps)
    for a, b in zip(replay, study.trajectories, strict=True):
        np.testing.assert_array_equal(a.path, b.path)


# ----------------------------------------------------------------------------- the page


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def lr_lines(fig: dict) -> dict[str, np.ndarray]:
    return {t["name"]: decode(t["y"]) for t in fig["data"] if "planned" not in t["name"]}


def test_page_renders_the_engine_runs():
    at = run_page()
    assert errors(at) == [] and not at.warning
    lr_fig, loss_fig = figures(at)
    map_fig = map_figure(at)
    study = sch.schedule_study("minibatch", "momentum", 0.02, 500, DEFAULTS, batch_size=4)
    lines = lr_lines(lr_fig)
    for run in study.trajectories:
        np.testing.assert_array_equal(lines[run.label], run.lr)
        path = next(t for t in map_fig["data"] if t.get("name") == run.label)
        assert decode(path["x"])[-1] == run.path[-1, 0]
    assert [t["name"] for t in loss_fig["data"]] == [r.label for r in study.trajectories]


def test_default_view_shows_every_decay_ending_below_constant_lr():
    """The title's claim at the page's defaults: constant η stalls at a noise floor, every decay ends far lower.

    The expectation is computed here: the five schedules run straight through the engine on the
    page's seeds, measured against the least-squares loss of the data (numpy), averaged over seeds.
    """
    at = run_page()
    assert errors(at) == []
    assert at.selectbox(key="sched.land").value == "Minibatch regression"
    assert at.selectbox(key="sched.opt").value == "Momentum (heavy ball)"
    lr, steps = at.select_slider(key="sched.lr").value, at.select_slider(key="sched.steps").value
    batch = at.select_slider(key="sched.batch").value
    settings = {
        "decay_every": float(at.slider(key="sched.every").value),
        "decay_rate": float(at.slider(key="sched.rate").value),
        "warmup_steps": float(at.slider(key="sched.warmup").value),
        "final_lr_ratio": float(at.slider(key="sched.alpha").value),
    }
    gaps = final_gaps("momentum", lr, settings, batch, sch.SEEDS, steps)
    mean = gaps.mean(axis=0)
    assert np.all(np.isfinite(gaps))
    assert mean[0] > 10 * mean[1:].max(), "constant lr ends at least ten times higher than every decay"
    assert np.all(gaps[:, 0] > gaps[:, 1:].max(axis=1)), "and on every one of the page's seeds"
    # What the reader sees: the loss chart (seed 0) ends highest for constant, and the sentence says so.
    loss_fig = figures(at)[1]
    ends = {t["name"]: float(decode(t["y"])[-1]) for t in loss_fig["data"]}
    assert ends["constant"] > max(v for name, v in ends.items() if name != "constant")
    said = next(m.value for m in at.markdown if m.value.startswith("**Final loss above the best"))
    assert "Every decaying schedule ends below constant η" in said and "noise floor" in said
    assert f"mean over minibatch seeds 0–{sch.SEEDS - 1}" in said


def test_warm_up_slider_changes_only_the_warm_up_curve():
    at = run_page()
    before = lr_lines(figures(at)[0])
    at.slider(key="sched.warmup").set_value(200).run()
    assert errors(at) == []
    after = lr_lines(figures(at)[0])
    assert not np.array_equal(before["warm-up + cosine"], after["warm-up + cosine"])
    for name in ("constant", "step decay", "exponential", "cosine"):
        np.testing.assert_array_equal(before[name], after[name])


def test_path_settings_resend_no_surface_and_another_surface_is_sent():
    """The peak rate and the warm-up only move the paths: the browser keeps its surface. Another surface is sent."""
    at = run_page()
    first = live_maps(at)[0]
    assert "surface" in first
    for kind, key, value in (("select_slider", "sched.lr", 0.05), ("slider", "sched.warmup", 200)):
        before = live_maps(at)[0]
        getattr(at, kind)(key=key).set_value(value).run()
        second = live_maps(at)[0]
        assert "surface" not in second and second["surface_key"] == first["surface_key"]
        assert second["overlay"] != before["overlay"]
    at.selectbox(key="sched.land").set_value("Rosenbrock valley").run()
    third = live_maps(at)[0]
    assert "surface" in third and third["surface_key"] != first["surface_key"]
    assert errors(at) == []


def test_url_round_trips_and_garbage_shows_one_notice():
    query = {
        "sched.land": "Minibatch regression",
        "sched.opt": "Adam",
        "sched.lr": "0.05",
        "sched.batch": "8",
        "sched.every": "50",
    }
    at = run_page(query)
    assert errors(at) == [] and not at.warning
    assert at.selectbox(key="sched.land").value == "Minibatch regression"
    assert at.selectbox(key="sched.opt").value == "Adam"
    assert at.select_slider(key="sched.lr").value == 0.05
    assert at.select_slider(key="sched.batch").value == 8
    assert at.slider(key="sched.every").value == 50
    study = sch.schedule_study("minibatch", "adam", 0.05, 500, {**DEFAULTS, "decay_every": 50.0}, batch_size=8)
    lines = lr_lines(figures(at)[0])
    for run in study.trajectories:
        np.testing.assert_array_equal(lines[run.label], run.lr)
        path = next(t for t in map_figure(at)["data"] if t.get("name") == run.label)
        assert decode(path["x"])[-1] == run.path[-1, 0]

    bad = run_page({"sched.lr": "7", "sched.land": "atlantis", "sched.x": "1"})
    assert errors(bad) == []
    assert len(bad.warning) == 1
    for name in ("sched.lr", "sched.land", "sched.x"):
        assert name in notice(bad)


def test_a_link_builds_its_scenario():
    query = {
        "sched.land": "Rosenbrock valley",
        "sched.opt": "Adam",
        "sched.lr": "0.05",
        "sched.batch": "8",
        "sched.every": "50",
        "sched.rate": "0.8",
        "sched.alpha": "0.1",
    }
    scenario, ignored = ScheduleScenario.from_query(query)
    assert ignored == []
    assert (scenario.landscape, scenario.optimizer, scenario.lr, scenario.batch) == ("rosenbrock", "adam", 0.05, 8)
    assert scenario.schedule_settings() == {
        "decay_every": 50.0,
        "decay_rate": 0.8,
        "warmup_steps": 50.0,
        "final_lr_ratio": 0.1,
    }
    assert scenario.to_query() == query and ScheduleScenario().to_query() == {}


def test_the_default_view_shows_what_the_builder_returns():
    at = run_page()
    view = build(ScheduleScenario())
    assert figures(at) == [json.loads(json.dumps(view.lr)), json.loads(json.dumps(view.loss))]
    shown = live_maps(at)[0]
    assert shown["surface_key"] == view.surface.key
    assert shown["overlay"] == json.loads(json.dumps(view.paths))
    assert at.dataframe[0].value.to_dict("records") == view.summary
    assert any(m.value == view.outcome for m in at.markdown)


def test_link_spelling_out_the_defaults_shows_no_notice():
    query = {
        "sched.land": "Minibatch regression",
        "sched.opt": "Momentum (heavy ball)",
        "sched.lr": "0.02",
        "sched.steps": "500",
        "sched.batch": "4",
        "sched.every": "100",
        "sched.rate": "0.5",
        "sched.warmup": "50",
        "sched.alpha": "0.0",
    }
    at = run_page(query)
    assert errors(at) == [] and not at.warning


def test_default_view_follows_the_marker_language_and_round_colour_bars():
    for query in ({}, {"sched.land": "Rosenbrock valley", "sched.lr": "0.003"}):
        at = run_page(query)
        for fig in [*figures(at), map_figure(at)]:
            assert marker_problems(fig) == []
            assert colour_bar_problems(fig) == []
    crosses = [t["name"] for t in map_figure(at)["data"] if t.get("marker", {}).get("symbol") == "x"]
    assert crosses == [f"{name} end (diverged)" for name in ("constant", "step decay", "exponential", "cosine")]
