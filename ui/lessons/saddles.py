"""The saddles and local minima lesson: its nine settings and everything drawn for them.

The page has two independent parts: the escape from a saddle (surface, offset δ, learning
rate) and the basin maps of two optimizers (surface, grid, optimizer and learning rate of A and
of B). So the page has two builders, one per part, each with its own spinner; under them the
costly computations are cached on exactly the settings they depend on (:func:`escape_part`,
:func:`basin_map`), so moving an escape slider never reruns the basin maps, and changing
optimizer B never reruns A's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import landscapes
import optimizers
from charts.lessons.saddles import basin_figure, escape_distance_figure, escape_paths, escape_surface
from charts.live_map import SurfaceLayer, figure_surface
from core.i18n import N_, language
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.grid import surface_grid
from engine.lessons import basins
from engine.lessons.basins import BasinMap, EscapeStudy
from engine.scenario import Scenario
from ui.page_form import cached_builder
from ui.param_widgets import log_grid

OFFSETS = (*(float(f"{m * 10.0**e:.3g}") for e in range(-8, -1) for m in (1, 3)), 0.1)
ESCAPE_LRS = tuple(log_grid(1e-3, 0.1))
BASIN_LRS = tuple(log_grid(1e-4, 1.0))

# The link holds display names (a URL-bound selectbox wrote its label, and old share links keep
# it), so these settings' values are the names; these map them to the engine's keys.
SADDLES = {landscapes.get(k).name: k for k in basins.SADDLE_LANDSCAPES}
SURFACES = {landscapes.get(k).name: k for k in basins.BASIN_LANDSCAPES}
OPTIMIZERS = {spec.name: key for key, spec in optimizers.REGISTRY.items()}


def optimizer_text(name: str) -> str:
    """An optimizer's shown name (the link keeps the English display name) in the interface's language."""
    return optimizers.get(OPTIMIZERS[name]).name_text()


def surface_text(name: str) -> str:
    """A surface's shown name (the link keeps the English display name) in the interface's language."""
    return landscapes.get({**SADDLES, **SURFACES}[name]).name_text()


def _optimizer_setting(default: str, label: str) -> str:
    return setting(optimizers.get(default).name, label, options=list(OPTIMIZERS), format=optimizer_text)


def _basin_lr_setting(label: str) -> float:
    return setting(0.01, label, options=BASIN_LRS, format=exact_text)


@dataclass(frozen=True)
class SaddleScenario(PageScenario, page="saddle"):
    """The saddles lesson's settings: the escape experiment, then the two basin maps."""

    land: str = setting(
        next(iter(SADDLES)),
        N_("Surface"),
        options=list(SADDLES),
        format=surface_text,
        help=N_("An ordinary saddle (curving down along y) or the monkey saddle, where even the curvature is zero."),
    )
    offset: float = setting(
        1e-4,
        N_("Offset δ from the saddle (log scale)"),
        options=OFFSETS,
        format=exact_text,
        help=N_("The start is the saddle moved by δ along y."),
    )
    lr: float = setting(
        0.01,
        N_("Learning rate η (all but Newton)"),
        options=ESCAPE_LRS,
        format=exact_text,
        help=N_("Newton keeps its own step 0.5 and damping 0.1."),
    )
    basin_land: str = setting(
        next(iter(SURFACES)), N_("Surface with several minima"), options=list(SURFACES), format=surface_text
    )
    res: int = setting(basins.RESOLUTIONS[0], N_("Grid of start points (per side)"), options=basins.RESOLUTIONS)
    opt_a: str = _optimizer_setting("sgd", N_("Optimizer A"))
    lr_a: float = _basin_lr_setting(N_("Learning rate of A"))
    opt_b: str = _optimizer_setting("momentum", N_("Optimizer B"))
    lr_b: float = _basin_lr_setting(N_("Learning rate of B"))


@dataclass(frozen=True)
class EscapePart:
    """Every optimizer run from next to the saddle: the study, its table, chart, map and Playground link."""

    study: EscapeStudy
    table: list[dict[str, str]]
    distance: dict
    surface: SurfaceLayer
    overlay: list[dict]
    link: Scenario


@dataclass(frozen=True)
class BasinPart:
    """The two basin maps: each map, its panel title, the figure, the share table and the Playground link."""

    maps: tuple[BasinMap, BasinMap]
    titles: tuple[str, str]
    figure: dict
    shares: list[dict[str, str]]
    link: Scenario


@st.cache_resource(show_spinner=False, max_entries=8)
def escape_surface_layer(landscape: str, lang: str) -> SurfaceLayer:
    """The escape map's surface layer: only the surface (and the language of its labels) shapes it."""
    land = landscapes.get(landscape)
    return figure_surface(escape_surface(landscape, surface_grid(land, land.resolve())))


@st.cache_resource(show_spinner=False, max_entries=64)
def escape_part(landscape: str, offset: float, lr: float, lang: str) -> EscapePart:
    """Every optimizer from the start near the saddle: depends on the three escape settings (and the language)."""
    study = basins.escape_study(landscape, offset, lr)
    return EscapePart(
        study=study,
        table=basins.escape_table(study),
        distance=escape_distance_figure(study),
        surface=escape_surface_layer(landscape, lang),
        overlay=escape_paths(study),
        link=basins.escape_scenario(study),
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def basin_map(landscape: str, optimizer: str, lr: float, resolution: int) -> BasinMap:
    """One optimizer's basin map (one vmapped engine call over resolution² starts): one side's settings only."""
    return basins.basin_map(landscape, optimizer, lr, resolution)


def class_names(minima: np.ndarray) -> dict[int, str]:
    """The legend's names of the classes: the first named minima, 'no minimum reached' and 'diverged'."""
    shown = [*range(min(len(minima), basins.NAMED_MINIMA)), basins.NO_MINIMUM, basins.DIVERGED]
    return {index: basins.class_label(index, minima) for index in shown}


def basin_part(landscape: str, a: tuple[str, float], b: tuple[str, float], resolution: int) -> BasinPart:
    """Both basin maps side by side, with panel titles naming each optimizer and its learning rate."""
    maps = (basin_map(landscape, *a, resolution), basin_map(landscape, *b, resolution))
    titles = tuple(
        f"{tag}: {optimizers.get(key).name_text()}, η = {lr:g}" for tag, (key, lr) in zip("AB", (a, b), strict=True)
    )
    return BasinPart(
        maps=maps,
        titles=titles,  # type: ignore[arg-type]
        figure=basin_figure(maps, titles, class_names(maps[0].minima)),
        shares=basins.share_rows(maps, titles),
        link=basins.basin_scenario(landscape, (a, b)),
    )


def build_escape(scenario: SaddleScenario) -> EscapePart:
    """The escape part of the page for ``scenario`` (from the cache of its three settings)."""
    return escape_part(SADDLES[scenario.land], scenario.offset, scenario.lr, language())


def build_basins(scenario: SaddleScenario) -> BasinPart:
    """The basin part of the page for ``scenario`` (each map from the cache of its own settings)."""
    return basin_part(
        SURFACES[scenario.basin_land],
        (OPTIMIZERS[scenario.opt_a], scenario.lr_a),
        (OPTIMIZERS[scenario.opt_b], scenario.lr_b),
        scenario.res,
    )


escape_view = cached_builder(SaddleScenario, build_escape)
basins_view = cached_builder(SaddleScenario, build_basins)
