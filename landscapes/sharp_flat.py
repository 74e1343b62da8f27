"""A data set whose mean loss has a sharp and a flat minimum of nearly equal depth."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from core.i18n import N_
from landscapes.base import DataSet, Landscape

N_EXAMPLES = 256
SEED = 7
SHARP_CENTRE = (-0.6, 0.45)
FLAT_CENTRE = (0.6, -0.45)
K_SHARP, K_FLAT = 100.0, 2.0
"""Curvature of each example's two wells."""
SPREAD_SHARP, SPREAD_FLAT = 0.2, 0.5
"""How far each example moves each well's centre (standard deviation per coordinate)."""
TEMPERATURE = 0.1
"""τ of the smooth minimum of the two wells (small: each example's loss is nearly the lower well)."""
SHIFT = -2.38
"""h: constant added to the sharp well so its mean-loss minimum is about 3% deeper than the flat one's."""


def _unit_offsets(rng: np.random.Generator) -> np.ndarray:
    """N two-dimensional offsets with exactly zero mean and unit variance per coordinate (mean |u|² = 2)."""
    u = rng.standard_normal((N_EXAMPLES, 2))
    u -= u.mean(axis=0)
    return u / np.sqrt(np.mean(np.sum(u**2, axis=1)) / 2.0)


@functools.lru_cache(maxsize=1)
def _data() -> DataSet:
    rng = np.random.default_rng(SEED)
    inputs = np.concatenate([_unit_offsets(rng), _unit_offsets(rng)], axis=1).astype(np.float32)
    targets = np.zeros(N_EXAMPLES, np.float32)
    inputs.setflags(write=False)
    targets.setflags(write=False)
    return DataSet(inputs=inputs, targets=targets)


def make_data(values: Mapping[str, float]) -> DataSet:
    """256 examples; row i = (u_i, v_i), the unit offsets of example i's sharp and flat well centres.

    Zero-mean offsets keep the wells of the mean loss at their nominal centres; their spread
    is what makes a minibatch gradient differ from the full one. ``target`` is unused (zero).
    """
    return _data()


def example_loss(x, row, target, p):
    """The smooth minimum -τ log(e^{-q_s/τ} + e^{-q_f/τ}) of this example's two wells.

    q_s = ½ k_s |x - a - σ_s u_i|² + h (steep, narrow) and q_f = ½ k_f |x - b - σ_f v_i|² (gentle, wide).
    """
    d_s = x - jnp.asarray(SHARP_CENTRE) - SPREAD_SHARP * row[:2]
    d_f = x - jnp.asarray(FLAT_CENTRE) - SPREAD_FLAT * row[2:]
    q_s = 0.5 * K_SHARP * jnp.sum(d_s**2) + SHIFT
    q_f = 0.5 * K_FLAT * jnp.sum(d_f**2)
    return -TEMPERATURE * jnp.logaddexp(-q_s / TEMPERATURE, -q_f / TEMPERATURE)


