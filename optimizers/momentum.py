"""Gradient descent with heavy-ball momentum (Polyak), in the PyTorch / optax form."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, hyperparams, lr, momentum


class MomentumState(NamedTuple):
    """The momentum buffer ``v`` (a running, undamped sum of past gradients)."""

    trace: jax.Array


def heavy_ball() -> Optimizer:
    r"""Heavy-ball momentum, PyTorch form.

    .. math::

        v_{t+1} = \mu v_t + g_t, \qquad x_{t+1} = x_t - \eta_t v_{t+1}, \qquad v_0 = 0.

    Polyak (1964) writes the same method as
    :math:`x_{t+1} = x_t - \alpha g_t + \beta (x_t - x_{t-1})`; with a constant
    learning rate the two are identical (:math:`\alpha = \eta`, :math:`\beta = \mu`).
    They differ only when :math:`\eta_t` changes: here the buffer holds gradients,
    not displacements, so a new learning rate rescales the whole buffer at once.
    The buffer is not damped by :math:`(1-\mu)` (unlike an EMA), so the terminal
    speed on a constant slope is :math:`\eta g / (1-\mu)`.
    Reference: ``optax.sgd(learning_rate, momentum=mu)`` (``optax.trace``) and
    ``torch.optim.SGD(momentum=mu, dampening=0)``.
    """

    def init(params: jax.Array) -> MomentumState:
        return MomentumState(trace=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        trace = grads + hp["momentum"] * state.trace
        return -hp["lr"] * trace, MomentumState(trace=trace)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="momentum",
    name=N_("Momentum (heavy ball)"),
    make=heavy_ball,
    hypers=hyperparams(lr(5e-4), momentum(0.9)),
    latex=(
        r"\begin{aligned}"
        r"v_{t+1} &= [[momentum]]\, v_t + g_t \\"
        r"x_{t+1} &= x_t - [[lr]]\, v_{t+1}"
        r"\end{aligned}"
    ),
    paper="Polyak (1964), Some methods of speeding up the convergence of iteration methods",
    summary=(
        N_(
            "Accumulate past gradients in a velocity and step along it: the ball builds speed along "
            "consistent slopes and its oscillations across a ravine partly cancel."
        )
    ),
    velocity=lambda state: state.trace,
    velocity_label=N_("momentum buffer v"),
    order=20,
    optax_reference=OptaxReference(
        lambda s: optax.sgd(s["lr"], momentum=s["momentum"]), check_with={"lr": 4e-4, "momentum": 0.85}
    ),
)
