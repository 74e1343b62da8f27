"""Registry of optimizers: every module of this package that defines ``SPEC`` is registered.

Adding an optimizer is adding one file (see ARCHITECTURE.md); the app lists optimizers
by their spec's ``order``.
"""

from __future__ import annotations

import sys

from core.registry import keyed, package_entries
from optimizers.base import OptimizerSpec

HELPERS = ("base", "optax_adapter", "options", "schedules")
"""Modules of this package that are not optimizers (the only list to edit when adding a helper module)."""


def discover() -> dict[str, OptimizerSpec]:
    """Every optimizer module's ``SPEC``, by key, in display order."""
    return keyed(package_entries(sys.modules[__name__], "SPEC", HELPERS), "optimizer")


REGISTRY: dict[str, OptimizerSpec] = discover()


def get(key: str) -> OptimizerSpec:
    """The optimizer registered as ``key``; ``ValueError`` naming the known keys otherwise."""
    try:
        return REGISTRY[key]
    except (KeyError, TypeError):
        raise ValueError(f"optimizer must be one of {sorted(REGISTRY)}, got {key!r}") from None


def register(spec: OptimizerSpec) -> OptimizerSpec:
    """Add ``spec`` to the registry (for optimizers defined outside this package)."""
    REGISTRY[spec.key] = spec
    return spec
