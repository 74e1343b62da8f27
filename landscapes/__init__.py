"""Registry of loss surfaces: each module exposes ``LANDSCAPE``; listing it here registers it."""

from __future__ import annotations

import core.cpu_backend  # noqa: F401  (must run before JAX starts its backend)
from landscapes import (
    ackley,
    beale,
    bowl,
    cliff,
    goldstein_price,
    himmelblau,
    minibatch,
    monkey_saddle,
    rastrigin,
    rosenbrock,
    saddle,
    sharp_flat,
    six_hump_camel,
    styblinski_tang,
    train_val,
)
from landscapes.base import Landscape

_MODULES = (
    # Why optimization is hard: conditioning, saddles, cliffs.
    bowl,
    rosenbrock,
    saddle,
    monkey_saddle,
    cliff,
    # Data-set landscapes: minibatches, sharp vs flat minima, overfitting.
    minibatch,
    sharp_flat,
    train_val,
    # Classic test functions with published minima.
    himmelblau,
    beale,
    rastrigin,
    ackley,
    goldstein_price,
    six_hump_camel,
    styblinski_tang,
)

REGISTRY: dict[str, Landscape] = {m.LANDSCAPE.key: m.LANDSCAPE for m in _MODULES}


def get(key: str) -> Landscape:
    """The landscape registered as ``key``; ``ValueError`` naming the known keys otherwise."""
    try:
        return REGISTRY[key]
    except (KeyError, TypeError):
        raise ValueError(f"landscape must be one of {sorted(REGISTRY)}, got {key!r}") from None
