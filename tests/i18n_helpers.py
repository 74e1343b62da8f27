"""Find English a reader would see on a page rendered in the pseudo-locale (``lang=xx``).

In the pseudo-locale every message that went through a translator shows as ``⟪message⟫``, so any
English word outside those marks is text that skipped translation. Use on any page::

    from tests.i18n_helpers import page_strays
    assert not page_strays("views/lesson_cliffs.py")   # [] when everything shown is translated

:func:`visible_texts` collects what a reader sees from an AppTest run: Markdown, captions,
headings, notices, widget labels, options and help, metric labels and values, tab and expander
labels, dataframe column names, Plotly figures' titles, axis titles, legend names, annotations and
hover text, and the texts the app's components (live map, run panel, copy button) receive.
:func:`stray_english` drops what is allowed to stay as it is (numbers, units, maths and LaTeX,
optimizer names, proper names, URLs) and returns the rest.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from core.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN

ALLOWED_WORDS = frozenset(
    [
        "SGD",
        "Adam",
        "AdamW",
        "RMSProp",
        "RMSprop",
        "Nesterov",
        "NAG",
        "Adagrad",
        "AdaGrad",
        "Lion",
        "Adadelta",
        "AMSGrad",
        "Nadam",
        "NAdam",
        "momentum",
        "Rosenbrock",
        "Himmelblau",
        "Rastrigin",
        "Beale",
        "Booth",
        "Ackley",
        "Styblinski",
        "Tang",
        "Goldstein",
        "Price",
        "Matyas",
        "Easom",
        "Gaussian",
        "Descent",
        "Lab",
        "Streamlit",
        "Plotly",
        "JAX",
        "optax",
        "Chromium",
        "CSV",
        "JSON",
        "PNG",
        "GIF",
        "MP4",
        "URL",
        "MNIST",
        "ReLU",
        "Hessian",
        "Lanczos",
        "PCA",
        "L1",
        "L2",
        "lr",
        "wd",
        "GD",
        "x",
        "y",
        "z",
        "f",
        "g",
        "t",
        "e",
        "log",
        "exp",
        "sin",
        "cos",
        "tan",
        "tanh",
        "sqrt",
        "max",
        "min",
        "abs",
        "sign",
        "argmin",
        "argmax",
        "Li",
        "Kingma",
        "Ba",
        "Loshchilov",
        "Hutter",
        "Duchi",
        "Hinton",
        "Tieleman",
        "Polyak",
        "Nesterov",
        "Goodfellow",
        "Bengio",
        "Courville",
        "et",
        "al",
        "dB",
        "ms",
        "px",
    ]
)
"""Words that may show untranslated: optimizer and surface names, proper names, units, maths."""

_PSEUDO = re.compile(
    re.escape(PSEUDO_OPEN) + r"[^" + re.escape(PSEUDO_OPEN + PSEUDO_CLOSE) + r"]*" + re.escape(PSEUDO_CLOSE)
)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]|`[^`]*`", re.S)
_URL = re.compile(r"(?:https?://|\./|/)[^\s)\]]*|\]\([^)]*\)|\bwww\.[^\s]+|[^\s=]+=[^\s]+")
"""Links, and ``key=value`` echoes of a link's own text in a notice."""
_HTML = re.compile(r"<[^>]+>|&[a-z]+;|:material/[a-z_]+:|%\{[^}]*\}")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’-]*[A-Za-z0-9]")
"""An English word: two letters or more (single letters are variable names). A word with a digit or an
underscore is an identifier (``beta1``, ``weight_decay``) and may stay."""
_MATHY = re.compile(r"^[A-Za-z]\w*\(|^\\")

TEXT_FIELDS = frozenset(
    {"label", "help", "body", "options", "placeholder", "caption", "text", "title", "value", "display_value"}
)
"""Proto fields whose strings a reader sees (values of text widgets included)."""
SKIP_TYPES = frozenset({"latex", "code", "json", "empty", "html"})
FIGURE_TEXT_KEYS = frozenset({"text", "name", "hovertemplate", "ticktext", "title"})
COMPONENT_TEXT_KEYS = frozenset(
    {"title", "note", "label", "text", "name", "heading", "caption", "hovertemplate", "ticktext", "table_title"}
    | {"rules_title", "columns", "play", "pause", "drag", "failed"}
)


def strip_allowed(text: str) -> str:
    """``text`` without its translated messages (innermost marks first), maths, URLs and markup."""
    previous = None
    while previous != text:
        previous, text = text, _PSEUDO.sub(" ", text)
    for pattern in (_MATH, _URL, _HTML):
        text = pattern.sub(" ", text)
    return text


