"""The dropout and noise-injection lesson: the noise, its strength, learning rate and steps, and all it draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from charts.lessons.grid_maps import panel_traces, side_by_side
from charts.lessons.noise_injection import clean_overlay, clean_surface, expected_overlay, expected_surface
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, translator
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.lessons import noise_injection as ni
from engine.lessons.regularization import training_problem
from engine.scenario import Scenario
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

SEEDS = tuple(range(8))
_ = translator("lessons_reg")
KIND_LABELS = {"dropout": N_("Dropout"), "gaussian": N_("Gaussian")}
"""The radio's labels; the old URL-bound radio wrote them into links, so links keep them (``noise2.kind=Gaussian``)."""


@dataclass(frozen=True)
class NoiseScenario(PageScenario, page="noise2"):
    """The dropout lesson's settings (the field names are the old links' keys: ``noise2.kind`` ...)."""

    kind: str = setting(
        "dropout", N_("Input noise"), options=ni.KINDS, widget="radio", format=KIND_LABELS.get, link_label=True
    )
    p: float = setting(0.3, N_("Dropout probability p"), low=0.0, high=ni.MAX_DROPOUT, step=0.05)
    sigma: float = setting(0.5, N_("Noise size σ"), low=0.0, high=ni.MAX_SIGMA, step=0.05)
    lr: float = setting(0.1, N_("Learning rate"), options=log_grid(1e-3, 3.0), format=exact_text)
    steps: int = setting(300, N_("Steps"), low=50, high=1000, step=50)

    @property
    def strength(self) -> float:
        """The chosen noise's strength: p for dropout, σ for Gaussian noise."""
        return float(self.p if self.kind == "dropout" else self.sigma)


@dataclass(frozen=True)
class NoisePage:
    """What the page shows: the runs, where they settle, the formula checks, the maps' layers and the link."""

    runs: ni.NoisyRuns
    diverged: int
    """How many of the noisy runs diverged."""
    average: np.ndarray
    """Where the noisy runs hover: the mean of their second halves."""
    to_expected_minimum: float
    to_clean_minimum: float
    checks: list[ni.FormulaCheck]
    surface: SurfaceLayer
    overlay: list[dict]
    playground: Scenario


def maps_surface(kind: str, strength: float) -> SurfaceLayer:
    """The clean loss and the expected loss side by side, on one colour scale: a function of the noise alone."""
    xs, ys, clean, expected = ni.surfaces(kind, strength)
    title = (
        _("Expected loss under dropout p = {p}").format(p=f"{strength:g}")
        if kind == "dropout"
        else _("Expected loss under Gaussian σ = {sigma}").format(sigma=f"{strength:g}")
    )
    maps = side_by_side(clean_surface(xs, ys, clean, expected), expected_surface(xs, ys, clean, expected, title))
    return figure_surface(maps)


def build(scenario: NoiseScenario) -> NoisePage:
    """Noisy runs and the clean run (one vmapped call), the Monte Carlo check of the formula, and the maps."""
    kind, strength = scenario.kind, scenario.strength
    runs = ni.noisy_training(kind, strength, scenario.lr, scenario.steps, SEEDS, with_clean=True)
    clean_minimum = training_problem().minimum()
    expected_minimum = ni.expected_minimum(kind, strength)
    average = runs.iterate_average()
    stop = runs.clean_diverged_at
    clean_path = runs.clean_path if stop is None else runs.clean_path[: max(stop, 1)]
    overlay = panel_traces(
        clean_overlay(clean_path, clean_minimum, stop),
        expected_overlay(runs.paths, expected_minimum, clean_minimum, average, runs.diverged_at),
    )
    return NoisePage(
        runs=runs,
        diverged=int(np.sum(runs.diverged_at >= 0)),
        average=average,
        to_expected_minimum=float(np.hypot(*(average - expected_minimum))),
        to_clean_minimum=float(np.hypot(*(average - clean_minimum))),
        checks=ni.formula_checks(kind, strength),
        surface=maps_surface(kind, strength),
        overlay=overlay,
        playground=ni.playground_scenario(kind, strength, scenario.lr, scenario.steps, translate=_),
    )


page_view = cached_builder(NoiseScenario, build)
