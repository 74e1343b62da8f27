"""AdamW: Adam with decoupled weight decay (applied by the engine)."""

from __future__ import annotations

import optax

from core.i18n import N_
from optimizers import adam
from optimizers.base import OptaxReference, OptimizerSpec

SPEC = OptimizerSpec(
    key="adamw",
    name=N_("AdamW"),
    make=adam.adam,
    hypers=adam.HYPERS,
    latex=adam.LATEX,
    paper="Loshchilov & Hutter (2019), Decoupled Weight Decay Regularization",
    summary=(
        N_(
            "Adam whose weight decay shrinks the parameters directly (x -= lr * lambda * x) instead of being "
            "added to the gradient, so the decay is not rescaled by Adam's per-coordinate step sizes."
        )
    ),
    velocity=adam.SPEC.velocity,
    velocity_label=adam.SPEC.velocity_label,
    default_wd_mode="decoupled",
    option_defaults={"weight_decay": 0.01},
    order=80,
    optax_reference=OptaxReference(
        lambda s: optax.adamw(s["lr"], b1=s["beta1"], b2=s["beta2"], eps=s["eps"], weight_decay=s["weight_decay"]),
        check_with={"lr": 0.04, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3, "weight_decay": 0.2},
    ),
)
"""The update rule is Adam's (:func:`optimizers.adam.adam`); the engine applies the decay
``x -= lr_t * weight_decay * x`` after it (see :mod:`optimizers.options`), which matches
``optax.adamw(lr, b1, b2, eps, weight_decay=weight_decay)``."""
