"""The compute budget: costs are estimated sensibly, a costly request is cut to fit, a cheap one is left alone.

Nothing here is timed: the tests check the cost model and the reduction logic. The model's
figures were measured once (``benchmarks/budget_calibrate.py``) on small maps; the one
outside figure checked here is a separate measurement of the issue's costly link.
"""

from __future__ import annotations

import pytest

import landscapes
import optimizers
from engine import budget
from engine.budget import (
    BUDGET_S,
    MIN_CELLS,
    MIN_STEPS,
    VIEW_OVERHEAD_S,
    Job,
    estimate_s,
    fit_grid,
    fit_steps,
    grid_jobs,
)

CELL_OPTIONS = [8, 16, 24, 32, 48, 64, 96, 128]
"""The Sweeps page's choices of cells per axis."""

COSTLY = ("minibatch", ["newton", "adabelief"], 128, 2000)
"""Issue 12's link: Compare two, 128 x 128 cells, 2000 steps, minibatch surface, Newton and AdaBelief."""


def test_measured_costs_name_registered_modules_and_the_rest_get_a_fallback():
    """No stale rows; a module added without measuring (one new file) is priced by the fallback.

    ``benchmarks/budget_calibrate.py`` measures a new surface or optimizer for its row.
    """
    assert set(budget.LANDSCAPE_NS) <= set(landscapes.REGISTRY)
    assert set(budget.OPTIMIZER_NS) <= set(optimizers.REGISTRY)
    assert all(g > 0 and h > 0 for g, h in budget.LANDSCAPE_NS.values())
    assert budget.step_seconds("not_measured", "sgd") == pytest.approx(60e-9), "priced like the dearer analytic ones"
    assert budget.step_seconds("bowl", "not_measured") == pytest.approx(23e-9), "bowl's 3 ns + 20 ns for the update"


def test_data_set_surfaces_and_newton_cost_more():
    """Every step of a data-set surface evaluates all its examples; Newton also takes a Hessian."""
    for key, land in landscapes.REGISTRY.items():
        if land.data(land.resolve(None)) is not None:
            assert budget.step_seconds(key, "sgd") > 10 * budget.step_seconds("bowl", "sgd"), key
    assert budget.step_seconds("sharp_flat", "newton") > 5 * budget.step_seconds("sharp_flat", "adam")
    assert budget.needs_hessian("newton") and not budget.needs_hessian("adam")


def test_the_model_does_not_underprice_the_costly_link():
    """Measured once, warm, on the project machine: 13.7 s of CPU for the issue's two maps (7.1 s + 6.6 s).

    (The issue's 32.6 s also paid for compiling both programs, which the budget leaves out.)
    The model may overprice a little, never underprice by more than its run-to-run noise.
    """
    land, opts, cells, steps = COSTLY
    predicted = estimate_s(grid_jobs(land, opts, cells, steps))
    assert 0.8 * 13.7 < predicted < 2 * 13.7


def test_the_costly_link_is_reduced_to_fit_with_a_notice():
    land, opts, cells, steps = COSTLY
    plan = fit_grid(land, opts, cells, steps, cell_options=CELL_OPTIONS)
    assert plan.reduced
    assert plan.seconds <= BUDGET_S < plan.asked_seconds
    assert plan.seconds == pytest.approx(VIEW_OVERHEAD_S + estimate_s(grid_jobs(land, opts, plan.cells, plan.steps)))
    # Cells go first: the map keeps every one of its 2000 steps, at the largest grid that fits.
    assert plan.steps == steps
    assert plan.cells in CELL_OPTIONS and MIN_CELLS <= plan.cells < cells
    larger = min(c for c in CELL_OPTIONS if c > plan.cells)
    assert VIEW_OVERHEAD_S + estimate_s(grid_jobs(land, opts, larger, steps)) > BUDGET_S
    notice = plan.notice("map")
    assert notice is not None
    assert f"{plan.cells} × {plan.cells} cells instead of 128 × 128" in notice
    assert "compute budget" in notice and "2000 steps" in notice


