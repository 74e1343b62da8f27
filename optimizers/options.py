"""Options every optimizer accepts: weight decay, gradient clipping, lr schedule.

They are applied by the engine around an optimizer's own update, in this order::

    g  = grad f(x)                                  (minibatch gradient)
    g  = g * min(1, c / ||g||)                      (clipping by global norm, if on)
    g  = g + lambda * x                             (coupled L2 weight decay)
    dx = update(g)                                  (the optimizer's own rule, with eta_t)
    dx = dx - eta_t * lambda * x                    (decoupled weight decay, AdamW-style)
    x  = x + dx

Only one of the two weight-decay lines is active, chosen by ``wd_mode``. Clipping
acts on the loss gradient only, as ``torch.nn.utils.clip_grad_norm_`` does before
``optimizer.step()`` adds PyTorch's weight decay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.i18n import N_
from core.numbers import latex_number
from core.param import Param as Hyperparam
from optimizers.base import OptimizerSpec
from optimizers.schedules import SCHEDULE_LATEX, SCHEDULES

WD_MODES: tuple[str, ...] = ("l2", "decoupled")

OPTION_HYPERS: tuple[Hyperparam, ...] = (
    Hyperparam("weight_decay", r"\lambda", 0.0, 0.0, 1.0, help=N_("weight decay")),
    Hyperparam("clip_norm", "c", 0.0, 0.0, 1000.0, help=N_("clip the gradient to this global norm (0 = off)")),
    Hyperparam("decay_every", "s", 100.0, 1.0, 5000.0, help=N_("schedule period in steps (step / exponential)")),
    Hyperparam("decay_rate", r"\gamma", 0.5, 0.01, 1.0, help=N_("lr factor per period (step / exponential)")),
    Hyperparam("warmup_steps", "w", 50.0, 0.0, 5000.0, help=N_("linear warm-up length (warm-up + cosine)")),
    Hyperparam("final_lr_ratio", r"\alpha", 0.0, 0.0, 1.0, help=N_("final lr as a fraction of lr (cosine)")),
)
"""Numeric options, validated like hyperparameters and traced like them."""


@dataclass(frozen=True)
class Choices:
    """The two non-numeric options: weight-decay mode and schedule name."""

    wd_mode: str = "l2"
    schedule: str = "constant"

    def validate(self, owner: str) -> Choices:
        """Raise ``ValueError`` naming the field and the allowed values if a choice is unknown."""
        if self.wd_mode not in WD_MODES:
            raise ValueError(f"{owner}.wd_mode must be one of {list(WD_MODES)}, got {self.wd_mode!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"{owner}.schedule must be one of {list(SCHEDULES)}, got {self.schedule!r}")
        return self

    def traced(self) -> Mapping[str, float]:
        """The choices as float codes (so switching them never recompiles)."""
        return {"decoupled": float(WD_MODES.index(self.wd_mode)), "schedule": float(SCHEDULES.index(self.schedule))}


def step_latex(
    spec: OptimizerSpec, choices: Choices, values: Mapping[str, float], *, minibatch: bool = False
) -> list[str]:
    """Every line of one step as the engine computes it, with this run's numbers, in the engine's order.

    The order is that of the engine's loop and :func:`engine.step.apply_step`: the gradient,
    the scheduled learning rate, the Hessian (Newton only), clipping, coupled L2 decay on the
    gradient (and on the Hessian), the optimizer's own rule, and last the decoupled decay, which
    shrinks the ``x_{t+1}`` the rule produced. Only active options get a line. With a constant
    schedule the learning rate is one number, shown as that number everywhere; a decaying
    schedule defines ``\\eta_t`` from ``\\eta`` and the later lines use ``\\eta_t``.
    """
    constant = choices.schedule == "constant"
    lr = latex_number(values.get("lr", 0.0))
    rate = lr if constant else r"\eta_t"
    clip = values.get("clip_norm", 0.0)
    wd = values.get("weight_decay", 0.0)
    decay = latex_number(wd)
    l2, decoupled = wd > 0 and choices.wd_mode == "l2", wd > 0 and choices.wd_mode == "decoupled"
    lines = [r"g_t = \nabla f(x_t)" + (r"\quad\text{(minibatch gradient)}" if minibatch else "")]
    if not constant:
        lines.append(SCHEDULE_LATEX[choices.schedule] + rf",\quad \eta = {lr}")
    if spec.needs_hessian:
        lines.append(r"H_t = \nabla^2 f(x_t)" + (r"\quad\text{(minibatch Hessian)}" if minibatch else ""))
    if clip > 0:
        lines.append(
            rf"g_t \leftarrow g_t \cdot \min\!\left(1, \frac{{{latex_number(clip)}}}{{\lVert g_t \rVert}}\right)"
        )
    if l2:
        lines.append(rf"g_t \leftarrow g_t + {decay}\, x_t\quad\text{{(L2)}}")
        if spec.needs_hessian:
            lines.append(rf"H_t \leftarrow H_t + {decay}\, I\quad\text{{(L2)}}")
    rule_values = {name: value for name, value in values.items() if name != "lr" or constant}
    lines.append(spec.render_latex(rule_values))
    if decoupled:
        lines.append(rf"x_{{t+1}} \leftarrow x_{{t+1}} - {rate} \cdot {decay}\, x_t\quad\text{{(decoupled decay)}}")
    return lines
