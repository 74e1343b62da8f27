"""Checks over every page file."""

from __future__ import annotations

import ast
from pathlib import Path

PAGES = sorted((Path(__file__).resolve().parent.parent / "views").glob("*.py"))


def test_no_page_has_a_bare_string_that_streamlit_magic_would_print():
    """Streamlit "magic" writes any bare string expression of a page (after its docstring) to the screen."""
    assert PAGES
    for page in PAGES:
        body = ast.parse(page.read_text()).body
        stray = [
            node.lineno
            for node in body[1:]
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        ]
        assert not stray, f"{page.name}: bare strings at lines {stray}"


def test_every_page_is_in_the_navigation():
    """A page file that the router does not list is unreachable."""
    router = (Path(__file__).resolve().parent.parent / "app.py").read_text()
    for page in PAGES:
        assert f'"views/{page.name}"' in router, f"{page.name} is not in app.py's navigation"
