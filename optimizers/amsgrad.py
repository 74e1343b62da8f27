"""AMSGrad: Adam whose second-moment estimate never decreases."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, beta1, beta2, eps, hyperparams, lr


class AMSGradState(NamedTuple):
    """Step count, first and second moments, and the running maximum of the corrected second moment."""

    count: jax.Array
    mu: jax.Array
    nu: jax.Array
    nu_max: jax.Array


def amsgrad() -> Optimizer:
    r"""AMSGrad (Reddi, Kale & Kumar, 2018), in optax's bias-corrected form.

    .. math::

        \begin{aligned}
        m_{t+1} &= \beta_1 m_t + (1-\beta_1)\, g_t, &
        v_{t+1} &= \beta_2 v_t + (1-\beta_2)\, g_t^2, \\
        \hat m &= m_{t+1} / (1-\beta_1^{t+1}), &
        \hat v_{t+1} &= \max\!\big(\hat v_t,\; v_{t+1} / (1-\beta_2^{t+1})\big), \\
        x_{t+1} &= x_t - \eta_t\, \hat m / (\sqrt{\hat v_{t+1}} + \epsilon)
        \end{aligned}

    with :math:`m_0 = v_0 = \hat v_0 = 0`. Conventions differ here: the paper uses
    no bias correction at all; PyTorch (``amsgrad=True``) takes the maximum of the
    *raw* :math:`v` and divides by the current :math:`\sqrt{1-\beta_2^{t+1}}` after
    the maximum; optax (followed here, ``bias_correction_mu=True,
    bias_correction_nu=True``) takes the maximum of the *bias-corrected*
    :math:`v`. All three keep the step from growing when gradients shrink.
    Reference: ``optax.amsgrad(lr, b1=beta1, b2=beta2, eps=eps)``.
    """

    def init(params: jax.Array) -> AMSGradState:
        zeros = jnp.zeros_like(params)
        return AMSGradState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros, nu_max=zeros)

    def update(grads, state, params, hp, **extra):
        b1, b2 = hp["beta1"], hp["beta2"]
        mu = (1 - b1) * grads + b1 * state.mu
        nu = (1 - b2) * (grads * grads) + b2 * state.nu
        count = state.count + 1
        t = count.astype(grads.dtype)  # a float exponent: XLA's integer pow is a slow loop
        mu_hat = mu / (1 - b1**t)
        nu_max = jnp.maximum(state.nu_max, nu / (1 - b2**t))
        direction = mu_hat / (jnp.sqrt(nu_max) + hp["eps"])
        return -hp["lr"] * direction, AMSGradState(count=count, mu=mu, nu=nu, nu_max=nu_max)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="amsgrad",
    name=N_("AMSGrad"),
    make=amsgrad,
    hypers=hyperparams(lr(0.05), beta1(0.9), beta2(0.999), eps(1e-8)),
    latex=(
        r"\begin{aligned}"
        r"m_{t+1} &= [[beta1]]\, m_t + (1-[[beta1]])\, g_t \\"
        r"v_{t+1} &= [[beta2]]\, v_t + (1-[[beta2]])\, g_t^2 \\"
        r"\hat v_{t+1} &= \max\left(\hat v_t,\ \frac{v_{t+1}}{1-{[[beta2]]}^{\,t+1}}\right) \\"
        r"x_{t+1} &= x_t - [[lr]]\, \frac{m_{t+1} / (1-{[[beta1]]}^{\,t+1})}{\sqrt{\hat v_{t+1}} + [[eps]]}"
        r"\end{aligned}"
    ),
    paper="Reddi, Kale & Kumar (2018), On the Convergence of Adam and Beyond",
    summary=(
        N_(
            "Adam with a memory: the denominator is the largest second-moment estimate seen so far, "
            "so a sudden drop in gradient size cannot make the step blow up."
        )
    ),
    velocity=lambda state: state.mu,
    velocity_label=N_("first moment m"),
    order=90,
    optax_reference=OptaxReference(
        lambda s: optax.amsgrad(s["lr"], b1=s["beta1"], b2=s["beta2"], eps=s["eps"]),
        check_with={"lr": 0.04, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    ),
)
