"""The Playground's run panel: the summary table and the update rules in one component that stays alive.

Each ``st.dataframe`` and ``st.latex`` element is drawn again by the browser on every rerun,
changed or not (KaTeX typesets every block again). Leaving the Playground's table and its four
runs' equations out cut the renderer's main-thread time per lr move by about a quarter (0.61 to
0.45 s on a busy machine, interleaved moves, 12 each). Here one components-v2 element holds the
table, its note and the equations, with their headings; a move re-typesets only the equations
whose LaTeX changed.

The equations are typeset by the KaTeX that Streamlit's markdown uses (served with its frontend,
its CSS already on the page), so nothing is fetched from elsewhere; without it the panel shows
the LaTeX text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.i18n import translator

_ = translator("app")

HERE = Path(__file__).parent
STREAMLIT_FRONTEND = Path(st.__file__).parent / "static"
"""Streamlit's frontend files, served at the app's root URL."""

_mount = st.components.v2.component(
    "descent_lab.run_panel",
    css=(HERE / "run_panel.css").read_text(encoding="utf-8"),
    js=(HERE / "run_panel.js").read_text(encoding="utf-8"),
    isolate_styles=False,  # KaTeX's styles come from the page
)


@dataclass(frozen=True)
class RuleBlock:
    """One run's update rule as the panel shows it: its title, paper, colour and LaTeX."""

    title: str
    paper: str
    colour: str
    tex: str


def katex_file() -> Path | None:
    """Streamlit's rehype-katex module (KaTeX as its markdown uses it; the name carries a content hash), if any.

    Streamlit also ships a newer KaTeX alone, but the KaTeX CSS on its pages is the one
    rehype-katex's output needs (the newer one renamed classes, and its sub- and superscripts
    sit on the baseline with that CSS).
    """
    found = sorted((STREAMLIT_FRONTEND / "static" / "js").glob("rehype-katex.*.js"))
    return found[0] if found else None


def katex_src() -> str | None:
    """The URL this app serves KaTeX at, or None (the panel then shows the LaTeX text)."""
    found = katex_file()
    if found is None:
        return None
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = found.relative_to(STREAMLIT_FRONTEND).as_posix()
    return f"/{base}/{path}" if base else f"/{path}"


def run_panel(
    key: str,
    *,
    rows: Sequence[Mapping[str, str]],
    colours: Sequence[str],
    note: str,
    rules: Sequence[RuleBlock],
    table_title: str | None = None,
    rules_title: str | None = None,
) -> None:
    """The summary table (one row per run; ``rows`` share their keys, the column names; a colour dot marks
    each run) with ``note`` below it, then each run's update rule, typeset, two to a row on a wide page.

    One component draws both, headings and note included: the browser draws every Streamlit
    element on the page again at each rerun, changed or not (renderer CPU: about 2.5 ms per heading or
    caption, ``benchmarks/element_cost.py``), and here four of them became part of one.
    """
    columns = list(rows[0]) if rows else []
    _mount(
        key=key,
        data={
            "table_title": _("Summary") if table_title is None else table_title,
            "table": {
                "columns": columns,
                "rows": [[str(r[c]) for c in columns] for r in rows],
                "colours": list(colours),
            },
            "note": note,
            "rules_title": _("Update rules, as computed") if rules_title is None else rules_title,
            "equations": [{"title": b.title, "paper": b.paper, "colour": b.colour, "tex": b.tex} for b in rules],
            "katex_src": katex_src(),
        },
    )
