"""Registries that find their own modules: a new optimizer or landscape is one new file.

A package (``optimizers/``, ``landscapes/``) imports every module of its own except
the few helper modules it names (the contract in ``base.py`` and the like), and
registers the entry attribute each one defines (``SPEC``, ``LANDSCAPE``). Helpers are
named rather than imported to find out: importing one (``landscapes/custom.py`` uses
the engine) while the package itself is still being imported would be circular.
Entries are ordered by their ``order`` field, then key, so the app's pickers list them
in a deliberate, stable order whatever the file names are.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection, Iterable
from types import ModuleType
from typing import Any


def entry_modules(package: ModuleType, helpers: Collection[str]) -> list[str]:
    """Full names of the modules of ``package`` other than ``helpers`` (short names), sorted.

    Modules are found on ``package.__path__``, so a test may add a folder to it.
    """
    found = pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}.")
    return sorted(info.name for info in found if info.name.rpartition(".")[2] not in helpers)


def package_entries(package: ModuleType, attribute: str, helpers: Collection[str]) -> list[Any]:
    """``module.<attribute>`` of every module of ``package`` but ``helpers``, sorted by ``(order, key)``.

    ``AttributeError`` names a module that defines no ``attribute``: a new file that
    forgot it must not silently stay out of the app.
    """
    entries = []
    for name in entry_modules(package, helpers):
        module = importlib.import_module(name)
        if not hasattr(module, attribute):
            raise AttributeError(f"{name} defines no {attribute} (helper modules are listed in {package.__name__})")
        entries.append(getattr(module, attribute))
    return sorted(entries, key=lambda entry: (entry.order, entry.key))


def keyed(entries: Iterable[Any], what: str) -> dict[str, Any]:
    """``{entry.key: entry}`` in the given order; ``ValueError`` if two entries share a key."""
    registry: dict[str, Any] = {}
    for entry in entries:
        if entry.key in registry:
            raise ValueError(f"two {what} modules register the key {entry.key!r}")
        registry[entry.key] = entry
    return registry
