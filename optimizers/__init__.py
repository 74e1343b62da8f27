"""Registry of optimizers: each module exposes ``SPEC``; listing it here registers it."""

from __future__ import annotations

from optimizers import (
    adabelief,
    adadelta,
    adagrad,
    adam,
    adamw,
    amsgrad,
    lion,
    momentum,
    nadam,
    nesterov,
    newton,
    rmsprop,
    sgd,
)
from optimizers.base import OptimizerSpec

_MODULES = (sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw, amsgrad, nadam, lion, adabelief, newton)

REGISTRY: dict[str, OptimizerSpec] = {m.SPEC.key: m.SPEC for m in _MODULES}


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