@functools.cache
def setting_names() -> frozenset[str]:
    """The surfaces' and optimizers' setting names (``rho``, ``eps``): identifiers, shown as they are."""
    import landscapes
    import optimizers
    from engine.config import all_params

    names = {p.name for key in landscapes.REGISTRY for p in landscapes.get(key).params}
    names |= {name for key in optimizers.REGISTRY for name in all_params(optimizers.get(key))}
    return frozenset(names)


def _allowed(word: str) -> bool:
    if word in ALLOWED_WORDS or word.lower() in ALLOWED_WORDS or word in setting_names():
        return True
    return any(ch.isdigit() or ch == "_" for ch in word)


def stray_english(texts: Iterable[str]) -> list[str]:
    """The texts that hold an English word outside the pseudo-locale's marks (allow-list aside)."""
    out = []
    for text in texts:
        rest = strip_allowed(text)
        words = [w for w in _WORD.findall(rest) if not _allowed(w)]
        if words and not _MATHY.match(rest.strip()):
            out.append(text)
    return sorted(set(out))


def _figure_texts(node: Any, key: str = "") -> Iterator[str]:
    """Strings of a Plotly spec (or a component's data) under keys that hold shown text."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _figure_texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _figure_texts(v, key)
    elif isinstance(node, str) and key in FIGURE_TEXT_KEYS | COMPONENT_TEXT_KEYS:
        yield node


def _proto_texts(proto: Any) -> Iterator[str]:
    """Strings a reader sees in one element's protobuf message (nested messages included)."""
    for desc, value in proto.ListFields():
        if desc.name == "spec" and isinstance(value, str):  # a Plotly figure
            yield from _figure_texts(json.loads(value))
        elif desc.name == "json" and isinstance(value, str):  # a components-v2 element's data
            try:
                yield from _figure_texts(json.loads(value))
            except ValueError:
                continue
        elif desc.type == desc.TYPE_MESSAGE:
            for item in [value] if hasattr(value, "ListFields") else value:
                yield from _proto_texts(item)
        elif desc.type == desc.TYPE_STRING and desc.name in TEXT_FIELDS:
            yield from ([value] if isinstance(value, str) else value)


def visible_texts(at: AppTest) -> list[str]:
    """Every text a reader sees on the page AppTest ``at`` rendered (main area and sidebar)."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        kind = getattr(node, "type", "")
        if kind in SKIP_TYPES:
            return
        children = getattr(node, "children", None)
        proto = getattr(node, "proto", None)
        if kind in ("dataframe", "arrow_data_frame", "table"):
            with contextlib.suppress(Exception):  # a table AppTest cannot read: its columns go unchecked
                texts.extend(str(c) for c in node.value.columns)
        elif proto is not None and not isinstance(children, dict):
            texts.extend(_proto_texts(proto))
        elif proto is not None:
            for name in ("label", "help"):  # expanders, tabs, popovers
                for holder in (
                    proto,
                    *(getattr(proto, f.name) for f, _ in proto.ListFields() if f.type == f.TYPE_MESSAGE),
                ):
                    value = getattr(holder, name, None)
                    if isinstance(value, str) and value:
                        texts.append(value)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return [t for t in texts if t and t.strip()]


@contextlib.contextmanager
def language_source(lang: str) -> Iterator[None]:
    """Translate into ``lang`` everywhere in the block, AppTest's script thread included.

    A page file run on its own (without ``app.py``, which registers the session's language)
    reads the language from this source; so does AppTest when it formats a widget's options
    in the test's thread, which must agree with what the page drew.
    """
    from core import i18n

    before = i18n._source
    i18n.set_language_source(lambda: lang)
    try:
        yield
    finally:
        i18n.set_language_source(before)


def render(page: str, query: dict[str, str] | None = None, lang: str = PSEUDO, timeout: float = 300) -> AppTest:
    """Run page file ``page`` (``"views/sweeps.py"``) once in language ``lang``, ``query`` in its link.

    The Playground (the app's default page) runs through ``app.py`` with ``lang`` in the link,
    so the navigation, the language picker and the link's language are covered too; any other
    page runs on its own file (AppTest cannot open a page of ``st.navigation`` on a first run).
    """
    from tests.apptest_helpers import APP

    root = Path(APP).parent
    at = AppTest.from_file(APP if page == "views/playground.py" else str(root / page), default_timeout=timeout)
    at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page == "views/playground.py":
        at.run()
        return at
    with language_source(lang):
        at.run()
    return at


def page_strays(page: str, query: dict[str, str] | None = None) -> list[str]:
    """The English a reader sees on ``page`` in the pseudo-locale (an exception counts as stray)."""
    at = render(page, query)
    errors = [f"exception: {e.value}" for e in at.exception]
    return errors + stray_english(visible_texts(at))
