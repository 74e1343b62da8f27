"""The Sweeps page's widgets: a :class:`ui.page_form.PageForm` that also draws the settings that depend on its choices.

The fixed choices (what to map, the surface, the optimizers, the grid) are drawn like any page's
settings. The dependent ones (the surface's parameters, the axes, each optimizer's other
settings, the start point) are made by :func:`ui.lessons.sweeps.tuned_table` from the choices;
this form seeds their widget values (from the widget, else the link, else the default) before
any is drawn, and reads them back into the scenario in :meth:`SweepsForm.current`.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from core.page_scenario import Field
from ui.lessons.sweeps import RANGE, SweepsScenario, accepts, parse_link
from ui.page_form import PageForm, draw, link_query

SELECTED = f"{SweepsScenario.PAGE}.cell"
"""Session-state key of the clicked cell: which map, and the cell's axis values (or start point)."""


class SweepsForm(PageForm[SweepsScenario]):
    """The Sweeps page's form: its fixed settings, and the dependent ones for the choices they hold now."""

    def __init__(self) -> None:
        super().__init__(SweepsScenario)
        state, link = st.session_state, link_query()

        def offer(f: Field) -> Any:
            if f.key in state and accepts(f, state[f.key]):
                return state[f.key]
            return parse_link(f, link[f.key])[0] if f.key in link else None

        table = PageForm.current(self).with_tuned(offer).table()
        for f, value in table:
            if f.key not in state or not accepts(f, state[f.key]):
                state[f.key] = value
        self.tuned_fields = {f.name: f for f, _ in table}

    def current(self) -> SweepsScenario:
        """The scenario the widgets hold now, the dependent settings included."""
        state = st.session_state
        return super().current().with_tuned(lambda f: state.get(f.key) if accepts(f, state.get(f.key)) else None)

    def names(self, prefix: str) -> list[str]:
        """The dependent settings whose names start with ``prefix`` (``"lp."``, ``"h."``), in page order."""
        return [name for name in self.tuned_fields if name.startswith(prefix)]

    def has(self, name: str) -> bool:
        """Whether dependent setting ``name`` applies to the current choices (a batch size needs data)."""
        return name in self.tuned_fields

    def tuned(self, name: str, where: Any = None, **extra: Any) -> Any:
        """Draw dependent setting ``name``'s widget in ``where`` (the page by default); returns its value."""
        f = self.tuned_fields[name]
        spec, where = f.setting, where if where is not None else st
        if spec.widget == RANGE:
            # A two-ended value makes it a range slider (the value itself comes from the session state).
            ends = (spec.options[0], spec.options[-1])
            return where.select_slider(
                spec.label, options=spec.options, value=ends, format_func=spec.shown, key=f.key, **extra
            )
        if spec.widget == "number":
            assert spec.low is not None and spec.high is not None
            step = (spec.high - spec.low) / 100
            return where.number_input(spec.label, spec.low, spec.high, step=step, format="%.3f", key=f.key, **extra)
        if spec.widget == "slider" and f.kind is float and spec.step:
            extra.setdefault("format", f"%.{max(0, -math.floor(math.log10(spec.step)))}f")
        return draw(f, where, translate=self.translate, **extra)


def forget(*names: str, prefix: str | None = None) -> None:
    """Drop settings from the widgets and the link, so their widgets start again from their (new) defaults."""
    page = SweepsScenario.PAGE
    keys = [f"{page}.{name}" for name in names]
    if prefix is not None:
        keys += [str(k) for k in st.session_state if str(k).startswith(f"{page}.{prefix}")]
    for key in keys:
        st.session_state.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]
