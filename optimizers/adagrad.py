"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from core.i18n import N_
from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, eps, hyperparams, lr


class AdagradState(NamedTuple):
    """The running sum ``s`` of squared gradients, per coordinate."""

    sum_of_squares: jax.Array


def adagrad() -> Optimizer:
    r"""Adagrad (Duchi, Hazan & Singer, 2011), in the textbook / PyTorch form.

    .. math::

        s_{t+1} = s_t + g_t^2, \qquad
        x_{t+1} = x_t - \eta_t \, \frac{g_t}{\sqrt{s_{t+1}} + \epsilon}, \qquad s_0 = 0.

    Conventions (where the course notes, PyTorch and optax differ):

    * :math:`\epsilon` sits *outside* the square root, as in the course notes and
      ``torch.optim.Adagrad`` (default 1e-10); ``optax.adagrad`` adds it inside,
      :math:`1/\sqrt{s + \epsilon}`, and has no option to move it;
    * the accumulator starts at :math:`s_0 = 0` as in the paper and PyTorch
      (``optax.adagrad`` defaults to ``initial_accumulator_value=0.1``).

    With :math:`\epsilon` negligible the two forms coincide, so the tests compare
    this rule with ``optax.adagrad(lr, initial_accumulator_value=0.0, eps=0.0)``
    at :math:`\epsilon = 10^{-12}`, and check the placement of :math:`\epsilon`
    separately against the formula.
    """

    def init(params: jax.Array) -> AdagradState:
        return AdagradState(sum_of_squares=jnp.zeros_like(params))

    def update(grads, state, params, hp, **extra):
        s = grads * grads + state.sum_of_squares
        return -hp["lr"] * (grads / (jnp.sqrt(s) + hp["eps"])), AdagradState(sum_of_squares=s)

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="adagrad",
    name=N_("Adagrad"),
    make=adagrad,
    hypers=hyperparams(lr(0.5), eps(1e-10)),
    latex=(
        r"\begin{aligned}"
        r"s_{t+1} &= s_t + g_t^2 \\"
        r"x_{t+1} &= x_t - [[lr]]\, \frac{g_t}{\sqrt{s_{t+1}} + [[eps]]}"
        r"\end{aligned}"
    ),
    paper="Duchi, Hazan & Singer (2011), Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
    summary=(
        N_(
            "Divide each coordinate's step by the root of its accumulated squared gradients: steep directions "
            "get small steps, flat ones large steps, and every step shrinks over time."
        )
    ),
    order=40,
    # optax puts eps inside the root, this rule outside: compared with eps negligible (placement: own test).
    optax_reference=OptaxReference(
        lambda s: optax.adagrad(s["lr"], initial_accumulator_value=0.0, eps=0.0), check_with={"lr": 0.3, "eps": 1e-12}
    ),
)
