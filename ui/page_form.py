"""A page's widgets, drawn from its scenario's field table, and the one cached builder per page.

Usage in a page (the scenario class is declared once, with its settings; see
``core/page_scenario.py``)::

    form = PageForm(PenaltyScenario)       # reads the link on a first visit
    form.widget("alpha")                    # each setting's widget, wherever the layout wants it
    scenario = form.finish()                # the typed scenario; the link now matches it
    view = build(scenario)                  # a builder wrapped by cached_builder

Widget keys are the link keys (``"reg.alpha"``): a value lives in ``st.session_state`` under
that key, seeded from the link the first time the page runs in a session. :meth:`PageForm.finish`
builds the scenario from those values, rewrites the link to its canonical form and shows one
notice naming what the link held that the page could not use.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import streamlit as st

from core.catalogs import domain_of
from core.i18n import Translator, language, translator, use_language
from core.page_scenario import Field, PageScenario
from ui.markdown import notice_text
from ui.share import sync_query_params

_ = translator("app")

S = TypeVar("S", bound=PageScenario)
V = TypeVar("V")


class PageForm(Generic[S]):
    """The widgets of one page's scenario class ``cls`` and the link they stay in sync with."""

    def __init__(self, cls: type[S]):
        self.cls = cls
        self.translate = setting_translator(cls)
        self.notice_key = f"{cls.PAGE}.__notice"
        state = st.session_state
        fields = cls.fields()
        missing = [f for f in fields if f.key not in state]
        if missing:
            # Values come from the link when the page opens (Streamlit drops a widget's value when a
            # run does not draw it, so also after another page ran, or after a hidden widget came
            # back): the link always matches the page, so it holds the value the page last had.
            scenario, ignored = cls.from_query(link_query())
            for f in missing:
                value = getattr(scenario, f.name)
                state[f.key] = list(value) if f.kind is tuple else value
            if len(missing) == len(fields):
                state[self.notice_key] = ignored

    def widget(self, name: str, where: Any = None, **extra: Any) -> Any:
        """Draw setting ``name``'s widget in ``where`` (a container or column; the page by default).

        ``extra`` goes to the Streamlit widget as it is (``on_change``, ``label_visibility``...).
        Returns the widget's value.
        """
        f = self.cls.field(name)
        return draw(f, where if where is not None else st, translate=self.translate, **extra)

    def current(self) -> S:
        """The scenario the widgets hold now (a setting whose widget was not drawn keeps its value).

        A widget that holds no value (a segmented control clicked off) gives its setting's default;
        a multiselect's list becomes the setting's tuple.
        """
        values = {}
        for f in self.cls.fields():
            value = st.session_state.get(f.key)
            if value is None:
                value = f.default
            values[f.name] = tuple(value) if f.kind is tuple else value
        return self.cls(**values)

    def finish(self, where: Any = None) -> S:
        """The scenario the widgets hold; rewrite the link to match it and show the link's notice.

        Call after every widget of the page is drawn. The notice (one warning listing what the link
        held that was ignored) appears in ``where``, and stays until the page is left.
        """
        scenario = self.current()
        sync_query_params(scenario.to_query())
        ignored = st.session_state.get(self.notice_key)
        if ignored:
            (where if where is not None else st).warning(notice_text(ignored), icon=":material/warning:")
        return scenario


def link_query() -> dict[str, list[str]]:
    """The link's query parameters, every value of a repeated one kept (a range is written as two)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


@functools.cache
def setting_translator(cls: type) -> Translator:
    """The translator of the catalog that owns the module declaring ``cls`` (its settings' labels are marked there)."""
    return translator(domain_of(inspect.getfile(cls)))


def draw(f: Field, where: Any, translate: Callable[[str], str] | None = None, **extra: Any) -> Any:
    """The Streamlit widget for field ``f`` (keyed by its link key, its value in ``st.session_state``).

    ``translate`` (the declaring module's translator, see :func:`setting_translator`) turns the
    label, the help and the shown text of options into the interface's language; numbers
    are shown as they are. The values, and so the link, stay the same in every language.
    """
    spec = f.setting
    tr = translate or (lambda text: text)
    label = tr(spec.label)

    def shown(value: Any) -> str:
        text = spec.shown(value)
        return text if _is_number(text) else tr(text)

    common = {"key": f.key, "help": tr(spec.help) if spec.help else spec.help, **extra}
    if spec.widget == "toggle":
        return where.toggle(label, **common)
    if spec.widget in ("selectbox", "radio", "segmented_control"):
        show = getattr(where, spec.widget)
        return show(label, spec.options, format_func=shown, **common)
    if spec.widget == "multiselect":
        return where.multiselect(
            label,
            spec.options,
            format_func=shown,
            max_selections=spec.most,
            placeholder=_("Choose one or more"),
            **common,
        )
    if spec.widget == "select_slider":
        return where.select_slider(label, options=spec.options, format_func=shown, **common)
    if spec.widget == "number":
        # ``extra`` may give the +/- buttons a coarser step than the one the link is checked against.
        return where.number_input(label, f.kind(spec.low), f.kind(spec.high), **{"step": spec.step, **common})
    return where.slider(label, f.kind(spec.low), f.kind(spec.high), step=spec.step, **common)


def _is_number(text: str) -> bool:
    """Whether a shown option is a number (shown as it is in every language)."""
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


_BUILDERS: dict[str, tuple[type[PageScenario], Callable[[Any], Any]]] = {}


def cached_builder(cls: type[S], build: Callable[[S], V]) -> Callable[[S], V]:
    """``build`` with its results shared by every session, keyed on the scenario's canonical query.

    The returned function takes a scenario; two scenarios with the same link share one entry per
    language (results hold translated text: figure titles, trace names).
    Builders return finished data (engine results, figures) that pages only lay out, and must
    not mutate what they return (it is shared).
    """
    name = f"{build.__module__}.{build.__qualname__}"
    _BUILDERS[name] = (cls, build)

    def cached(scenario: S) -> V:
        return _build(name, scenario.canonical(), language())

    cached.__doc__ = build.__doc__
    return cached


@st.cache_resource(show_spinner=False, max_entries=512)
def _build(name: str, canonical: str, lang: str) -> Any:
    """One builder's result for one canonical query in one language (all pages share this cache; 512 entries)."""
    cls, build = _BUILDERS[name]
    with use_language(lang):
        return build(cls.from_canonical(canonical))