def test_a_cheap_link_is_untouched():
    for land, opts, cells, steps in [
        ("bowl", ["momentum"], 32, 300),  # the page's default view
        ("bowl", ["momentum", "adam"], 128, 2000),  # the largest grid on an analytic surface
        ("rosenbrock", ["adam"], 64, 1000),
    ]:
        plan = fit_grid(land, opts, cells, steps, cell_options=CELL_OPTIONS)
        assert not plan.reduced, (land, opts, cells, steps)
        assert (plan.cells, plan.steps) == (cells, steps)
        assert plan.notice() is None
        assert plan.seconds == plan.asked_seconds <= BUDGET_S


def test_when_the_smallest_useful_grid_is_too_dear_the_steps_shrink():
    plan = fit_grid("sharp_flat", ["newton", "adam"], 128, 2000, cell_options=CELL_OPTIONS)
    assert plan.cells == MIN_CELLS
    assert MIN_STEPS <= plan.steps < 2000 and plan.steps % 10 == 0
    assert plan.seconds <= BUDGET_S
    dearer = grid_jobs("sharp_flat", ["newton", "adam"], MIN_CELLS, plan.steps + 10)
    assert VIEW_OVERHEAD_S + estimate_s(dearer) > BUDGET_S
    notice = plan.notice("map")
    assert f"{plan.steps} steps instead of 2000" in notice and "16 × 16 cells" in notice


def test_a_request_that_cannot_fit_gets_the_smallest_grid_and_still_runs():
    plan = fit_grid("sharp_flat", ["newton"], 128, 2000, cell_options=CELL_OPTIONS, budget_s=1e-3)
    assert plan.cells == min(CELL_OPTIONS) and plan.steps == 10
    assert plan.reduced and plan.notice() is not None


def test_fit_steps_cuts_only_steps():
    plan = fit_steps("sharp_flat", ["newton"] * 4, 2000, runs_each=64)
    assert plan.cells is None and plan.reduced
    assert 10 <= plan.steps < 2000 and plan.steps % 10 == 0
    assert plan.seconds <= BUDGET_S
    assert "steps instead of 2000" in plan.notice("run")
    cheap = fit_steps("bowl", ["adam"] * 8, 1000)
    assert not cheap.reduced and cheap.notice() is None


def test_unknown_surfaces_and_optimizers_are_priced_not_refused():
    assert Job("custom", "adam", 10, 10).seconds > 0
    assert budget.step_seconds("custom", "some-plugin") > budget.step_seconds("bowl", "sgd")


# ----------------------------------------------------------------------------- seeded runs (implicit regularization)

IMPLICIT = {
    "runs_per_seed": 8,
    "extra_runs": 1,
    "seed_options": (64, 128, 256, 512, 1024),
    "step_options": (100, 200, 500),
}
"""The implicit-regularization page: 8 minibatch sizes per seed plus one full-batch run, per learning rate."""


def test_seed_plan_leaves_the_implicit_default_alone():
    plan = budget.fit_seeds("sharp_flat", "sgd", 128, 100, calls=4, **IMPLICIT)
    assert not plan.reduced and plan.notice() is None
    assert plan.seconds <= BUDGET_S


def test_seed_plan_cuts_seeds_before_steps_and_fits():
    # 4 learning rates x 8,193 runs x 500 steps on the sharp/flat data set: about a minute and a half.
    plan = budget.fit_seeds("sharp_flat", "sgd", 1024, 500, calls=4, **IMPLICIT)
    assert plan.asked_seconds > 30
    assert plan.reduced and plan.seconds <= BUDGET_S
    assert plan.seeds == 64, "every seed option above the smallest is tried before a step is cut"
    assert plan.steps in (100, 200)
    assert "64 seeds instead of 1024" in plan.notice() and "500" in plan.notice()
    wide = budget.fit_seeds("sharp_flat", "sgd", 1024, 100, calls=1, **IMPLICIT)
    assert wide.steps == 100 and 64 < wide.seeds < 1024 and wide.seconds <= BUDGET_S
