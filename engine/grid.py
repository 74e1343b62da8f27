"""Loss values on a regular grid over a landscape's domain: what contour maps and 3D surfaces draw.

The engine computes the grid; charts receive it as a :class:`LossGrid` and only draw.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import jax
import numpy as np

from engine.compile_cache import jit_for
from landscapes.base import Landscape

MAP_RESOLUTION = 120
"""Points per side of the grid a contour map is drawn from; a custom formula is checked on this same grid."""


@functools.lru_cache(maxsize=64)
def _grid_fn(landscape: Landscape, validation: bool):
    def evaluate(points, p, data):
        if landscape.is_dataset:
            return jax.vmap(lambda x: landscape.loss(x, p, data))(points)
        return jax.vmap(lambda x: landscape.loss(x, p))(points)

    return jit_for(landscape, evaluate)


def loss_grid(
    landscape: Landscape,
    values: Mapping[str, float],
    resolution: int = MAP_RESOLUTION,
    *,
    validation: bool = False,
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
    keep_undefined: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, z)`` with ``z[i, j] = f(xs[j], ys[i])``: one vmapped call, float32.

    ``validation`` evaluates the held-out loss of a data-set landscape. A cell where the
    loss is not a finite number (a user formula's ``sqrt`` of a negative number, or an
    overflow) is NaN with ``keep_undefined``, so a chart can leave it blank instead of
    colouring it; without, it gets the largest finite value (for callers that need a
    finite array: no built-in surface has such a cell on its domain).
    """
    (x0, x1), (y0, y1) = domain or landscape.domain
    xs = np.linspace(x0, x1, resolution, dtype=np.float32)
    ys = np.linspace(y0, y1, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    data = landscape.validation(values) if validation else landscape.data(values)
    arrays = None if data is None else (np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32))
    z = np.asarray(_grid_fn(landscape, validation)(points, landscape.traced(values), arrays), np.float32)
    z = z.reshape(resolution, resolution)
    finite = np.isfinite(z)
    if not finite.all():
        fill = np.nan if keep_undefined else (z[finite].max() if finite.any() else 0.0)
        z = np.where(finite, z, np.float32(fill))
    return xs, ys, z


class LossGrid(NamedTuple):
    """Losses on a regular grid: ``z[i, j] = f(xs[j], ys[i])``, float32, NaN where the loss is undefined."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray


def surface_grid(
    landscape: Landscape, values: Mapping[str, float], resolution: int = MAP_RESOLUTION, *, validation: bool = False
) -> LossGrid:
    """The grid a chart draws of ``landscape`` at parameter ``values``: undefined cells NaN (a gap, not a peak).

    Cached per landscape, values, resolution and data split; the arrays are shared, so
    callers must not write to them.
    """
    return _surface_grid(landscape, tuple(sorted(values.items())), resolution, validation)


@functools.lru_cache(maxsize=64)
def _surface_grid(
    landscape: Landscape, items: tuple[tuple[str, float], ...], resolution: int, validation: bool
) -> LossGrid:
    grid = LossGrid(*loss_grid(landscape, dict(items), resolution, validation=validation, keep_undefined=True))
    for array in grid:
        array.flags.writeable = False
    return grid
