"""Learning-rate schedules side by side: the lr curves against optax, the page's claims, and the page."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import optax
from streamlit.testing.v1 import AppTest

from charts.encoding import decode
from engine.lessons import schedules as sch
from engine.scenario import from_query, to_query
from engine.simulate import simulate
from tests.apptest_helpers import errors, figures, notice

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "lesson_schedules.py")


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


def test_decay_pays_off_on_the_noisy_minibatch_surface():
    """The page's claim: minibatch surface, momentum, η = 0.02, B = 4 -- every decay ends far below constant."""
    study = sch.schedule_study("minibatch", "momentum", 0.02, 500, DEFAULTS, batch_size=4)
    gaps = [float(run.loss[-1]) - study.best for run in study.trajectories]
    assert gaps[0] > 10 * max(gaps[1:])


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
    map_fig, lr_fig, loss_fig = figures(at)
    study = sch.schedule_study("rosenbrock", "momentum", 0.002, 500, DEFAULTS)
    lines = lr_lines(lr_fig)
    for run in study.trajectories:
        np.testing.assert_array_equal(lines[run.label], run.lr)
        path = next(t for t in map_fig["data"] if t.get("name") == run.label)
        assert decode(path["x"])[-1] == run.path[-1, 0]
    assert [t["name"] for t in loss_fig["data"]] == [r.label for r in study.trajectories]


def test_warm_up_slider_changes_only_the_warm_up_curve():
    at = run_page()
    before = lr_lines(figures(at)[1])
    at.slider(key="sched.warmup").set_value(200).run()
    assert errors(at) == []
    after = lr_lines(figures(at)[1])
    assert not np.array_equal(before["warm-up + cosine"], after["warm-up + cosine"])
    for name in ("constant", "step decay", "exponential", "cosine"):
        np.testing.assert_array_equal(before[name], after[name])


def test_url_round_trips_and_garbage_shows_one_notice():
    query = {
        "sched.land": "Minibatch regression",
        "sched.opt": "Adam",
        "sched.lr": "0.02",
        "sched.batch": "4",
        "sched.every": "50",
    }
    at = run_page(query)
    assert errors(at) == [] and not at.warning
    assert at.selectbox(key="sched.land").value == "minibatch"
    assert at.selectbox(key="sched.opt").value == "adam"
    assert at.select_slider(key="sched.lr").value == 0.02
    assert at.select_slider(key="sched.batch").value == 4
    assert at.slider(key="sched.every").value == 50
    study = sch.schedule_study("minibatch", "adam", 0.02, 500, {**DEFAULTS, "decay_every": 50.0}, batch_size=4)
    lines = lr_lines(figures(at)[1])
    for run in study.trajectories:
        np.testing.assert_array_equal(lines[run.label], run.lr)

    bad = run_page({"sched.lr": "7", "sched.land": "atlantis", "sched.x": "1"})
    assert errors(bad) == []
    assert len(bad.warning) == 1
    for name in ("sched.lr", "sched.land", "sched.x"):
        assert name in notice(bad)
