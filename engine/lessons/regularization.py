"""L1 and L2 penalties on a two-weight least-squares problem: penalized optima and their geometry.

The problem is the training loss of the ``train_val`` landscape, a linear model
without intercept fitted by squared error::

    f(w) = (1/N) sum_i ½ (w·x_i - y_i)²  =  ½ wᵀA w - bᵀw + c,   A = XᵀX/N,  b = Xᵀy/N.

Penalties follow the page's convention ``f(w) + alpha * penalty(w)`` with
``penalty = ||w||_1`` (L1) or ``||w||_2²`` (L2). Both penalized problems are solved
numerically by proximal gradient descent (ISTA), vmapped over a grid of alphas in
one jitted call: a gradient step on ``f`` with step ``1/L`` (L the largest
eigenvalue of A), then the penalty's proximal map -- soft-thresholding for L1,
which sets a weight to exactly zero, and a uniform shrink for L2. The closed forms
(ridge ``(A + 2 alpha I)^-1 b`` and the KKT conditions) are here too, for checking.

Each penalized optimum is also the optimum of the constrained problem
``min f(w) subject to penalty(w) <= s`` with ``s = penalty(w_alpha)``: the budget
region drawn on the map, which the loss contours touch at ``w_alpha``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np

import landscapes
from core.i18n import N_
from engine.compile_cache import enable_compilation_cache, jit_for
from engine.config import OptimizerRun
from engine.scenario import Scenario
from landscapes.base import DataSet, Landscape

enable_compilation_cache()

LANDSCAPE_KEY = "train_val"
PENALTIES: tuple[str, ...] = ("l1", "l2")
ISTA_ITERATIONS = 4000
"""Proximal-gradient iterations: the error shrinks by at least (1 - mu/L) per step, and the
training loss of ``train_val`` has L/mu below 250 over its whole parameter range."""
PATH_ALPHAS: np.ndarray = np.concatenate([[0.0], np.logspace(-4.0, 2.0, 241)])
"""The alphas of the drawn regularization path: 0 (the unpenalized minimum) then 40 per decade."""


@dataclass(frozen=True)
class LeastSquares:
    """``f(w) = ½ wᵀ A w - bᵀ w + c`` in float64: the exact quadratic behind a linear least-squares loss."""

    hessian: np.ndarray
    linear: np.ndarray
    constant: float

    @classmethod
    def from_data(cls, data: DataSet) -> LeastSquares:
        """The quadratic of ``(1/N) sum ½ (w·x_i - y_i)²`` for a linear model without intercept."""
        x = np.asarray(data.inputs, np.float64)
        y = np.asarray(data.targets, np.float64)
        n = len(y)
        return cls(hessian=x.T @ x / n, linear=x.T @ y / n, constant=0.5 * float(y @ y) / n)

    def loss(self, w: np.ndarray) -> np.ndarray:
        """The loss at ``w`` (shape (..., 2))."""
        w = np.asarray(w, np.float64)
        return 0.5 * np.einsum("...i,ij,...j->...", w, self.hessian, w) - w @ self.linear + self.constant

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The gradient ``A w - b`` at ``w`` (shape (..., 2))."""
        return np.asarray(w, np.float64) @ self.hessian - self.linear

    def minimum(self) -> np.ndarray:
        """The unpenalized minimizer ``A⁻¹ b``."""
        return np.linalg.solve(self.hessian, self.linear)

    def level_set(self, level: float, points: int = 241) -> np.ndarray:
        """The contour ``f(w) = level`` as a closed polyline (shape (points, 2), first point repeated last).

        ``f(w) = f(w*) + ½ (w - w*)ᵀ A (w - w*)``, so the contour is the ellipse
        ``w* + r A^(-1/2) u`` over unit vectors ``u``, with ``½ r² = level - f(w*)``: exact,
        and a few hundred points where a contour trace would need the whole loss grid. A
        level below the minimum gives the minimum alone.
        """
        centre = self.minimum()
        radius = np.sqrt(max(2.0 * (float(level) - float(self.loss(centre))), 0.0))
        values, vectors = np.linalg.eigh(self.hessian)
        inverse_root = vectors @ np.diag(values**-0.5) @ vectors.T
        theta = np.linspace(0.0, 2.0 * np.pi, points)
        circle = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        ring = centre + radius * circle @ inverse_root.T
        ring[-1] = ring[0]
        return ring

    @property
    def lipschitz(self) -> float:
        """The largest Hessian eigenvalue: the gradient's Lipschitz constant."""
        return float(np.linalg.eigvalsh(self.hessian)[-1])


