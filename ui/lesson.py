"""What every lesson page shares: header, URL state with one notice, and the Playground link.

Lesson widgets use Streamlit's own URL binding (``bind="query-params"`` with a
``key``): the widget and the link stay in sync and values equal to the default
are left out. Streamlit silently drops a bound parameter whose value is invalid;
:class:`UrlGuard` notices that (and unknown parameters) so the page can say once,
visibly, what in the link was ignored.

Usage in a page::

    guard = UrlGuard("ill")                       # first thing on the page
    kappa = st.slider("kappa", 1.0, 1000.0, 100.0, key="ill.kappa", bind="query-params")
    ...
    guard.finish()                                # after every bound widget
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from engine.scenario import Scenario, to_query
from ui.markdown import notice_text

MAX_SHOWN = 40


class UrlGuard:
    """Snapshot the query string before widgets run; report what they did not accept."""

    def __init__(self, page: str):
        self.page = page
        self.state_key = f"{page}.url_notice"
        self.prefix = f"{page}."
        self.snapshot = {k: st.query_params.get(k) for k in st.query_params}
        # Widgets that already exist were set by the user, not by the link: a parameter that
        # Streamlit drops for them (a value moved back to its default) was not rejected.
        self.existing = {k for k in self.snapshot if self._ours(k) and k in st.session_state}

    def _ours(self, key: str) -> bool:
        """Whether ``key`` could name one of this page's widgets.

        Only such keys are looked up in ``st.session_state``, which raises for some names a
        link may hold (the empty name of ``?=1``, names starting with ``$$ID``).
        """
        return key.startswith(self.prefix)

    def finish(self) -> list[str]:
        """Show one warning listing ignored parameters (unknown keys, values the widgets refused).

        A bound widget's key is its query parameter name; a parameter that is not the
        key of a widget drawn on this page is unknown. Returns the messages.
        """
        known = {str(k) for k in st.session_state if str(k).startswith(self.prefix)} - {self.state_key}
        ignored = []
        for key, value in self.snapshot.items():
            shown = f"{key[:MAX_SHOWN] or '(no name)'}={str(value)[:MAX_SHOWN]}"
            if key not in known:
                ignored.append(f"{shown} (unknown setting)")
                if key in st.query_params:
                    del st.query_params[key]
            elif key not in st.query_params and key not in self.existing and not _same(st.session_state[key], value):
                ignored.append(f"{shown} (not a valid value)")
        if ignored:
            st.session_state[self.state_key] = ignored
        notice = st.session_state.get(self.state_key)
        if notice:
            st.warning(notice_text(notice), icon=":material/warning:")
        return ignored


def _same(value: object, text: str | None) -> bool:
    """Whether the widget ``value`` is what the link's ``text`` asked for ("10" and 10.0 are the same)."""
    if text is None:
        return False
    if str(value) == text or str(value).lower() == text.lower():
        return True
    try:
        return float(value) == float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def lesson_header(title: str, explanation: str, formula: str | None = None) -> None:
    """Title, a short plain-English explanation and the formula the page is about."""
    st.title(title)
    st.markdown(explanation)
    if formula:
        st.latex(formula)


def playground_url(scenario: Scenario) -> str:
    """A link (relative to the app root) that opens ``scenario`` in the Playground."""
    return "./?" + urlencode(to_query(scenario))


def playground_link(scenario: Scenario, label: str = "Open in Playground") -> None:
    """A button that opens ``scenario`` (exactly) in the Playground."""
    st.link_button(label, playground_url(scenario), icon=":material/open_in_new:")
