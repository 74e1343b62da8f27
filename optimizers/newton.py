"""Damped Newton's method with the exact Hessian."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from core.i18n import N_
from optimizers.base import Hyperparam, Optimizer, OptimizerSpec, hyperparams, lr


class NewtonState(NamedTuple):
    """Newton's method keeps no state: each step uses only the local gradient and Hessian."""


def damping(default: float = 0.1) -> Hyperparam:
    r"""The Levenberg-Marquardt damping ``damping`` (:math:`\delta \ge 0`, added to the Hessian's diagonal).

    The slider is linear because the range must include :math:`\delta = 0` (pure
    Newton), which a logarithmic slider cannot reach.
    """
    return Hyperparam("damping", r"\delta", default, 0.0, 10.0, help=N_("added to the Hessian's diagonal"))


def newton() -> Optimizer:
    r"""Damped Newton's method.

    .. math::

        x_{t+1} = x_t - \eta_t\, (H_t + \delta I)^{-1} g_t, \qquad H_t = \nabla^2 f(x_t)

    ``extra["hessian"]`` is the exact Hessian :math:`H_t` at :math:`x_t`, supplied by
    the engine (``needs_hessian=True``; with coupled L2 weight decay the engine has
    already added :math:`\lambda I` to it, consistently with :math:`g_t`). The
    2x2 linear system is solved by Cramer's rule (:func:`solve_2x2`; on the CPU a
    LAPACK call per step would cost more than everything else in the loop).

    With :math:`\eta = 1, \delta = 0` this is the textbook Newton step, which lands on
    the minimum of a convex quadratic in one step, but also jumps to saddles and
    maxima of a non-convex surface (it finds critical points, not minima) and is
    undefined where :math:`H_t` is singular. :math:`\delta > 0` (Levenberg 1944,
    Marquardt 1963) shortens the step and turns it toward the gradient direction
    where curvature is small. The demo default :math:`\eta = 0.5` halves each step:
    on a quadratic the distance to the minimum halves every step (a visible path,
    instead of a single jump), and near-singular Hessians throw the point half as
    far; set :math:`\eta = 1, \delta = 0` for the textbook method.
    """

    def init(params: jax.Array) -> NewtonState:
        return NewtonState()

    def update(grads, state, params, hp, **extra):
        hessian = extra["hessian"]
        system = hessian + hp["damping"] * jnp.eye(grads.shape[0], dtype=hessian.dtype)
        return -hp["lr"] * solve_2x2(system, grads), state

    return Optimizer(init, update)


def solve_2x2(matrix: jax.Array, rhs: jax.Array) -> jax.Array:
    """Solve ``matrix @ z = rhs`` for a 2x2 matrix (non-finite where it is singular)."""
    (a, b), (c, d) = matrix[0], matrix[1]
    det = a * d - b * c
    return jnp.stack([d * rhs[0] - b * rhs[1], a * rhs[1] - c * rhs[0]]) / det


SPEC = OptimizerSpec(
    key="newton",
    name=N_("Newton (damped)"),
    make=newton,
    hypers=hyperparams(lr(0.5), damping(0.1)),
    latex=r"x_{t+1} = x_t - [[lr]]\,\left(H_t + [[damping]]\, I\right)^{-1} g_t",
    paper="Levenberg (1944); Marquardt (1963), An Algorithm for Least-Squares Estimation of Nonlinear Parameters",
    summary=(
        N_(
            "Jump to the minimum of the local quadratic model, using the exact curvature: one step on a "
            "quadratic bowl, but it is attracted to saddles and maxima too; damping tempers the jump."
        )
    ),
    needs_hessian=True,
    order=130,
)
