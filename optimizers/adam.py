"""Adam: momentum on the gradient, RMSprop-style scaling, both bias-corrected."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, beta1, beta2, eps, hyperparams, lr


class AdamState(NamedTuple):
    """Step count and the first (``mu``) and second (``nu``) moment estimates."""

    count: jax.Array
    mu: jax.Array
    nu: jax.Array


def adam() -> Optimizer:
    r"""Adam (Kingma & Ba, 2015), Algorithm 1 of the paper.

    .. math::

        \begin{aligned}
        m_{t+1} &= \beta_1 m_t + (1-\beta_1)\, g_t, &
        v_{t+1} &= \beta_2 v_t + (1-\beta_2)\, g_t^2, \\
        \hat m &= m_{t+1} / (1-\beta_1^{t+1}), &
        \hat v &= v_{t+1} / (1-\beta_2^{t+1}), \\
        x_{t+1} &= x_t - \eta_t\, \hat m / (\sqrt{\hat v} + \epsilon)
        \end{aligned}

    with :math:`m_0 = v_0 = 0` and :math:`t` counting updates from 0 (so the first
    update uses :math:`1-\beta^1`). :math:`\epsilon` is added *outside* the square
    root of the bias-corrected :math:`\hat v`, as in the paper, PyTorch and optax
    (``eps_root=0``); TensorFlow's "epsilon hat" variant folds the bias correction
    into the learning rate instead, which changes the effective :math:`\epsilon`.
    Reference: ``optax.adam(lr, b1=beta1, b2=beta2, eps=eps)``. AdamW reuses
    this rule; its decoupled weight decay is applied by the engine.
    """

    def init(params: jax.Array) -> AdamState:
        return AdamState(count=jnp.zeros([], jnp.int32), mu=jnp.zeros_like(params), nu=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        b1, b2 = hp["beta1"], hp["beta2"]
        mu = (1 - b1) * grads + b1 * state.mu
        nu = (1 - b2) * (grads * grads) + b2 * state.nu
        count = state.count + 1
        t = count.astype(grads.dtype)  # a float exponent: XLA's integer pow is a slow loop
        mu_hat = mu / (1 - b1**t)
        nu_hat = nu / (1 - b2**t)
        direction = mu_hat / (jnp.sqrt(nu_hat) + hp["eps"])
        return -hp["lr"] * direction, AdamState(count=count, mu=mu, nu=nu)

    return Optimizer(init, update)


LATEX = (
    r"\begin{aligned}"
    r"m_{t+1} &= [[beta1]]\, m_t + (1-[[beta1]])\, g_t \\"
    r"v_{t+1} &= [[beta2]]\, v_t + (1-[[beta2]])\, g_t^2 \\"
    r"\hat m &= \frac{m_{t+1}}{1-{[[beta1]]}^{\,t+1}}, \quad \hat v = \frac{v_{t+1}}{1-{[[beta2]]}^{\,t+1}} \\"
    r"x_{t+1} &= x_t - [[lr]]\, \frac{\hat m}{\sqrt{\hat v} + [[eps]]}"
    r"\end{aligned}"
)
"""Adam's update as :func:`adam` computes it (shared with AdamW)."""

HYPERS = hyperparams(lr(0.05), beta1(0.9), beta2(0.999), eps(1e-8))
"""Adam's hyperparameters and demo defaults (shared with AdamW)."""

SPEC = OptimizerSpec(
    key="adam",
    name=N_("Adam"),
    make=adam,
    hypers=HYPERS,
    latex=LATEX,
    paper="Kingma & Ba (2015), Adam: A Method for Stochastic Optimization",
    summary=(
        N_(
            "Momentum (a moving average of gradients) divided by the root of a moving average of squared "
            "gradients, both corrected for their zero start: steps of roughly lr in every direction."
        )
    ),
    velocity=lambda state: state.mu,
    velocity_label=N_("first moment m"),
    order=70,
    optax_reference=OptaxReference(
        lambda s: optax.adam(s["lr"], b1=s["beta1"], b2=s["beta2"], eps=s["eps"]),
        check_with={"lr": 0.04, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    ),
)
