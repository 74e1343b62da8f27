"""Gradient descent with Nesterov momentum, in the PyTorch / optax form."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, hyperparams, lr, momentum


class NesterovState(NamedTuple):
    """The momentum buffer ``v`` (a running, undamped sum of past gradients)."""

    trace: jax.Array


def nesterov() -> Optimizer:
    r"""Nesterov's accelerated gradient, PyTorch form.

    .. math::

        v_{t+1} = \mu v_t + g_t, \qquad
        x_{t+1} = x_t - \eta_t \,(g_t + \mu v_{t+1}), \qquad v_0 = 0.

    Nesterov (1983) and Sutskever et al. (2013) evaluate the gradient at the
    look-ahead point :math:`x_t + \mu u_t`, where their velocity :math:`u_t` is the
    last displacement; with this file's gradient buffer (:math:`u_t = -\eta v_t`) that
    point is :math:`x_t - \eta\mu v_t`. The form used here (PyTorch's
    ``SGD(nesterov=True)`` and ``optax.sgd(nesterov=True)``) only ever evaluates
    the gradient at the current iterate: it is the look-ahead method rewritten in
    the shifted variable :math:`x_t - \eta\mu v_t` (Bengio et al., 2013), so the
    paths agree up to that shift with a constant learning rate. Like heavy ball,
    the buffer is undamped (terminal speed :math:`\eta g / (1-\mu)`).
    Reference: ``optax.sgd(learning_rate, momentum=mu, nesterov=True)``.
    """

    def init(params: jax.Array) -> NesterovState:
        return NesterovState(trace=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        mu = hp["momentum"]
        trace = grads + mu * state.trace
        return -hp["lr"] * (grads + mu * trace), NesterovState(trace=trace)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="nesterov",
    name=N_("Nesterov momentum"),
    make=nesterov,
    hypers=hyperparams(lr(5e-4), momentum(0.9)),
    latex=(
        r"\begin{aligned}"
        r"v_{t+1} &= [[momentum]]\, v_t + g_t \\"
        r"x_{t+1} &= x_t - [[lr]]\,\left(g_t + [[momentum]]\, v_{t+1}\right)"
        r"\end{aligned}"
    ),
    paper="Nesterov (1983), A method for solving the convex programming problem with convergence rate O(1/k^2)",
    summary=(
        N_(
            "Momentum that looks ahead: the step uses the gradient plus the already-updated velocity, "
            "so it brakes earlier than heavy ball when the slope turns."
        )
    ),
    velocity=lambda state: state.trace,
    velocity_label=N_("momentum buffer v"),
    order=30,
    optax_reference=OptaxReference(
        lambda s: optax.sgd(s["lr"], momentum=s["momentum"], nesterov=True), check_with={"lr": 4e-4, "momentum": 0.85}
    ),
)
