"""Helpers for AppTest-based tests: run a page, read its Plotly figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

from charts.encoding import decode

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(query: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    """Run the app once (optionally opened with ``query`` in the URL) and return the AppTest."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def figures(at: AppTest) -> list[dict[str, Any]]:
    """The specs of every Plotly chart on the page, in order."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def live_maps(at: AppTest) -> list[dict[str, Any]]:
    """The data each live map (``ui.live_map``) on the page received in this run, in order."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name.endswith("live_map")]


def map_figure(at: AppTest, index: int = 0) -> dict[str, Any]:
    """Live map ``index`` as one figure: its surface layer, overlay and each run's path and head.

    Only a run that sent the surface layer has its traces and layout (the session's first run,
    or one whose surface changed); otherwise ``layout`` holds only the overlay's layout keys
    (None if it has none). The paths are decoded from their float32 arrays.
    """
    data = live_maps(at)[index]
    surface = data.get("surface", {"data": [], "layout": None})
    traces = [*surface["data"], *data["overlay"]]
    for run in data.get("paths", {}).get("runs", []):
        xy = decode(run["xy"]).reshape(-1, 2)
        diverged = run["diverged_at"] is not None
        line = {"type": "scatter", "mode": "lines", "name": run["name"], "x": xy[:, 0], "y": xy[:, 1]}
        traces.append({**line, "legendgroup": f"run{len(traces)}"})
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": run["name"] + (" (diverged)" if diverged else " now"),
                "legendgroup": "head",
                "x": xy[-1:, 0],
                "y": xy[-1:, 1],
                "marker": {"symbol": "x" if diverged else "circle", "color": run["colour"]},
            }
        )
    extra = data.get("overlay_layout") or {}
    layout = dict(surface["layout"] or {})
    for name, value in extra.items():  # merged one level deep over the surface's, as ui/live_map.js does
        both = isinstance(layout.get(name), dict) and isinstance(value, dict)
        layout[name] = {**layout[name], **value} if both else value
    return {"data": traces, "layout": layout if surface["layout"] or extra else None, "live": data}


def send_trigger(at: AppTest, event: str, value: Any, index: int = 0) -> AppTest:
    """Rerun ``at`` as the browser does after live map ``index`` set its trigger ``event`` to ``value``.

    The component reports clicks and committed values as trigger values (``ui/live_map.js``).
    AppTest has no API for a custom component's triggers, so the trigger widget's state is
    added by hand, through AppTest internals (``_tree``, ``_runner``) that a Streamlit
    upgrade may move: the tests that use this then fail loudly rather than pass.
    """
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    component = [e for e in at.get("bidi_component") if e.proto.component_name.endswith("live_map")][index]
    states = at._tree.get_widget_states()
    trigger = WidgetState(id=_make_trigger_id(component.proto.id, "events"))
    trigger.json_trigger_value = json.dumps([{"event": event, "value": value}])
    states.widgets.append(trigger)
    return at._tree._runner._run(states)


def named_traces(figure: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Traces of a figure by name (first one wins)."""
    out: dict[str, dict[str, Any]] = {}
    for trace in figure["data"]:
        out.setdefault(trace.get("name", ""), trace)
    return out


def path_of(figure: dict[str, Any], name: str) -> np.ndarray:
    """The full path (N, 2) drawn for the run called ``name`` on the map figure."""
    trace = next(t for t in figure["data"] if t.get("name") == name and t.get("mode") == "lines")
    return np.stack([decode(trace["x"]), decode(trace["y"])], axis=1)


def errors(at: AppTest) -> list[str]:
    """Exception messages shown on the page."""
    return [str(e.value) for e in at.exception]


def notice(at: AppTest) -> str:
    """The text of the page's first warning as a reader sees it (Markdown escapes removed)."""
    return at.warning[0].value.replace("\\", "")


def open_more_settings(at: AppTest, *rids: int) -> AppTest:
    """Open the "More settings" expander of the runs with ids ``rids`` (drawn only while open) and run."""
    from ui import playground_state as ps

    for rid in rids:
        at.session_state[ps.run_key(rid, "more")] = True
    return at.run()


def run_panels(at: AppTest) -> list[dict[str, Any]]:
    """The data each run panel (``ui.run_panel``: summary table, update rules) received in this run, in order."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name.endswith("run_panel")]


def summary_rows(at: AppTest) -> list[dict[str, str]]:
    """The Playground's summary table as shown: one dict per run, column name to text."""
    table = next(p["table"] for p in run_panels(at) if "table" in p)
    return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
