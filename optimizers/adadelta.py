"""Adadelta: RMSprop whose step size is the RMS of its own past steps."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, eps, hyperparams, lr, rho


class AdadeltaState(NamedTuple):
    """Moving averages of squared gradients (``e_g``) and of squared steps (``e_x``)."""

    e_g: jax.Array
    e_x: jax.Array


def adadelta() -> Optimizer:
    r"""Adadelta (Zeiler, 2012), with a learning-rate multiplier as in PyTorch and optax.

    .. math::

        \begin{aligned}
        E[g^2]_{t+1} &= \rho\, E[g^2]_t + (1-\rho)\, g_t^2 \\
        \Delta_t &= \frac{\sqrt{E[\Delta^2]_t + \epsilon}}{\sqrt{E[g^2]_{t+1} + \epsilon}}\, g_t \\
        E[\Delta^2]_{t+1} &= \rho\, E[\Delta^2]_t + (1-\rho)\, \Delta_t^2 \\
        x_{t+1} &= x_t - \eta_t\, \Delta_t
        \end{aligned}

    with both averages starting at zero (the formula shown in the app writes
    :math:`s` for :math:`E[g^2]` and :math:`d` for :math:`E[\Delta^2]`). Zeiler's Algorithm 1 is the case
    :math:`\eta = 1`; the multiplier (PyTorch's ``lr``, default 1.0) scales the
    step but *not* the accumulated :math:`E[\Delta^2]`, which tracks the unscaled
    :math:`\Delta_t` exactly as in PyTorch and optax.

    Demo default: :math:`\epsilon = 10^{-4}` instead of the usual :math:`10^{-6}`.
    The very first step is about :math:`\sqrt{\epsilon / (1-\rho)}` per coordinate
    whatever the gradient, so with :math:`10^{-6}` a 2D run barely leaves its start
    in a few hundred steps. (Raising :math:`\eta` instead has almost the same effect:
    the path depends mainly on :math:`\eta^2 \epsilon` while the steps are small.)
    Reference: ``optax.adadelta(lr, rho=rho, eps=eps)``.
    """

    def init(params: jax.Array) -> AdadeltaState:
        return AdadeltaState(e_g=jnp.zeros_like(params), e_x=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        decay, eps_ = hp["rho"], hp["eps"]
        e_g = (1 - decay) * (grads * grads) + decay * state.e_g
        delta = (jnp.sqrt(state.e_x + eps_) / jnp.sqrt(e_g + eps_)) * grads
        e_x = (1 - decay) * (delta * delta) + decay * state.e_x
        return -hp["lr"] * delta, AdadeltaState(e_g=e_g, e_x=e_x)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="adadelta",
    name=N_("Adadelta"),
    make=adadelta,
    hypers=hyperparams(lr(1.0), rho(0.9), eps(1e-4)),
    latex=(
        r"\begin{aligned}"
        r"s_{t+1} &= [[rho]]\, s_t + (1-[[rho]])\, g_t^2 \\"
        r"\Delta_t &= \frac{\sqrt{d_t + [[eps]]}}{\sqrt{s_{t+1} + [[eps]]}}\, g_t \\"
        r"d_{t+1} &= [[rho]]\, d_t + (1-[[rho]])\, \Delta_t^2 \\"
        r"x_{t+1} &= x_t - [[lr]]\, \Delta_t"
        r"\end{aligned}"
    ),
    paper="Zeiler (2012), ADADELTA: An Adaptive Learning Rate Method",
    summary=(
        N_(
            "RMSprop with units fixed: the step is the ratio of the RMS of recent steps to the RMS of "
            "recent gradients, so it needs (almost) no learning rate, but starts slowly from epsilon."
        )
    ),
    order=60,
    # rho 0.95, not 0.85: with 0.85 the check's bowl path is chaotic (tests/test_optimizers.py stable_reference).
    optax_reference=OptaxReference(
        lambda s: optax.adadelta(s["lr"], rho=s["rho"], eps=s["eps"]), check_with={"lr": 2.0, "rho": 0.95, "eps": 1e-4}
    ),
)
