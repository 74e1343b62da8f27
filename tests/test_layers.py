"""The layering rules, read from the source with ``ast``: a new import that breaks one fails here.

- The engine imports nothing from ``ui/`` and never Streamlit: it runs in tests, scripts and
  benchmarks without a page.
- ``charts/`` imports from the engine only data types (classes) and constants, never a
  function: the engine (or the page's builder) hands charts finished data, charts only draw.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources(folder: str) -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the root, parsed module) for every Python file under ``folder``."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def imports(tree: ast.Module) -> Iterator[tuple[str, str | None]]:
    """(module, imported name or None for ``import module``) of every import, at any depth (also inside functions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.module, alias.name


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_engine_imports_nothing_from_ui_or_streamlit() -> None:
    found = [
        f"{path}: {module}"
        for path, tree in sources("engine")
        for module, _ in imports(tree)
        if top(module) in {"ui", "streamlit"}
    ]
    assert found == []


def engine_functions_imported(tree: ast.Module) -> set[str]:
    """Full names of what a module imports from the engine that is neither a class nor a constant."""
    found = set()
    for module, name in imports(tree):
        if top(module) != "engine":
            continue
        if name is None:
            found.add(module)  # a whole engine module: its functions are one attribute away
            continue
        value = getattr(importlib.import_module(module), name, None)
        if value is None and importlib.util.find_spec(f"{module}.{name}") is not None:
            found.add(f"{module}.{name}")  # ``from engine import simulate``: a module
        elif callable(value) and not isinstance(value, type):
            found.add(f"{module}.{name}")
    return found


def test_charts_import_only_data_types_and_constants_from_the_engine() -> None:
    found = {path: names for path, tree in sources("charts") if (names := engine_functions_imported(tree))}
    assert found == {}, "charts must take finished data (the caller computes it and passes it in)"


def test_the_rules_catch_a_breaking_import() -> None:
    """The checks above see imports at module level and inside functions, by name or whole module."""
    tree = ast.parse(
        "from engine.grid import LossGrid, loss_grid\n"
        "import engine.simulate\n"
        "def f():\n"
        "    from ui.param_widgets import log_grid\n"
        "    import streamlit as st\n"
    )
    assert engine_functions_imported(tree) == {"engine.grid.loss_grid", "engine.simulate"}
    assert {top(module) for module, _ in imports(tree)} == {"engine", "ui", "streamlit"}
