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
import json
import re
from collections.abc import Iterable, Iterator
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
_URL = re.compile(r"(?:https?://|\./|/)[^\s)\]]*|\]\([^)]*\)|\bwww\.[^\s]+")
_HTML = re.compile(r"<[^>]+>|&[a-z]+;|:material/[a-z_]+:")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
"""An English word: two letters or more (single letters are variable names)."""
_MATHY = re.compile(r"^[A-Za-z]\w*\(|^\\")

TEXT_FIELDS = frozenset(
    {"label", "help", "body", "options", "placeholder", "caption", "text", "title", "value", "display_value"}
)
"""Proto fields whose strings a reader sees (values of text widgets included)."""
SKIP_TYPES = frozenset({"latex", "code", "json", "empty", "html"})
FIGURE_TEXT_KEYS = frozenset({"text", "name", "hovertemplate", "ticktext", "title"})
COMPONENT_TEXT_KEYS = frozenset(
    {"title", "note", "label", "text", "name", "heading", "headings", "caption", "hovertemplate", "ticktext", "paper"}
)


def strip_allowed(text: str) -> str:
    """``text`` without its translated messages (innermost marks first), maths, URLs and markup."""
    previous = None
    while previous != text:
        previous, text = text, _PSEUDO.sub(" ", text)
    for pattern in (_MATH, _URL, _HTML):
        text = pattern.sub(" ", text)
    return text


def stray_english(texts: Iterable[str]) -> list[str]:
    """The texts that hold an English word outside the pseudo-locale's marks (allow-list aside)."""
    out = []
    for text in texts:
        rest = strip_allowed(text)
        words = [w for w in _WORD.findall(rest) if w not in ALLOWED_WORDS and w.lower() not in ALLOWED_WORDS]
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


def render(page: str, query: dict[str, str] | None = None, lang: str = PSEUDO, timeout: float = 300) -> AppTest:
    """Run the app on page file ``page`` (``"views/sweeps.py"``) with ``lang`` in the link."""
    from tests.apptest_helpers import APP

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()  # the app's first page; AppTest switches pages only once the navigation has run
    if page != "views/playground.py":
        at.switch_page(page)
        at.run()
    return at


def page_strays(page: str, query: dict[str, str] | None = None) -> list[str]:
    """The English a reader sees on ``page`` in the pseudo-locale (an exception counts as stray)."""
    at = render(page, query)
    errors = [f"exception: {e.value}" for e in at.exception]
    return errors + stray_english(visible_texts(at))
