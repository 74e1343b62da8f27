"""Pictures of a network's loss around trained weights (Li, Xu, Taylor, Studer & Goldstein, 2018).

* **Filter-normalized directions.** A random Gaussian direction ``d`` in weight space says
  little on its own: a layer whose weights are small is moved proportionally far, and a
  ReLU or tanh unit whose incoming weights are large barely notices. Li et al. rescale every
  *filter* of ``d`` (here the column ``d[:, j]`` of each weight matrix: unit ``j``'s incoming
  weights, see :mod:`network.mlp`) to the norm of the matching filter of the weights ``w``,
  so that a step ``alpha d`` changes each unit by the same share ``alpha`` of its own size.
  Bias entries of the direction are set to **zero**, as Li et al. do for biases (and batch
  norm): the slice moves the weights only.
* **The slice.** The loss at ``w + a d1 + b d2`` on a square grid of ``(a, b)``
  (:data:`GRID` per side) in ONE jitted, vmapped call.
* **The trajectory plane.** Random directions miss an optimizer's path: in thousands of
  dimensions two random directions are nearly orthogonal to it. Li et al. instead take the
  snapshots ``w_i`` of training, the differences ``w_i - w_final`` and their top two
  principal directions; the path's projection onto that plane is drawn, with the share of
  the (uncentered) squared distance to the end point that each direction explains. The
  plane passes through the final weights, which sit at its origin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from engine.compile_cache import enable_compilation_cache, jit_for
from engine.config import OptimizerRun
from engine.network.train import train
from network.mlp import MLP

enable_compilation_cache()

GRID = 41
"""Points per side of a slice (41 x 41 = 1,681 losses), as in Li et al.'s figures."""
CHUNK = 41
"""Slice points evaluated together inside the one compiled call (bounds memory: one row of the grid)."""


def weight_mask(model: MLP) -> np.ndarray:
    """1 on every weight-matrix entry of the flat vector, 0 on every bias entry."""
    mask = np.zeros(model.n_params, np.float32)
    for w, _ in model.slices():
        mask[w] = 1.0
    return mask


def filter_norms(model: MLP, flat: np.ndarray | jax.Array) -> list[np.ndarray]:
    """Per layer, the norm of each filter (column ``W[:, j]``) of the flat vector ``flat``."""
    return [np.linalg.norm(np.asarray(w, np.float64), axis=0) for w, _ in model.unflatten(jnp.asarray(flat))]


def filter_normalize(model: MLP, direction: np.ndarray | jax.Array, flat: np.ndarray | jax.Array) -> np.ndarray:
    """``direction`` with each filter rescaled to the norm of the matching filter of ``flat``; biases zeroed.

    A filter of ``direction`` that is exactly zero stays zero (there is nothing to rescale).
    """
    d_layers = model.unflatten(jnp.asarray(direction, jnp.float32))
    w_layers = model.unflatten(jnp.asarray(flat, jnp.float32))
    out = []
    for (dw, db), (ww, _) in zip(d_layers, w_layers, strict=True):
        dn = jnp.linalg.norm(dw, axis=0)
        scale = jnp.where(dn > 0, jnp.linalg.norm(ww, axis=0) / jnp.where(dn > 0, dn, 1.0), 0.0)
        out.append((dw * scale[None, :], jnp.zeros_like(db)))
    return np.asarray(MLP.flatten(out), np.float32)


def random_direction(model: MLP, flat: np.ndarray | jax.Array, seed: int) -> np.ndarray:
    """A Gaussian direction from ``seed``, filter-normalized to the weights ``flat`` (biases zero)."""
    d = np.random.default_rng(seed).standard_normal(model.n_params).astype(np.float32)
    return filter_normalize(model, d, flat)


