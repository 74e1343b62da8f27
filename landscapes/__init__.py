"""Registry of loss surfaces: every module of this package that defines ``LANDSCAPE`` is registered.

Adding a surface is adding one file (see ARCHITECTURE.md); the app lists surfaces by
their ``order`` (see :class:`landscapes.base.Landscape`).
"""

from __future__ import annotations

import sys

import core.cpu_backend  # noqa: F401  (must run before JAX starts its backend)
from core.registry import keyed, package_entries
from landscapes.base import Landscape

HELPERS = ("base", "custom", "formula")
"""Modules of this package that are not landscapes (the only list to edit when adding a helper module)."""


def discover() -> dict[str, Landscape]:
    """Every landscape module's ``LANDSCAPE``, by key, in display order."""
    return keyed(package_entries(sys.modules[__name__], "LANDSCAPE", HELPERS), "landscape")


REGISTRY: dict[str, Landscape] = discover()


def get(key: str) -> Landscape:
    """The landscape registered as ``key``; ``ValueError`` naming the known keys otherwise."""
    try:
        return REGISTRY[key]
    except (KeyError, TypeError):
        raise ValueError(f"landscape must be one of {sorted(REGISTRY)}, got {key!r}") from None
