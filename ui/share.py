"""The share link: query parameters kept in sync with a page's state, and a copy button."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st


def sync_query_params(query: Mapping[str, str]) -> None:
    """Make the browser's query string equal ``query`` (written only when it changed)."""
    current = st.query_params.to_dict()
    if current != dict(query):
        st.query_params.from_dict(dict(query))


def share_url(query: Mapping[str, str]) -> str:
    """The absolute URL that reproduces ``query`` on the current page."""
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(dict(query))}" if query else base


def copy_link_button(url: str, label: str = "Copy link") -> None:
    """A button that copies ``url`` to the clipboard (falls back to selecting it)."""
    payload = json.dumps(url).replace("<", "\\u003c")
    accent = html.escape(str(st.get_option("theme.primaryColor") or "#ff4b4b"))
    st.iframe(
        f"""
<style>
  button {{ font: 14px "Source Sans Pro", sans-serif; padding: 6px 14px; border-radius: 8px; cursor: pointer;
           border: 1px solid rgba(250,250,250,0.3); background: #262730; color: #fafafa; }}
  button:hover {{ border-color: {accent}; color: {accent}; }}
  body {{ margin: 0; }}
</style>
<button id="copy" data-testid="copy-link" title="{html.escape(url)}">{html.escape(label)}</button>
<script>
  const url = {payload};
  const button = document.getElementById("copy");
  button.addEventListener("click", async () => {{
    try {{ await navigator.clipboard.writeText(url); }}
    catch (e) {{
      const area = document.createElement("textarea"); area.value = url; document.body.appendChild(area);
      area.select(); document.execCommand("copy"); area.remove();
    }}
    button.textContent = "✓ Copied";
    setTimeout(() => {{ button.textContent = "{html.escape(label)}"; }}, 1500);
  }});
</script>
""",
        height=42,
    )
