"""The minibatch-noise lesson: its settings (batch size, step, data noise, point, runs, map view) and its view.

Every run of the page (each batch size × every seed) is one engine call that depends on σ, η,
the point, the steps and the seeds, not on the batch size shown or the map's view; the map's
surface depends on σ and the window alone. :func:`spread_runs` and :func:`map_surface` are
cached on exactly those, so picking another batch size or view reruns neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

import landscapes
from charts.lessons.noise import Window, fan_figure, noise_overlay, noise_surface, spread_figure, zoom_window
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import noise
from engine.scenario import Scenario
from ui.page_form import cached_builder

LRS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
STEPS = (100, 200, 500, 1000)
SEEDS = (64, 128, 256, 512, 1024)
VIEWS = (N_("whole surface"), N_("end points"))

LAND = landscapes.get(noise.LANDSCAPE)
N = noise.data_size()
SIZES = noise.batch_sizes(N)
(X0, X1), (Y0, Y1) = LAND.domain
START = tuple(float(v) for v in LAND.starts[0])
POINT_STEP = 0.05
"""The point inputs' +/- step; the point itself is kept to the three decimals they show."""


@dataclass(frozen=True)
class NoiseScenario(PageScenario, page="noise"):
    """The minibatch-noise lesson's settings.

    σ is kept to two decimals (a slider's 0.1 steps arrive as 0.30000000000000004) and the point
    to the three its inputs show, so one visible setting has one link and one cache entry.
    """

    batch: int = setting(
        8, N_("Batch size B"), options=SIZES, help=N_("B = N, the whole data set, is full-batch gradient descent.")
    )
    lr: float = setting(0.1, N_("Learning rate η"), options=LRS, format=str)
    sigma: float = setting(
        0.5,
        N_("Noise in the data σ"),
        low=0.0,
        high=2.0,
        step=0.1,
        help=N_(
            "Standard deviation of the targets around the true line. With σ = 0 every point lies on the line, "
            "so at the minimum every example agrees and the minibatch gradients vanish there too."
        ),
    )
    x: float = setting(START[0], N_("Point x (slope w)"), low=X0, high=X1, widget="number")
    y: float = setting(START[1], N_("Point y (intercept b)"), low=Y0, high=Y1, widget="number")
    steps: int = setting(500, N_("Steps"), options=STEPS)
    seeds: int = setting(256, N_("Seeds (runs per batch size)"), options=SEEDS)
    view: str = setting(
        VIEWS[0],
        N_("Map view"),
        options=VIEWS,
        widget="segmented_control",
        help=N_("Zoom the map on where the runs end (the contour is the same surface)."),
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", round(self.sigma, 2))
        object.__setattr__(self, "x", round(self.x, 3))
        object.__setattr__(self, "y", round(self.y, 3))


@dataclass(frozen=True)
class NoisePage:
    """What the page shows for one scenario: the map's layers, the fan and the spread, their sentences."""

    curve: noise.SpreadCurve
    fan: noise.Fan
    surface: SurfaceLayer
    overlay: list[dict[str, Any]]
    fan_figure: dict[str, Any]
    fan_text: str
    full_norm: float
    """Length of the full-batch gradient at the point (the fan's scale)."""
    spread_figure: dict[str, Any]
    spread_text: str
    link: Scenario


@st.cache_resource(show_spinner=False, max_entries=32)
def spread_runs(sigma: float, lr: float, point: tuple[float, float], steps: int, seeds: int) -> noise.SpreadCurve:
    """Every run of the page: len(SIZES) x seeds runs in one vmapped call, end points and thinned paths."""
    return noise.spread_curve({"noise": sigma}, lr, point, steps, seeds)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_surface(sigma: float, window: Window | None, lang: str) -> SurfaceLayer:
    """The map's surface layer: depends on σ, the window and the language only (shared, never mutated)."""
    values = LAND.resolve({"noise": sigma})
    return figure_surface(noise_surface(LAND, values, surface_grid(LAND, values), window=window))


def build(scenario: NoiseScenario) -> NoisePage:
    """The runs, the gradient fan at the point and every figure of the page for ``scenario``."""
    point = (scenario.x, scenario.y)
    values = {"noise": scenario.sigma}
    curve = spread_runs(scenario.sigma, scenario.lr, point, scenario.steps, scenario.seeds)
    fan = noise.fan(point, scenario.batch, values)
    predicted = noise.predicted_spread(point, scenario.batch, values)
    window = zoom_window(curve, scenario.batch, LAND) if scenario.view == "end points" else None
    return NoisePage(
        curve=curve,
        fan=fan,
        surface=map_surface(scenario.sigma, window, language()),
        overlay=noise_overlay(point, curve, scenario.batch),
        fan_figure=fan_figure(fan, predicted, scenario.batch),
        fan_text=noise.fan_sentence(fan, predicted),
        full_norm=float((fan.full**2).sum() ** 0.5),
        spread_figure=spread_figure(curve, scenario.batch),
        spread_text=noise.spread_sentence(curve, scenario.batch),
        link=noise.playground_scenario(LAND.resolve(values), scenario.lr, point, scenario.steps, scenario.batch),
    )


page_view = cached_builder(NoiseScenario, build)
