"""AdaBelief, registered straight from ``optax.adabelief`` through :func:`from_optax`.

The rule, as optax computes it (``eps_root`` fixed at optax's default 1e-16)::

    m_{t+1} = b1 m_t + (1 - b1) g_t
    s_{t+1} = b2 s_t + (1 - b2) (g_t - m_{t+1})^2 + 1e-16
    x_{t+1} = x_t - lr * [m_{t+1} / (1 - b1^(t+1))] / (sqrt(s_{t+1} / (1 - b2^(t+1))) + eps)

Adam with the second moment replaced by the variance of the gradient around its
moving average (the "belief"): where the gradient is as predicted, steps are large.
Convention: optax's ``eps`` default is 1e-16 (the authors' code); that is below
the shared ``eps`` slider's range, so the default here is the paper's 1e-8.
"""

from __future__ import annotations

import optax

from core.i18n import N_
from optimizers.base import OptaxReference, beta1, beta2, eps, hyperparams, lr
from optimizers.optax_adapter import from_optax

SPEC = from_optax(
    "adabelief",
    N_("AdaBelief"),
    optax.adabelief,
    hyperparams(lr(0.05), beta1(0.9), beta2(0.999), eps(1e-8)),
    arg_names={"beta1": "b1", "beta2": "b2"},
    latex=(
        r"\begin{aligned}"
        r"m_{t+1} &= [[beta1]]\, m_t + (1-[[beta1]])\, g_t \\"
        r"s_{t+1} &= [[beta2]]\, s_t + (1-[[beta2]])\, (g_t - m_{t+1})^2 + 10^{-16} \\"
        r"x_{t+1} &= x_t - [[lr]]\, \frac{m_{t+1} / (1-{[[beta1]]}^{\,t+1})}"
        r"{\sqrt{s_{t+1} / (1-{[[beta2]]}^{\,t+1})} + [[eps]]}"
        r"\end{aligned}"
    ),
    paper="Zhuang et al. (2020), AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients",
    summary=(
        N_(
            "Adam that divides by how far the gradient strays from its moving average rather than by its size: "
            "confident (predictable) slopes get large steps, surprising ones small steps."
        )
    ),
    velocity=lambda state: state[0].mu,
    velocity_label=N_("first moment m"),
    order=120,
    optax_reference=OptaxReference(
        lambda s: optax.adabelief(s["lr"], b1=s["beta1"], b2=s["beta2"], eps=s["eps"]),
        check_with={"lr": 0.04, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    ),
)
