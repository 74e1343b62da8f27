"""The interface's languages: English source text, translated through gettext catalogs.

Every text a page shows is written in English in the code and passed through a
:class:`Translator` of one *domain* (a catalog: the app's shell, a group of lessons, the
network pages), so translators of different parts never edit the same file::

    from core.i18n import translator

    _ = translator("network")
    st.subheader(_("Training and test loss"))
    st.caption(_("{n} images").format(n=1797))  # format after translating: placeholders stay

Catalogs are ``locales/<lang>/LC_MESSAGES/<domain>.po``, read with Babel at first use and
kept (no compiled ``.mo`` files in the repository). A message without a translation shows
in English. Module-level text that is translated later is marked with :func:`N_` so that
extraction still finds it.

The language comes from :func:`use_language` where a block sets it (tests, exports), and
otherwise from the source the UI registers with :func:`set_language_source` (the session's
choice, which also holds during a fragment's rerun). Nothing here imports Streamlit.

``PSEUDO`` is a test-only language that wraps every translated message in ``⟪ ⟫``: a page
rendered in it must show no English outside those marks.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
"""Languages a user can pick: code -> the language's own name."""
DEFAULT = "en"
PSEUDO = "xx"
"""Test-only pseudo-locale: every translated message comes back as ``⟪message⟫``."""
PSEUDO_OPEN, PSEUDO_CLOSE = "⟪", "⟫"
LINK_KEY = "lang"
"""The share link's query parameter holding the language (only written when it is not English)."""
LOCALES = Path(__file__).resolve().parent.parent / "locales"

_override: ContextVar[str | None] = ContextVar("descent_lab_language", default=None)
_source: Callable[[], str] = lambda: DEFAULT


def known(lang: object) -> bool:
    """Whether ``lang`` is a language this module can show (the pseudo-locale included)."""
    return lang in LANGUAGES or lang == PSEUDO


def language() -> str:
    """The language in force: a :func:`use_language` block's, else the registered source's."""
    lang = _override.get()
    if lang is None:
        lang = _source()
    return lang if known(lang) else DEFAULT


def set_language_source(source: Callable[[], str]) -> None:
    """Register where :func:`language` reads the current language (the UI calls this once)."""
    global _source
    _source = source


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Translate into ``lang`` inside the block (``ValueError`` for an unknown language)."""
    if not known(lang):
        raise ValueError(f"language must be one of {sorted([*LANGUAGES, PSEUDO])}, not {lang!r}")
    token = _override.set(lang)
    try:
        yield
    finally:
        _override.reset(token)


def catalog_path(lang: str, domain: str) -> Path:
    """Where the catalog of ``domain`` in ``lang`` lives."""
    return LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def catalog(lang: str, domain: str) -> dict[str, str]:
    """The translated, non-fuzzy messages of ``domain`` in ``lang`` (empty if there is no catalog)."""
    path = catalog_path(lang, domain)
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        po = read_po(f, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


class Translator:
    """Translate messages of one catalog domain into the current language."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def __call__(self, message: str) -> str:
        """``message`` in the current language (itself when English or untranslated)."""
        lang = language()
        if lang == DEFAULT or not message:
            return message
        if lang == PSEUDO:
            return f"{PSEUDO_OPEN}{message}{PSEUDO_CLOSE}"
        return catalog(lang, self.domain).get(message, message)

    def __repr__(self) -> str:
        return f"Translator({self.domain!r})"


@functools.cache
def translator(domain: str) -> Translator:
    """The translator of ``domain`` (one per domain)."""
    return Translator(domain)


def link_query() -> dict[str, str]:
    """The language's part of a share link: ``{"lang": ...}``, or nothing for English."""
    lang = language()
    return {} if lang == DEFAULT else {LINK_KEY: lang}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translate it where it is shown)."""
    return message