@functools.cache
def _plane_losses(model: MLP) -> Callable[..., jax.Array]:
    """The compiled slice program for one network shape: ``(centre, d1, d2, ab, x, y) -> losses``."""

    def run(centre: jax.Array, d1: jax.Array, d2: jax.Array, ab: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        def one(point):
            return model.loss(centre + point[0] * d1 + point[1] * d2, x, y)

        # One program over every point: vmapped within a chunk of CHUNK points, the chunks in a loop,
        # so the hidden activations of all 1,681 points x all images are never held at once.
        return jax.lax.map(one, ab, batch_size=CHUNK)

    return jit_for(model, run)


@dataclass(frozen=True)
class Slice:
    """The loss on a plane through ``centre``: ``z[i, j]`` at ``centre + a[j] d1 + b[i] d2``."""

    a: np.ndarray
    b: np.ndarray
    z: np.ndarray
    centre_loss: float
    """The loss at the centre (``a = b = 0``), computed on its own."""


def plane_losses(
    model: MLP,
    centre: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
) -> Slice:
    """Loss of ``model`` on ``(x, y)`` at ``centre + a_j d1 + b_i d2`` for every grid point, in one call."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    aa, bb = np.meshgrid(a, b)
    ab = np.stack([aa.ravel(), bb.ravel()], axis=1)
    xj, yj = jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.int32)
    z = _plane_losses(model)(jnp.asarray(centre), jnp.asarray(d1), jnp.asarray(d2), jnp.asarray(ab), xj, yj)
    centre_loss = float(model.loss(jnp.asarray(centre), xj, yj))
    return Slice(a=a, b=b, z=np.asarray(z, np.float32).reshape(len(b), len(a)), centre_loss=centre_loss)


def random_slice(
    model: MLP, centre: np.ndarray, x: np.ndarray, y: np.ndarray, *, radius: float = 1.0, seed: int = 0, n: int = GRID
) -> Slice:
    """Li et al.'s picture: the loss on two filter-normalized random directions, ``a, b`` in ``[-radius, radius]``."""
    d1 = random_direction(model, centre, seed)
    d2 = random_direction(model, centre, seed + 1)
    grid = np.linspace(-radius, radius, n, dtype=np.float32)
    return plane_losses(model, centre, d1, d2, grid, grid, x, y)


@dataclass(frozen=True)
class TrajectoryPCA:
    """A weight trajectory on the plane of its top two principal directions through the final weights."""

    directions: np.ndarray
    """``(2, n_params)``: orthonormal directions, the first explaining the most."""
    shares: np.ndarray
    """``(2,)``: share of the total squared distance to the end point that each direction explains."""
    coords: np.ndarray
    """``(k, 2)``: each snapshot's coordinates on the plane (the end point is ``(0, 0)``)."""
    total: float
    """Sum over snapshots of the squared distance to the end point."""

    @property
    def unexplained(self) -> float:
        """Share of ``total`` that the plane leaves out."""
        return float(max(0.0, 1.0 - self.shares.sum()))


def trajectory_pca(snapshots: np.ndarray) -> TrajectoryPCA:
    """Top two principal directions of ``snapshots - snapshots[-1]`` (rows: weight vectors in time order).

    Uncentered on purpose: the plane goes through the final weights (where the slice under
    the path is centred), so the shares are of each snapshot's squared distance to the end.
    """
    snaps = np.asarray(snapshots, np.float64)
    diffs = snaps - snaps[-1]
    _, s, vt = np.linalg.svd(diffs, full_matrices=False)
    power = s**2
    total = float(power.sum())
    directions = np.zeros((2, snaps.shape[1]))
    k = min(2, vt.shape[0])
    directions[:k] = vt[:k]
    # Sign: the path starts on the positive side of each axis (a convention, so pictures do not flip).
    coords = diffs @ directions.T
    flip = np.where(coords[0] < 0, -1.0, 1.0)
    directions *= flip[:, None]
    coords *= flip[None, :]
    shares = np.zeros(2)
    if total > 0:
        shares[:k] = power[:k] / total
    return TrajectoryPCA(directions=directions.astype(np.float32), shares=shares, coords=coords, total=total)


def padded_range(values: np.ndarray, margin: float = 0.25) -> tuple[float, float]:
    """``[min, max]`` of ``values`` widened by ``margin`` of the span on each side (never empty)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    span = max(hi - lo, 1e-3 * max(abs(lo), abs(hi), 1.0))
    return lo - margin * span, hi + margin * span


def trajectory_slice(
    model: MLP, snapshots: np.ndarray, x: np.ndarray, y: np.ndarray, *, n: int = GRID
) -> tuple[TrajectoryPCA, Slice]:
    """The PCA plane of a trajectory and the loss on it, over a square window around the projected path."""
    pca = trajectory_pca(snapshots)
    lo_a, hi_a = padded_range(pca.coords[:, 0])
    lo_b, hi_b = padded_range(pca.coords[:, 1])
    half = max(hi_a - lo_a, hi_b - lo_b) / 2
    ca, cb = (lo_a + hi_a) / 2, (lo_b + hi_b) / 2
    a = np.linspace(ca - half, ca + half, n)
    b = np.linspace(cb - half, cb + half, n)
    centre = np.asarray(snapshots[-1], np.float32)
    return pca, plane_losses(model, centre, pca.directions[0], pca.directions[1], a, b, x, y)


@dataclass(frozen=True)
class EndpointPlane:
    """A plane through two or three endpoints: origin at the first, orthonormal directions, their coordinates."""

    origin: np.ndarray
    directions: np.ndarray
    coords: np.ndarray
    """``(m, 2)``: each endpoint's coordinates (exactly on the plane)."""
    random_second: bool
    """True when only two endpoints were given: the second direction is random (filter-normalized, orthogonal)."""


def endpoint_plane(model: MLP, endpoints: np.ndarray, *, seed: int = 0) -> EndpointPlane:
    """The plane that holds the first two or three of ``endpoints`` (Gram-Schmidt on their differences).

    Three points always share a plane; with two, the plane is their line plus a filter-normalized
    random direction made orthogonal to it. A point that coincides with an earlier one adds none.
    """
    pts = np.asarray(endpoints, np.float64)[:3]
    origin = pts[0]
    basis: list[np.ndarray] = []
    for p in pts[1:]:
        v = p - origin
        for u in basis:
            v = v - (v @ u) * u
        norm = np.linalg.norm(v)
        if norm > 1e-9 * max(1.0, np.linalg.norm(p)):
            basis.append(v / norm)
    random_second = len(basis) < 2
    seed_offset = 0
    while len(basis) < 2:
        v = random_direction(model, origin, seed + seed_offset).astype(np.float64)
        seed_offset += 1
        for u in basis:
            v = v - (v @ u) * u
        basis.append(v / np.linalg.norm(v))
    directions = np.stack(basis)
    coords = (pts - origin) @ directions.T
    return EndpointPlane(
        origin=origin.astype(np.float32),
        directions=directions.astype(np.float32),
        coords=coords,
        random_second=random_second,
    )


def endpoint_slice(
    model: MLP, endpoints: np.ndarray, x: np.ndarray, y: np.ndarray, *, n: int = GRID, seed: int = 0
) -> tuple[EndpointPlane, Slice]:
    """The loss on the plane through several optimizers' endpoints, over a square window around them."""
    plane = endpoint_plane(model, endpoints, seed=seed)
    span = max(float(np.ptp(plane.coords[:, 0])), float(np.ptp(plane.coords[:, 1])), 1e-3)
    ca = float(plane.coords[:, 0].min() + plane.coords[:, 0].max()) / 2
    cb = float(plane.coords[:, 1].min() + plane.coords[:, 1].max()) / 2
    if plane.random_second:
        cb = 0.0
    half = 0.75 * span
    a = np.linspace(ca - half, ca + half, n)
    b = np.linspace(cb - half, cb + half, n)
    return plane, plane_losses(model, plane.origin, plane.directions[0], plane.directions[1], a, b, x, y)


def flatness(
    model: MLP, centre: np.ndarray, x: np.ndarray, y: np.ndarray, *, radius: float, directions: int = 8, seed: int = 0
) -> float:
    """Mean loss rise at filter-normalized distance ``radius`` from ``centre``: over ``directions`` random
    directions, both signs (``+radius d`` and ``-radius d``). Lower is flatter."""
    ds = np.stack([random_direction(model, centre, seed + i) for i in range(directions)])
    return float(flatness_many(model, np.asarray(centre)[None], ds[None], x, y, radius)[0])


@functools.cache
def _flatness_many(model: MLP) -> Callable[..., jax.Array]:
    """The compiled flatness program for one network shape: ``(centres, dirs, x, y, radius) -> rises``."""

    def run(centres: jax.Array, dirs: jax.Array, x: jax.Array, y: jax.Array, radius: jax.Array) -> jax.Array:
        def one(centre, ds):
            base = model.loss(centre, x, y)
            plus = jax.vmap(lambda d: model.loss(centre + radius * d, x, y))(ds)
            minus = jax.vmap(lambda d: model.loss(centre - radius * d, x, y))(ds)
            return (jnp.mean(plus) + jnp.mean(minus)) / 2 - base

        return jax.vmap(one)(centres, dirs)

    return jit_for(model, run)


def flatness_many(
    model: MLP, centres: np.ndarray, dirs: np.ndarray, x: np.ndarray, y: np.ndarray, radius: float
) -> np.ndarray:
    """For each centre ``(m, n)`` and its directions ``(m, k, n)``: the mean loss rise at ``radius`` (one call)."""
    out = _flatness_many(model)(
        jnp.asarray(centres, jnp.float32),
        jnp.asarray(dirs, jnp.float32),
        jnp.asarray(x, jnp.float32),
        jnp.asarray(y, jnp.int32),
        jnp.float32(radius),
    )
    return np.asarray(out, np.float64)


# --- Trained runs for the pictures -------------------------------------------------------------------

TRAJECTORY_LRS: dict[str, float] = {"sgd": 0.25, "momentum": 0.025, "adam": 0.003, "rmsprop": 0.002}
"""Optimizers the landscape page trains, with a learning rate that trains the digits network well in 10 epochs."""
BATCH_SIZE = 64
EPOCHS = 10
SNAPSHOTS = 30


@dataclass(frozen=True)
class TrainedPath:
    """One optimizer's run from the shared start: its snapshots, endpoint and final accuracies."""

    key: str
    lr: float
    weights: np.ndarray
    """``(SNAPSHOTS + 1, n_params)``: the flat weights at each evaluation point, the start first."""
    steps: np.ndarray
    train_loss: np.ndarray
    test_acc: float
    diverged: bool


def trained_path(
    model: MLP, key: str, init: np.ndarray, *, epochs: int = EPOCHS, shuffle_seed: int = 0, lr: float | None = None
) -> TrainedPath:
    """Train ``model`` from ``init`` with optimizer ``key`` (minibatches of :data:`BATCH_SIZE`), keeping snapshots."""
    rate = TRAJECTORY_LRS[key] if lr is None else float(lr)
    r = train(
        model,
        OptimizerRun.build(key, {"lr": rate}),
        init,
        shuffle_seed=shuffle_seed,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        evals=SNAPSHOTS,
        snapshots=True,
    )
    n = r.valid
    return TrainedPath(
        key=key,
        lr=rate,
        weights=np.asarray(r.weights[:n]),
        steps=np.asarray(r.steps[:n]),
        train_loss=np.asarray(r.train_loss[:n]),
        test_acc=float(r.test_acc[n - 1]),
        diverged=r.diverged,
    )
