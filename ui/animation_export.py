"""The Playground's animation downloads: its current map as a GIF and an MP4, rendered only when asked.

The buttons hand Streamlit a callable (deferred download data, as the CSV and JSON exports
do), so a rerun renders nothing; a click renders the frames from the view's own runs, the
very paths the page draws (:mod:`charts.animation`, :mod:`charts.video`). The language is
read when the buttons are drawn and held for the render, which may run outside the script.

A render holds about 50 MB of frames and a core for up to a second, and a class may click at
once: at most :data:`PARALLEL` renders run together in a server (the rest wait their turn), and
the last :data:`RECENT` exports are kept, so the same view asked for again costs nothing.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any

from charts.animation import Animation, animation_frames
from charts.live_map import RASTER_RESOLUTION
from charts.video import gif_bytes, mp4_bytes
from core.i18n import language, translator, use_language
from engine.grid import surface_grid
from engine.scenario import Scenario
from engine.simulate import Trajectory
from ui.playground_state import shown_label
from ui.playground_view import scenario_key

_ = translator("export")

PARALLEL = 2
"""Renders one server runs at once."""
RECENT = 8
"""Exports kept (a few MB each at most), keyed by view, format and language."""
_renders = threading.BoundedSemaphore(PARALLEL)
_recent_lock = threading.Lock()
_recent: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()


def animation_of(scenario: Scenario, runs: list[Trajectory]) -> Animation:
    """The frames of ``scenario``'s map with ``runs`` (the view's trajectories), on the page's surface grid.

    A run still labelled with its optimizer's name shows that name translated, as the page's run panel does.
    """
    land = scenario.surface
    values = land.resolve(scenario.landscape_params)
    grid = surface_grid(land, values, RASTER_RESOLUTION)
    labels = [shown_label(run) for run in scenario.runs]
    return animation_frames(land, values, grid, runs, scenario.start, title=land.name_text(), labels=labels)


def render_uncached(scenario: Scenario, runs: list[Trajectory], kind: str, lang: str) -> bytes:
    """The animation as ``kind`` (``"gif"`` or ``"mp4"``) with its text in ``lang``, rendered now."""
    with use_language(lang):
        animation = animation_of(scenario, runs)
    return gif_bytes(animation) if kind == "gif" else mp4_bytes(animation)


def render(scenario: Scenario, runs: list[Trajectory], kind: str, lang: str) -> bytes:
    """:func:`render_uncached`, at most :data:`PARALLEL` at once, the last :data:`RECENT` kept.

    ``runs`` are the engine's paths for ``scenario``, so the scenario, format and language name the export.
    """
    key = (scenario_key(scenario), kind, lang)
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
    with _renders:
        data = render_uncached(scenario, runs, kind, lang)
    with _recent_lock:
        _recent[key] = data
        while len(_recent) > RECENT:
            _recent.popitem(last=False)
    return data


def forget_recent() -> None:
    """Drop the kept exports (tests use it to see a render happen)."""
    with _recent_lock:
        _recent.clear()


def file_name(scenario: Scenario, kind: str) -> str:
    """``descent-lab-<surface>.<kind>``: the surface's key names the file."""
    return f"descent-lab-{scenario.landscape}.{kind}"


def animation_buttons(where: Any, view: Any) -> None:
    """The GIF and MP4 download buttons of ``view`` (a ``PlaygroundView``) in the container ``where``."""
    lang = language()
    for kind, label, mime in (
        ("gif", _("Download animation (GIF)"), "image/gif"),
        ("mp4", _("Download animation (MP4)"), "video/mp4"),
    ):
        where.download_button(
            label,
            functools.partial(render, view.scenario, view.runs, kind, lang),
            file_name=file_name(view.scenario, kind),
            mime=mime,
            key=f"pg.export.{kind}",
            on_click="ignore",
        )