def training_problem(values: Mapping[str, float] | None = None) -> LeastSquares:
    """The training loss of ``train_val`` at these landscape parameter values, as a quadratic."""
    land = landscapes.get(LANDSCAPE_KEY)
    return LeastSquares.from_data(land.data(land.resolve(values)))


def validation_problem(values: Mapping[str, float] | None = None) -> LeastSquares:
    """The held-out (validation) loss of ``train_val``, as a quadratic."""
    land = landscapes.get(LANDSCAPE_KEY)
    return LeastSquares.from_data(land.validation(land.resolve(values)))


def ridge(problem: LeastSquares, alphas: np.ndarray | float) -> np.ndarray:
    """Closed-form minimizers of ``f + alpha ||w||²``: ``(A + 2 alpha I)⁻¹ b``; shape (..., 2)."""
    alphas = np.asarray(alphas, np.float64)
    systems = problem.hessian + 2.0 * alphas[..., None, None] * np.eye(2)
    return np.linalg.solve(systems, np.broadcast_to(problem.linear, (*alphas.shape, 2))[..., None])[..., 0]


def penalty(w: np.ndarray, kind: str) -> np.ndarray:
    """``||w||_1`` (``"l1"``) or ``||w||_2²`` (``"l2"``) over the last axis."""
    w = np.asarray(w, np.float64)
    return np.abs(w).sum(-1) if kind == "l1" else (w * w).sum(-1)


@functools.lru_cache(maxsize=8)
def _ista(landscape: Landscape, iterations: int):
    """Jitted proximal gradient, vmapped over alphas; ``l1`` is a traced 0/1 switch."""

    def solve(alphas, p, data, step, l1):
        grad = jax.grad(lambda w: landscape.loss(w, p, data))

        def one(alpha):
            def body(w, _):
                z = w - step * grad(w)
                soft = jnp.sign(z) * jnp.maximum(jnp.abs(z) - step * alpha, 0.0)
                shrink = z / (1.0 + 2.0 * step * alpha)
                return jnp.where(l1 > 0, soft, shrink), None

            w, _ = jax.lax.scan(body, jnp.zeros(2, jnp.float32), None, length=iterations)
            return w

        return jax.vmap(one)(alphas)

    return jit_for(landscape, solve)


def penalized_optima(
    alphas: np.ndarray, kind: str, values: Mapping[str, float] | None = None, iterations: int = ISTA_ITERATIONS
) -> np.ndarray:
    """Minimizers of ``f + alpha * penalty`` for every alpha (shape (len(alphas), 2)), by proximal gradient.

    One jitted, vmapped call. Soft-thresholding makes an L1 weight exactly 0.0 once
    its gradient is smaller than alpha at the optimum (the subgradient condition).
    """
    if kind not in PENALTIES:
        raise ValueError(f"penalty must be one of {list(PENALTIES)}, got {kind!r}")
    alphas = np.asarray(alphas, np.float64)
    if alphas.ndim != 1 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError("alphas must be a 1-D array of finite numbers >= 0")
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve(values)
    data = land.data(resolved)
    arrays = (np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32))
    step = np.float32(1.0 / LeastSquares.from_data(data).lipschitz)
    out = _ista(land, iterations)(
        jnp.asarray(alphas, jnp.float32), land.traced(resolved), arrays, step, np.float32(kind == "l1")
    )
    return np.asarray(out, np.float64)


