"""Showing untrusted text (link parameters, labels, formulas) inside Streamlit Markdown."""

from __future__ import annotations

import re

from core.i18n import translator

_ = translator("app")

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown/LaTeX/HTML-significant character backslash-escaped.

    Streamlit renders messages, labels and ``st.markdown`` as Markdown; text that came
    from a link or a user must show literally, never as a link, an image or markup.
    """
    return _SPECIAL.sub(r"\\\1", str(text))


MAX_NOTICE_ITEMS = 8
"""A notice names at most this many ignored items, then says how many more there were."""


def notice_text(ignored: list[str]) -> str:
    """The one notice a page shows for a link it could not fully apply (escaped, capped at :data:`MAX_NOTICE_ITEMS`)."""
    shown = "; ".join(escape_markdown(item) for item in ignored[:MAX_NOTICE_ITEMS])
    more = len(ignored) - MAX_NOTICE_ITEMS
    return (
        _("Some settings in the link could not be used as written, so their defaults apply unless noted:")
        + " "
        + shown
        + (" " + _("(and {count} more)").format(count=more) if more > 0 else "")
    )
