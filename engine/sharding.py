"""Spreading a large batch of runs over the CPU's devices (one per core, see :mod:`core.cpu_backend`).

XLA runs one program on one core; a batch of independent runs split row-wise across
devices runs on all cores at once, with no communication until the results are read.
Small batches stay on one device: below :data:`MIN_RUNS` the split costs more than it saves.
"""

from __future__ import annotations

import functools

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


def spread(arrays: list[np.ndarray | None], runs: int) -> tuple[list[jax.Array | np.ndarray | None], int]:
    """``arrays`` (each None or with ``runs`` rows) split row-wise over the devices, and the padding added.

    Rows are padded (repeating the last row) to a multiple of the device count; callers drop
    the last ``padding`` rows of every result. With one device or a small batch the arrays
    come back unchanged, with padding 0.
    """
    sharding = _row_sharding()
    if sharding is None or runs < MIN_RUNS:
        return list(arrays), 0
    padding = -runs % len(sharding.mesh.devices)
    out = []
    for array in arrays:
        if array is not None and padding:
            array = np.concatenate([array, np.repeat(array[-1:], padding, axis=0)])
        out.append(None if array is None else jax.device_put(array, sharding))
    return out, padding
