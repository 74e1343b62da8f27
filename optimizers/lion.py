"""Lion: the sign of an interpolated momentum, found by program search."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, beta1, beta2, hyperparams, lr


class LionState(NamedTuple):
    """Step count (kept for parity with optax) and the momentum ``m``."""

    count: jax.Array
    mu: jax.Array


def lion() -> Optimizer:
    r"""Lion, EvoLved Sign Momentum (Chen et al., 2023), Algorithm 2 of the paper.

    .. math::

        \begin{aligned}
        c_t &= \beta_1 m_t + (1-\beta_1)\, g_t \\
        x_{t+1} &= x_t - \eta_t\, \operatorname{sign}(c_t) \\
        m_{t+1} &= \beta_2 m_t + (1-\beta_2)\, g_t
        \end{aligned}

    with :math:`m_0 = 0` and :math:`\operatorname{sign}(0) = 0`. Every coordinate
    moves by exactly :math:`\pm\eta_t` (or 0), so the learning rate should be 3-10x
    smaller than Adam's. Two betas: :math:`\beta_1` (0.9) mixes the step direction,
    :math:`\beta_2` (0.99, a *longer* memory) tracks the momentum. The paper's weight
    decay is decoupled (:math:`x \mathrel{-}= \eta_t \lambda x`), so this spec
    defaults to the engine's decoupled mode; the engine's result matches
    ``optax.lion(lr, b1, b2, weight_decay=lambda)`` (whose own default is 1e-3;
    ours is 0, so the minimum of the landscape is not moved).
    Reference: ``optax.lion(lr, b1=beta1, b2=beta2, weight_decay=0.0)``.
    """

    def init(params: jax.Array) -> LionState:
        return LionState(count=jnp.zeros([], jnp.int32), mu=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        b1, b2 = hp["beta1"], hp["beta2"]
        direction = jnp.sign((1.0 - b1) * grads + b1 * state.mu)
        mu = (1 - b2) * grads + b2 * state.mu
        return -hp["lr"] * direction, LionState(count=state.count + 1, mu=mu)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="lion",
    name=N_("Lion"),
    make=lion,
    hypers=hyperparams(lr(0.01), beta1(0.9), beta2(0.99)),
    latex=(
        r"\begin{aligned}"
        r"x_{t+1} &= x_t - [[lr]]\, \operatorname{sign}\!\left([[beta1]]\, m_t + (1-[[beta1]])\, g_t\right) \\"
        r"m_{t+1} &= [[beta2]]\, m_t + (1-[[beta2]])\, g_t"
        r"\end{aligned}"
    ),
    paper="Chen et al. (2023), Symbolic Discovery of Optimization Algorithms",
    summary=(
        N_(
            "Step by the sign of a blend of momentum and gradient: every coordinate moves by exactly lr, "
            "so only the direction's signs matter, never the gradient's size."
        )
    ),
    velocity=lambda state: state.mu,
    velocity_label=N_("momentum m"),
    default_wd_mode="decoupled",
    order=110,
    optax_reference=OptaxReference(
        lambda s: optax.lion(s["lr"], b1=s["beta1"], b2=s["beta2"], weight_decay=s["weight_decay"]),
        check_with={"lr": 0.01, "beta1": 0.85, "beta2": 0.98, "weight_decay": 0.0},
    ),
)
