"""The live map: a Streamlit custom component (components v2) that keeps one plotly.js plot across reruns.

``st.plotly_chart`` rebuilds a changed figure from scratch in the browser (a new graph
div, drawn twice): about 0.5-0.9 s of renderer CPU per slider move on a 2-core machine.
Even ``Plotly.react`` redraws the whole plot on any change (77 ms for the Playground's map
with unchanged traces). So plotly.js here draws only what changes with the surface (the
surface layer, the page's overlay traces, the legend), and the component draws the runs
(paths, heads, arrows, start) itself as SVG in plotly's plot area (``ui/live_map.js``):
a rerun that moves the paths calls no plotly.js at all.

- The surface layer travels once per browser page load: the session remembers which
  surface it sent (:data:`SENT`), the browser keeps it by key, and asks again with a
  ``missing`` trigger in the rare case it does not hold it.
- Animation (play, pause, step, speed) runs in the browser on data already there.
- A family of paths (:mod:`engine.scrub`) lets a setting's slider in the map swap paths
  while it is dragged, with no server round trip; its release commits the value.
- plotly.js is served by the app itself from the plotly package (:func:`plotly_src`),
  so a classroom network with no internet works.

Values come back as trigger values (``click``, ``commit``, ``speed``) and one state
value (``scrub``, the setting the map's slider drags), handled by the page's callbacks
before its next run, where they become widget values like any other.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly
import streamlit as st

from charts.live_map import SurfaceLayer, json_safe, split_figure
from core.i18n import translator

_ = translator("app")

HERE = Path(__file__).parent
STATIC = HERE.parent / "static"
"""Streamlit serves this folder at ``/app/static/`` (``server.enableStaticServing`` in ``.streamlit/config.toml``)."""
SENT = "live_map.sent"
"""Session key: for each map key, the surface and family keys this session's browser was sent."""

_mount = st.components.v2.component(
    "descent_lab.live_map",
    css=(HERE / "live_map.css").read_text(encoding="utf-8"),
    js=(HERE / "live_map.js").read_text(encoding="utf-8"),
    isolate_styles=False,  # plotly.js styles its plots from the document head: no shadow root
)


