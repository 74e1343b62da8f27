"""The share link: query parameters kept in sync with a page's state, and a copy button."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from core.i18n import link_query, translator

_ = translator("app")


def sync_query_params(query: Mapping[str, str | list[str]]) -> None:
    """Make the browser's query string equal ``query`` (written only when it changed).

    A list value is a key repeated once per item (a multiselect's or a range slider's link).
    The interface's language is added when it is not English (``lang=ko``).
    """
    query = {**query, **link_query()}
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = {key: [value] if isinstance(value, str) else list(value) for key, value in query.items()}
    if current != wanted:
        st.query_params.from_dict(dict(query))


def share_url(query: Mapping[str, str | list[str]]) -> str:
    """The absolute URL that reproduces ``query`` on the current page (in the current language)."""
    query = {**query, **link_query()}
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(dict(query), doseq=True)}" if query else base


COPY_JS = """
export default function ({ data, parentElement }) {
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.dataset.testid = "copy-link";
    button.className = "dl-copy-link";
    button.addEventListener("click", async () => {
      const url = button.dataset.url;
      try {
        await navigator.clipboard.writeText(url);
      } catch (err) {
        const area = document.createElement("textarea");
        area.value = url;
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
      }
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
    });
    parentElement.appendChild(button);
  }
  button.style.setProperty("--dl-accent", data.accent);
  button.dataset.url = data.url;
  button.dataset.label = data.label;
  button.dataset.copied = data.copied;
  button.title = data.url;
  if (button.textContent !== data.copied) button.textContent = data.label;
}
"""
COPY_CSS = """
.dl-copy-link { font: 14px "Source Sans", "Source Sans Pro", sans-serif; padding: 6px 14px; border-radius: 8px;
  cursor: pointer; border: 1px solid rgba(250,250,250,0.3); background: #262730; color: #fafafa; }
.dl-copy-link:hover { border-color: var(--dl-accent); color: var(--dl-accent); }
"""

_copy_button = st.components.v2.component("descent_lab.copy_link", js=COPY_JS, css=COPY_CSS, isolate_styles=False)


def copy_link_button(url: str, label: str | None = None) -> None:
    """A button that copies ``url`` to the clipboard (falls back to selecting it).

    A components-v2 element, not an iframe: the link changes with every slider move, and an
    iframe whose content changed reloaded itself on each one (80-100 ms of the page's time
    per move in a Chromium trace, ``benchmarks/live_map_bench.py``). Here a move only updates
    the button's ``data-url``. The URL and label are set as text and attributes, never as HTML.
    """
    accent = str(st.get_option("theme.primaryColor") or "#ff4b4b")
    data = {"url": url, "label": label or _("Copy link"), "copied": "✓ " + _("Copied"), "accent": accent}
    _copy_button(key="share.copy_link", data=data)
