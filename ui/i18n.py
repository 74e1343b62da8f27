"""The session's interface language: read from the link, chosen in the sidebar, kept in the session.

``app.py`` calls :func:`setup_language` before anything is drawn and :func:`language_picker`
before ``st.navigation(...).run()``. The language lives in ``st.session_state`` under
:data:`KEY` (the picker's widget key), registered with :func:`core.i18n.set_language_source`, so
it holds during a fragment's rerun too, when ``app.py`` does not run. A link's ``lang=ko`` sets it
on the session's first run; every share link then carries it (``ui.share``).
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.i18n import DEFAULT, LANGUAGES, LINK_KEY, PSEUDO, known, set_language_source, translator
from ui.markdown import escape_markdown

_ = translator("app")

KEY = "i18n.lang"
"""Session-state key (and the picker's widget key) of the session's language."""
LAST = "i18n.last"
"""The last language picked: a segmented control clicked off holds nothing, the language stays."""
NOTICE = "i18n.bad_link"
"""A ``lang`` value the link held that is not a language (shown until a language is picked)."""
MAX_ECHO = 20
PSEUDO_SWITCH = "DESCENT_LAB_PSEUDO_LOCALE"
"""Environment variable that lets a link pick the test-only pseudo-locale (``tests/conftest.py`` sets it)."""


def link_language(raw: str) -> str | None:
    """The language a link's ``lang`` value names (any case, spaces ignored), or None if it names none.

    The pseudo-locale counts only where :data:`PSEUDO_SWITCH` is ``1``: a shared link must not
    turn a class's pages into ``⟪…⟫``.
    """
    lang = raw.strip().lower()
    if lang in LANGUAGES or (lang == PSEUDO and os.environ.get(PSEUDO_SWITCH) == "1"):
        return lang
    return None


def session_language() -> str:
    """The language of the running session (English outside a Streamlit run)."""
    if get_script_run_ctx() is None:
        return DEFAULT
    state = st.session_state
    lang = state.get(KEY) or state.get(LAST) or DEFAULT
    return lang if known(lang) else DEFAULT


def setup_language() -> None:
    """Register the session's language as the one translators use; on a first run, read it from the link.

    A link whose ``lang`` is not a language opens in English and shows a short notice.
    """
    set_language_source(session_language)
    state = st.session_state
    if KEY in state:
        return
    raw = st.query_params.get(LINK_KEY)
    lang = None if raw is None else link_language(raw)
    if raw is not None and lang is None:
        state[NOTICE] = raw
    state[KEY] = state[LAST] = lang or DEFAULT


def _picked() -> None:
    state = st.session_state
    if state.get(KEY) is None:
        state[KEY] = state.get(LAST, DEFAULT)
    state[LAST] = state[KEY]
    state.pop(NOTICE, None)


def language_picker() -> None:
    """The sidebar's "English | 한국어" control (each language named in itself), on every page."""
    state = st.session_state
    options = list(LANGUAGES) + ([PSEUDO] if state.get(KEY) == PSEUDO else [])
    st.sidebar.segmented_control(
        _("Language"),
        options,
        format_func=lambda code: LANGUAGES.get(code, code),
        key=KEY,
        on_change=_picked,
        label_visibility="collapsed",
    )
    raw = state.get(NOTICE)
    if raw is not None:
        text = raw if len(raw) <= MAX_ECHO else raw[: MAX_ECHO - 1] + "…"
        st.sidebar.caption(
            _("The link's language {lang} is not available; showing English.").format(lang=escape_markdown(text))
        )
