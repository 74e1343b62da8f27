"""Plain (stochastic) gradient descent."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, hyperparams, lr


class SGDState(NamedTuple):
    """SGD keeps no state; the empty tuple keeps the interface uniform."""


def sgd() -> Optimizer:
    r"""Gradient descent: :math:`x_{t+1} = x_t - \eta_t g_t`.

    With a minibatch gradient this is SGD (Robbins & Monro, 1951).
    Reference: ``optax.sgd(learning_rate)``.
    """

    def init(params: jnp.ndarray) -> SGDState:
        return SGDState()

    def update(grads, state, params, hp, **extra):
        return -hp["lr"] * grads, state

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="sgd",
    name=N_("SGD"),
    make=sgd,
    hypers=hyperparams(lr(0.001)),
    latex=r"x_{t+1} = x_t - [[lr]]\, g_t",
    paper="Robbins & Monro (1951), A Stochastic Approximation Method",
    summary=N_("Step straight down the (minibatch) gradient, scaled by the learning rate."),
    order=10,
    optax_reference=OptaxReference(lambda s: optax.sgd(s["lr"]), check_with={"lr": 1e-3}),
)
