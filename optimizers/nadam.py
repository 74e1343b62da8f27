"""NAdam: Adam with a Nesterov-style look-ahead on the first moment."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, beta1, beta2, eps, hyperparams, lr


class NAdamState(NamedTuple):
    """Step count and the first (``mu``) and second (``nu``) moment estimates."""

    count: jax.Array
    mu: jax.Array
    nu: jax.Array


def nadam() -> Optimizer:
    r"""NAdam (Dozat, 2016), in optax's form.

    .. math::

        \begin{aligned}
        m_{t+1} &= \beta_1 m_t + (1-\beta_1)\, g_t, &
        v_{t+1} &= \beta_2 v_t + (1-\beta_2)\, g_t^2, \\
        \hat m &= \beta_1\, \frac{m_{t+1}}{1-\beta_1^{t+2}} + (1-\beta_1)\, \frac{g_t}{1-\beta_1^{t+1}}, &
        \hat v &= \frac{v_{t+1}}{1-\beta_2^{t+1}}, \\
        x_{t+1} &= x_t - \eta_t\, \hat m / (\sqrt{\hat v} + \epsilon)
        \end{aligned}

    i.e. Adam where the momentum term looks one step ahead. Conventions: this is
    ``optax.nadam`` (``optax.adam(nesterov=True)``); Dozat's Algorithm 2 also
    multiplies :math:`\hat v` by :math:`\beta_2` (optax and others drop it), and
    PyTorch's ``NAdam`` adds a warming momentum schedule
    :math:`\mu_t = \beta_1 (1 - 0.5 \cdot 0.96^{t\psi})` which is *not* used here.
    Reference: ``optax.nadam(lr, b1=beta1, b2=beta2, eps=eps)``.
    """

    def init(params: jax.Array) -> NAdamState:
        return NAdamState(count=jnp.zeros([], jnp.int32), mu=jnp.zeros_like(params), nu=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        b1, b2 = hp["beta1"], hp["beta2"]
        mu = (1 - b1) * grads + b1 * state.mu
        nu = (1 - b2) * (grads * grads) + b2 * state.nu
        count = state.count + 1
        t = count.astype(grads.dtype)  # a float exponent: XLA's integer pow is a slow loop
        mu_hat = b1 * (mu / (1 - b1 ** (t + 1))) + (1 - b1) * (grads / (1 - b1**t))
        nu_hat = nu / (1 - b2**t)
        direction = mu_hat / (jnp.sqrt(nu_hat) + hp["eps"])
        return -hp["lr"] * direction, NAdamState(count=count, mu=mu, nu=nu)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="nadam",
    name=N_("NAdam"),
    make=nadam,
    hypers=hyperparams(lr(0.05), beta1(0.9), beta2(0.999), eps(1e-8)),
    latex=(
        r"\begin{aligned}"
        r"m_{t+1} &= [[beta1]]\, m_t + (1-[[beta1]])\, g_t \\"
        r"v_{t+1} &= [[beta2]]\, v_t + (1-[[beta2]])\, g_t^2 \\"
        r"\hat m &= [[beta1]]\, \frac{m_{t+1}}{1-{[[beta1]]}^{\,t+2}}"
        r" + (1-[[beta1]])\, \frac{g_t}{1-{[[beta1]]}^{\,t+1}}, \quad"
        r" \hat v = \frac{v_{t+1}}{1-{[[beta2]]}^{\,t+1}} \\"
        r"x_{t+1} &= x_t - [[lr]]\, \frac{\hat m}{\sqrt{\hat v} + [[eps]]}"
        r"\end{aligned}"
    ),
    paper="Dozat (2016), Incorporating Nesterov Momentum into Adam",
    summary=(
        N_(
            "Adam with Nesterov momentum: the step mixes the already-updated first moment with the current "
            "gradient, so it reacts to a change of slope one step sooner."
        )
    ),
    velocity=lambda state: state.mu,
    velocity_label=N_("first moment m"),
    order=100,
    optax_reference=OptaxReference(
        lambda s: optax.nadam(s["lr"], b1=s["beta1"], b2=s["beta2"], eps=s["eps"]),
        check_with={"lr": 0.04, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    ),
)
