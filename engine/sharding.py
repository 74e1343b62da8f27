"""Spreading a large batch of runs over the CPU's devices (one per core, see :mod:`core.cpu_backend`).

XLA runs one program on one core; a batch of independent runs split row-wise across
devices runs on all cores at once, with no communication until the results are read.
Small batches stay on one device: below :data:`MIN_RUNS` the split costs more than it saves.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

MIN_RUNS = 256
"""Smallest batch worth splitting."""


@functools.cache
def _row_sharding() -> NamedSharding | None:
    devices = jax.devices()
    if len(devices) < 2:
        return None
    return NamedSharding(Mesh(np.array(devices), ("runs",)), PartitionSpec("runs"))


def batched_leaves(axes: Any, tree: Any) -> list[np.ndarray]:
    """The arrays of ``tree`` whose ``jax.vmap`` axis (``axes``, a prefix of ``tree``) is 0."""
    found: list[np.ndarray] = []
    jax.tree.map(lambda axis, sub: found.extend(jax.tree.leaves(sub)) if axis == 0 else None, axes, tree, is_leaf=_none)
    return found


def spread(axes: Any, tree: Any, runs: int) -> Any:
    """``tree`` with its batched arrays (axis 0 in ``axes``) split row-wise over the devices.

    Rows are padded (repeating the last row) to a multiple of the device count; callers keep
    the first ``runs`` rows of every result. With one device or a small batch ``tree`` comes
    back unchanged.
    """
    sharding = _row_sharding()
    if sharding is None or runs < MIN_RUNS:
        return tree
    padding = -runs % len(sharding.mesh.devices)

    def put(array: np.ndarray) -> jax.Array:
        if padding:
            array = np.concatenate([array, np.repeat(array[-1:], padding, axis=0)])
        return jax.device_put(array, sharding)

    return jax.tree.map(lambda axis, sub: jax.tree.map(put, sub) if axis == 0 else sub, axes, tree, is_leaf=_none)


def _none(node: Any) -> bool:
    return node is None
