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

from core.param import Param as Hyperparam
from optimizers.schedules import SCHEDULES

WD_MODES: tuple[str, ...] = ("l2", "decoupled")

OPTION_HYPERS: tuple[Hyperparam, ...] = (
    Hyperparam("weight_decay", r"\lambda", 0.0, 0.0, 1.0, help="weight decay"),
    Hyperparam("clip_norm", "c", 0.0, 0.0, 1000.0, help="clip the gradient to this global norm (0 = off)"),
    Hyperparam("decay_every", "s", 100.0, 1.0, 5000.0, help="schedule period in steps (step / exponential)"),
    Hyperparam("decay_rate", r"\gamma", 0.5, 0.01, 1.0, help="lr factor per period (step / exponential)"),
    Hyperparam("warmup_steps", "w", 50.0, 0.0, 5000.0, help="linear warm-up length (warm-up + cosine)"),
    Hyperparam("final_lr_ratio", r"\alpha", 0.0, 0.0, 1.0, help="final lr as a fraction of lr (cosine)"),
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


def options_latex(
    choices: Choices, values: Mapping[str, float], *, minibatch: bool = False, hessian: bool = False
) -> list[str]:
    """The LaTeX lines for the options that are active in ``values`` (with numbers substituted).

    These are the lines of :func:`engine.step.apply_step` that change the gradient or
    the step, in the order the engine applies them.
    """
    from optimizers.base import format_number
    from optimizers.schedules import SCHEDULE_LATEX

    lines = []
    clip = values.get("clip_norm", 0.0)
    wd = values.get("weight_decay", 0.0)
    lines.append(r"g_t = \nabla f(x_t)" + (r"\quad\text{(minibatch gradient)}" if minibatch else ""))
    if clip > 0:
        lines.append(
            rf"g_t \leftarrow g_t \cdot \min\!\left(1, \frac{{{format_number(clip)}}}{{\lVert g_t \rVert}}\right)"
        )
    if wd > 0 and choices.wd_mode == "l2":
        lines.append(rf"g_t \leftarrow g_t + {format_number(wd)}\, x_t\quad\text{{(L2)}}")
        if hessian:
            lines.append(rf"H_t \leftarrow H_t + {format_number(wd)}\, I\quad\text{{(L2)}}")
    if choices.schedule != "constant":
        lines.append(SCHEDULE_LATEX[choices.schedule] + rf",\quad \eta = {format_number(values.get('lr', 0.0))}")
    if wd > 0 and choices.wd_mode == "decoupled":
        lines.append(
            rf"x_{{t+1}} \leftarrow x_{{t+1}} - \eta_t\, {format_number(wd)}\, x_t\quad\text{{(decoupled decay)}}"
        )
    return lines