def kkt_residual(problem: LeastSquares, w: np.ndarray, alpha: float, kind: str) -> float:
    """How far ``w`` is from satisfying the optimality conditions of ``f + alpha * penalty`` (0 = optimal).

    L2: ``||∇f + 2 alpha w||_inf``. L1 (subgradient): ``|∂_j f + alpha sign(w_j)|`` where
    ``w_j != 0`` and ``max(|∂_j f| - alpha, 0)`` where ``w_j = 0``; the largest over j.
    """
    w = np.asarray(w, np.float64)
    g = problem.grad(w)
    if kind == "l2":
        return float(np.max(np.abs(g + 2.0 * alpha * w)))
    nonzero = w != 0
    residual = np.where(nonzero, np.abs(g + alpha * np.sign(w)), np.maximum(np.abs(g) - alpha, 0.0))
    return float(np.max(residual))


def zero_onset(alphas: np.ndarray, optima: np.ndarray) -> tuple[float, int] | None:
    """The first alpha > 0 on the grid at which some weight is exactly 0, and which weight; None if none."""
    zero = (optima == 0.0) & (np.asarray(alphas)[:, None] > 0)
    rows = np.flatnonzero(zero.any(axis=1))
    if not len(rows):
        return None
    row = int(rows[0])
    return float(alphas[row]), int(np.flatnonzero(zero[row])[0])


@dataclass(frozen=True)
class PenaltyView:
    """One penalty at one alpha: the optimum, its budget s, the optimality check and the whole path."""

    kind: str
    alpha: float
    optimum: np.ndarray
    budget: float
    level: float
    kkt: float
    path_alphas: np.ndarray
    path: np.ndarray


def penalty_view(alpha: float, kind: str, values: Mapping[str, float] | None = None) -> PenaltyView:
    """Everything the geometry page draws for one penalty: one vmapped solve over the path and ``alpha``.

    ``budget`` is ``s = penalty(w_alpha)``, the constraint region whose boundary the
    contour ``f = level`` (``level = f(w_alpha)``) touches at the optimum.
    """
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
    alphas = np.append(PATH_ALPHAS, alpha)
    optima = penalized_optima(alphas, kind, values)
    optimum = optima[-1]
    problem = training_problem(values)
    return PenaltyView(
        kind=kind,
        alpha=alpha,
        optimum=optimum,
        budget=float(penalty(optimum, kind)),
        level=float(problem.loss(optimum)),
        kkt=kkt_residual(problem, optimum, alpha, kind),
        path_alphas=PATH_ALPHAS.copy(),
        path=optima[:-1],
    )


PLAYGROUND_STEPS = 1000
MAX_WEIGHT_DECAY = 1.0
"""The Playground's weight_decay slider tops out here (see :mod:`optimizers.options`)."""


def playground_scenario(
    alpha: float, values: Mapping[str, float] | None = None, translate: Callable[[str], str] = str
) -> Scenario:
    """The L2 case in the Playground: full-batch gradient descent with and without ``weight_decay = 2 alpha``.

    L2-mode weight decay ``lambda`` adds ``lambda w`` to the gradient, the gradient of
    ``(lambda/2) ||w||²``; so ``lambda = 2 alpha`` minimizes ``f + alpha ||w||²``, this page's L2
    problem (capped at the Playground's largest weight decay). The step size is ``1/L``
    of the penalized loss. The Playground has no L1 option. ``translate`` writes the runs'
    labels (shown in the Playground's legend) in the page's language; English by default.
    """
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve(values)
    decay = min(2.0 * float(alpha), MAX_WEIGHT_DECAY)
    lr = float(f"{1.0 / (training_problem(resolved).lipschitz + decay):.3g}")
    runs = (
        OptimizerRun.build("sgd", {"lr": lr}, label=translate(N_("GD, no penalty"))),
        OptimizerRun.build(
            "sgd",
            {"lr": lr, "weight_decay": decay, "wd_mode": "l2"},
            label=translate(N_("GD + L2 (λ = {decay})")).format(decay=f"{decay:.3g}"),
        ),
    )
    base = Scenario.default(LANDSCAPE_KEY)
    return replace(
        base,
        landscape_params=resolved,
        runs=runs,
        start=(0.0, 0.0),
        steps=PLAYGROUND_STEPS,
        batch_size=land.data(resolved).size,
    )