def plotly_file() -> Path:
    """The plotly.js bundle that ships inside the plotly package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def plotly_src() -> str:
    """The URL of plotly.js as this app serves it, copying the package's bundle to ``static/`` if needed.

    The file name carries the plotly package version, so a browser never keeps an old copy
    after an upgrade.
    """
    name = f"plotly-{plotly.__version__}.min.js"
    target = STATIC / name
    if not target.exists():
        STATIC.mkdir(exist_ok=True)
        partial = target.with_suffix(".part")
        shutil.copyfile(plotly_file(), partial)
        partial.replace(target)  # atomic: a concurrent session never serves half a file
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/{name}" if base else f"/app/static/{name}"


def _remembered(key: str) -> dict[str, Any]:
    return st.session_state.setdefault(SENT, {}).setdefault(key, {})


def _on_missing(key: str) -> None:
    """The browser lacks a layer it was sent (a reload, say): forget it was sent, so this run sends it."""
    _remembered(key).clear()


def live_map(
    key: str,
    surface: SurfaceLayer,
    *,
    overlay: Sequence[Mapping[str, Any]] = (),
    overlay_layout: Mapping[str, Any] | None = None,
    paths: Mapping[str, Any] | None = None,
    scrub: Mapping[str, Any] | None = None,
    speed: Mapping[str, Any] | None = None,
    height: int = 620,
    title: str = "",
    note: str = "",
    on_click: Callable[[float, float], None] | None = None,
    on_commit: Callable[[str, float], None] | None = None,
    on_scrub: Callable[[str], None] | None = None,
    on_speed: Callable[[int], None] | None = None,
) -> None:
    """Draw (or update) the live map ``key``.

    ``surface`` is sent only when this session's browser does not hold it yet; ``overlay``
    holds extra traces drawn above it (plotly trace dicts: a change redraws the plot, so
    paths that move on every rerun belong in ``paths``), and ``overlay_layout`` layout keys
    that follow them (notes on a path, a window around the paths), merged one level deep over
    the surface's layout, so they change without resending the surface; ``paths`` is
    :func:`charts.live_map.runs_payload`; ``scrub`` is ``{"options": [{"value", "label"}],
    "selected", "index", "family_key", "family"}`` (its ``family`` is dropped when already sent);
    ``speed`` is ``{"options": [{"value", "label", "ms"}], "value"}``. ``title`` (a heading
    above) and ``note`` (a caption below) are drawn by the component: as ``st.subheader`` and
    ``st.caption`` they would be two more Streamlit elements, and the browser draws every element
    on the page again at each rerun, changed or not (renderer CPU: about 2.5 ms per markdown element,
    1 ms per block; ``benchmarks/element_cost.py``). The callbacks run before the next script run, when
    they may still set widget values.
    """
    sent = _remembered(key)
    data: dict[str, Any] = {
        "plotly_src": plotly_src(),
        "height": height,
        "surface_key": surface.key,
        "overlay": list(overlay),
        "overlay_layout": dict(overlay_layout or {}),
        "clicks": on_click is not None,
        "title": title,
        "note": note,
        # The component's own words (its buttons, step label, tooltip, error), in the reader's language.
        "words": {
            "step": _("step"),
            "play": "▶ " + _("Play"),
            "pause": "❚❚ " + _("Pause"),
            "drag": _("Drag"),
            "failed": _("The map could not be drawn:"),
        },
    }
    if sent.get("surface") != surface.key:
        data["surface"] = surface.payload()
    if paths is not None:
        data["paths"] = dict(paths)
    if scrub is not None:
        scrub = dict(scrub)
        if sent.get("family") == scrub["family_key"]:
            scrub.pop("family", None)
        data["scrub"] = scrub
    if speed is not None:
        data["speed"] = dict(speed)
    json_safe(data)

    def value(name: str) -> Any:
        return (st.session_state.get(key) or {}).get(name)

    def clicked() -> None:
        point = value("click")
        if on_click and isinstance(point, Mapping):
            try:
                x, y = float(point["x"]), float(point["y"])
            except (KeyError, TypeError, ValueError):
                return
            on_click(x, y)

    def committed() -> None:
        event = value("commit")
        if on_commit and isinstance(event, Mapping):
            try:
                on_commit(str(event["id"]), float(event["value"]))
            except (KeyError, TypeError, ValueError):
                return

    def scrubbed() -> None:
        if on_scrub and isinstance(value("scrub"), str):
            on_scrub(value("scrub"))

    def sped() -> None:
        if on_speed and isinstance(value("speed"), (int, float)):
            on_speed(int(value("speed")))

    _mount(
        key=key,
        data=data,
        on_click_change=clicked,
        on_commit_change=committed,
        on_scrub_change=scrubbed,
        on_speed_change=sped,
        on_missing_change=lambda: _on_missing(key),
    )
    sent["surface"] = surface.key
    if scrub is not None:
        sent["family"] = scrub["family_key"]


def live_chart(key: str, layout: Mapping[str, Any], curves: Mapping[str, Any], *, title: str = "") -> None:
    """A chart without a surface (loss against step), kept alive like the map: plotly.js draws its axes
    (``layout``, sent again only when it changes) and the component draws ``curves`` (the
    :func:`charts.live_map.runs_payload` format) itself, so a rerun that moves them calls no plotly.js.

    ``st.plotly_chart`` rebuilds a changed figure from scratch, and even ``Plotly.react`` redraws
    the whole plot: 40-60 ms a move for the Playground's loss chart (``benchmarks/live_map_bench.py``).
    """
    layer, _overlay = split_figure({"data": [], "layout": layout}, 0)
    live_map(key, layer, paths=curves, height=int(layout.get("height", 320)), title=title)


def scrub_choice(key: str) -> str | None:
    """The setting the map's own slider drags, as the browser last chose it (None before any choice)."""
    choice = (st.session_state.get(key) or {}).get("scrub")
    return choice if isinstance(choice, str) else None