def _loss_grad_hess(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean loss, gradient and Hessian at x in float64 numpy (used to find the exact minima)."""
    rows = _data().inputs.astype(np.float64)
    d = np.stack(
        [
            x - np.array(SHARP_CENTRE) - SPREAD_SHARP * rows[:, :2],
            x - np.array(FLAT_CENTRE) - SPREAD_FLAT * rows[:, 2:],
        ]
    )
    k = np.array([K_SHARP, K_FLAT])[:, None]  # (2 wells, 1)
    q = 0.5 * k * np.sum(d**2, axis=2) + np.array([SHIFT, 0.0])[:, None]  # (2, N)
    z = -q / TEMPERATURE
    top = z.max(axis=0)
    w = np.exp(z - top)
    total = w.sum(axis=0)
    loss = -TEMPERATURE * (top + np.log(total))
    w /= total  # each well's share of each example, (2, N)
    g = k[:, :, None] * d  # gradient of each well, (2, N, 2)
    g_bar = np.sum(w[:, :, None] * g, axis=0)  # per-example gradient, (N, 2)
    spread = np.sum(w[:, :, None, None] * g[:, :, :, None] * g[:, :, None, :], axis=0)
    spread -= g_bar[:, :, None] * g_bar[:, None, :]
    hess = np.sum(w * k, axis=0)[:, None, None] * np.eye(2) - spread / TEMPERATURE
    return float(loss.mean()), g_bar.mean(axis=0), hess.mean(axis=0)


@functools.lru_cache(maxsize=1)
def _minima() -> tuple[tuple[float, float], tuple[float, float]]:
    found = []
    for centre in (SHARP_CENTRE, FLAT_CENTRE):
        x = np.array(centre, dtype=np.float64)
        for _ in range(200):
            _, g, h = _loss_grad_hess(x)
            # Newton where the Hessian is positive definite, a small gradient step elsewhere;
            # each step is capped so it cannot jump from one well into the other.
            positive = np.linalg.eigvalsh(h)[0] > 0
            step = np.linalg.solve(h, g) if positive else g / K_SHARP
            norm = np.linalg.norm(step)
            if norm > 0.05:
                step *= 0.05 / norm
            x = x - step
            if norm < 1e-14:
                break
        found.append((float(x[0]), float(x[1])))
    return found[0], found[1]


def minima(values: Mapping[str, float] | None = None) -> tuple[tuple[float, float], ...]:
    """The two exact minima of the mean loss, SHARP FIRST, then flat (Newton in float64, cached)."""
    return _minima()


def depths(values: Mapping[str, float] | None = None) -> tuple[float, float]:
    """Mean loss at the sharp and at the flat minimum (in that order)."""
    return tuple(_loss_grad_hess(np.array(m))[0] for m in _minima())


def curvatures(values: Mapping[str, float] | None = None) -> tuple[float, float]:
    """Largest Hessian eigenvalue of the mean loss at the sharp and at the flat minimum (in that order).

    Plain gradient descent is stable in a minimum only while η·λ < 2.
    """
    return tuple(float(np.linalg.eigvalsh(_loss_grad_hess(np.array(m))[2])[-1]) for m in _minima())


def basin_of(points: np.ndarray, values: Mapping[str, float] | None = None) -> np.ndarray:
    """0 for points in the sharp basin, 1 for the flat one, for an array of points (..., 2).

    Each basin is modelled by its quadratic ½ λ |x - m|² + f(m) (λ from :func:`curvatures`); a
    point belongs to the basin whose model is lower. Near the minima this is the basin gradient
    descent falls into, and unlike nearest-minimum it respects how narrow the sharp one is.
    """
    pts = np.asarray(points, dtype=np.float64)
    models = [
        0.5 * lam * np.sum((pts - np.array(m)) ** 2, axis=-1) + depth
        for m, lam, depth in zip(_minima(), curvatures(), depths(), strict=True)
    ]
    return (models[1] <= models[0]).astype(np.int64)


LANDSCAPE = Landscape(
    key="sharp_flat",
    name=N_("Sharp vs flat minimum"),
    description=(
        N_(
            "The mean loss over 256 examples has two valleys of almost the same depth: a narrow, steep one at the "
            "upper left and a wide, gentle one at the lower right (the narrow one is even slightly deeper). Every "
            "example places the two valleys a little differently, so a small minibatch sees a jittered surface, "
            "and the jitter hits the narrow valley hardest because its walls are steep. Full-batch gradient descent "
            "stays in whichever valley it falls into, even with a step close to the narrow valley's stability "
            "limit 2/λ ≈ 0.047, but small batches at such steps (say 8 examples, η = 0.03) get bounced out of it "
            "and settle in the flat one: the implicit preference of SGD for flat minima."
        )
    ),
    latex=(
        r"f(x) = \frac{1}{N}\sum_{i=1}^{N} -\tau\log\!\left(e^{-\left(\frac{k_s}{2}\lVert x - a - \sigma_s u_i\rVert^2"
        r" + h\right)/\tau} + e^{-\frac{k_f}{2}\lVert x - b - \sigma_f v_i\rVert^2/\tau}\right),"
        r"\quad k_s = 100,\ k_f = 2,\ N = 256"
    ),
    domain=((-2.5, 2.5), (-2.5, 2.5)),
    starts=((-1.08, 0.81), (1.8, -1.35), (0.7, 1.0)),
    example_loss=example_loss,
    make_data=make_data,
    minima=minima,
    tags=("dataset", "minibatch", "sharp-flat"),
    order=70,
)
