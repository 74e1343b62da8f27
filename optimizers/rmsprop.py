"""RMSprop: per-coordinate step sizes from a moving average of squared gradients."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, eps, hyperparams, lr, rho


class RMSpropState(NamedTuple):
    """The exponential moving average ``s`` of squared gradients, per coordinate."""

    nu: jax.Array


def rmsprop() -> Optimizer:
    r"""RMSprop (Hinton, Coursera lecture 6e, 2012), course-notes form.

    .. math::

        s_{t+1} = \rho\, s_t + (1-\rho)\, g_t^2, \qquad
        x_{t+1} = x_t - \eta_t \, \frac{g_t}{\sqrt{s_{t+1} + \epsilon}}, \qquad s_0 = 0.

    Conventions: :math:`\epsilon` sits *inside* the square root, which is the form
    of the course notes and optax's default (``eps_in_sqrt=True``); PyTorch and
    Keras use :math:`\sqrt{s} + \epsilon` instead (optax's ``eps_in_sqrt=False``).
    No bias correction, no centering, no momentum (optax's defaults), and
    :math:`s_0 = 0` (``initial_scale=0``), so the first steps are about
    :math:`1/\sqrt{1-\rho}` times larger than the later steady-state ones.
    Reference: ``optax.rmsprop(lr, decay=rho, eps=eps)``.
    """

    def init(params: jax.Array) -> RMSpropState:
        return RMSpropState(nu=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        decay = hp["rho"]
        nu = (1 - decay) * (grads * grads) + decay * state.nu
        return -hp["lr"] * (jax.lax.rsqrt(nu + hp["eps"]) * grads), RMSpropState(nu=nu)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="rmsprop",
    name=N_("RMSprop"),
    make=rmsprop,
    hypers=hyperparams(lr(0.01), rho(0.9), eps(1e-8)),
    latex=(
        r"\begin{aligned}"
        r"s_{t+1} &= [[rho]]\, s_t + (1-[[rho]])\, g_t^2 \\"
        r"x_{t+1} &= x_t - [[lr]]\, \frac{g_t}{\sqrt{s_{t+1} + [[eps]]}}"
        r"\end{aligned}"
    ),
    paper="Hinton, Srivastava & Swersky (2012), Neural Networks for Machine Learning, lecture 6e",
    summary=(
        N_(
            "Like Adagrad, but the squared gradients are averaged with exponential forgetting, "
            "so the step size adapts to the recent slope instead of shrinking forever."
        )
    ),
    order=50,
    optax_reference=OptaxReference(
        lambda s: optax.rmsprop(s["lr"], decay=s["rho"], eps=s["eps"]), check_with={"lr": 0.01, "rho": 0.8, "eps": 1e-2}
    ),
)
