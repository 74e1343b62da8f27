"""The optimizer contract: an optax-style pair of pure functions plus metadata.

Every optimizer in Descent Lab is an :class:`OptimizerSpec`. Its ``make()`` returns
an :class:`Optimizer` -- ``init(params) -> state`` and
``update(grads, state, params, hp, **extra) -> (updates, state)`` -- in the style of
``optax.GradientTransformation``, with one difference that makes sliders cheap:
hyperparameters are not baked into the closure but arrive at every call in ``hp``, a
mapping of *traced* float scalars. ``hp["lr"]`` is already the scheduled learning
rate of this step. ``updates`` is the displacement to add to the parameters
(it already contains ``-lr``).

Weight decay (coupled L2 or decoupled), gradient clipping and learning-rate
schedules are applied by the engine around every optimizer, so an optimizer module
only writes its own textbook update.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax

from core.i18n import N_, translator
from core.numbers import latex_number
from core.param import Param

Array = jax.Array
State = Any
Hyper = Mapping[str, Array]


class Optimizer(NamedTuple):
    """Pure ``init``/``update`` functions, as in ``optax.GradientTransformation``."""

    init: Callable[[Array], State]
    update: Callable[..., tuple[Array, State]]


Hyperparam = Param
"""Optimizer hyperparameters are :class:`core.param.Param` values."""


class OptaxReference(NamedTuple):
    """The optax optimizer this rule must equal, step for step (``tests/test_optimizers.py`` checks it).

    ``make`` maps setting values (the optimizer's hyperparameters and any shared option
    such as ``weight_decay``, as plain floats) to an ``optax.GradientTransformation``;
    ``check_with`` are the settings the check runs with: non-default on purpose, so a
    swapped or ignored hyperparameter shows up.
    """

    make: Callable[[Mapping[str, float]], Any]
    check_with: Mapping[str, float]


_ = translator("models")

_TOKEN = re.compile(r"\[\[(\w+)\]\]")


@dataclass(frozen=True)
class OptimizerSpec:
    """Everything the app knows about one optimizer.

    ``latex`` is the update rule as the code computes it, written with ``[[name]]``
    tokens for hyperparameters (``[[lr]]`` renders as the symbol ``\\eta_t`` or, with
    values, as the number). ``velocity`` extracts the optimizer's momentum-like
    vector from its state (for the arrows on the map), or is ``None``. ``order`` places
    the optimizer in the app's lists (smaller first; ties by key). ``optax_reference``
    declares the optax optimizer it must match, where optax has one.
    """

    key: str
    name: str
    make: Callable[[], Optimizer]
    hypers: tuple[Hyperparam, ...]
    latex: str
    paper: str = ""
    summary: str = ""
    needs_hessian: bool = False
    velocity: Callable[[State], Array] | None = None
    velocity_label: str = ""
    default_wd_mode: str = "l2"
    option_defaults: Mapping[str, float] = field(default_factory=dict)
    order: int = 1000
    optax_reference: OptaxReference | None = None

    @property
    def short_name(self) -> str:
        """The name without its trailing note in brackets ("Momentum (heavy ball)" -> "Momentum").

        For tight places such as the optimizer picker's chips, which cut a long name off.
        """
        return re.sub(r"\s*\([^()]*\)$", "", self.name) or self.name

    def name_text(self) -> str:
        """The optimizer's name in the current language (``key`` is what links and caches use)."""
        return _(self.name)

    def short_name_text(self) -> str:
        """:attr:`short_name` in the current language: the translated name without its note in brackets."""
        name = self.name_text()
        return re.sub(r"\s*\([^()]*\)$", "", name) or name

    def summary_text(self) -> str:
        """The one-paragraph summary in the current language."""
        return _(self.summary)

    def velocity_label_text(self) -> str:
        """What the velocity arrow shows, in the current language."""
        return _(self.velocity_label)

    def hyper(self, name: str) -> Hyperparam:
        """The hyperparameter called ``name``."""
        for h in self.hypers:
            if h.name == name:
                return h
        raise KeyError(name)

    def defaults(self) -> dict[str, float]:
        """Default value of every hyperparameter of the optimizer's own rule."""
        return {h.name: h.default for h in self.hypers}

    def render_latex(self, values: Mapping[str, float] | None = None) -> str:
        """The update equations, with symbols or (given ``values``) numbers substituted."""

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            symbol = self.hyper(name).symbol
            if values is None or name not in values:
                return symbol
            return latex_number(values[name])

        return _TOKEN.sub(sub, self.latex)


def hyperparams(*items: Hyperparam) -> tuple[Hyperparam, ...]:
    """A tuple of hyperparameters (a readable way to declare a spec's list)."""
    return tuple(items)


# Shared hyperparameter declarations, so every optimizer names and ranges them alike.
def lr(default: float = 0.01) -> Hyperparam:
    """The learning rate ``lr`` (log slider)."""
    return Hyperparam("lr", r"\eta_t", default, 1e-5, 10.0, log=True, help=N_("step size"))


def momentum(default: float = 0.9) -> Hyperparam:
    """The momentum coefficient ``momentum`` (linear slider)."""
    return Hyperparam("momentum", r"\mu", default, 0.0, 0.999, help=N_("momentum coefficient"))


def beta1(default: float = 0.9) -> Hyperparam:
    """First-moment decay ``beta1``."""
    return Hyperparam("beta1", r"\beta_1", default, 0.0, 0.999, help=N_("first-moment decay"))


def beta2(default: float = 0.999) -> Hyperparam:
    """Second-moment decay ``beta2``."""
    return Hyperparam("beta2", r"\beta_2", default, 0.0, 0.99999, help=N_("second-moment decay"))


def eps(default: float = 1e-8) -> Hyperparam:
    """Numerical-stability constant ``eps`` (log slider)."""
    return Hyperparam("eps", r"\epsilon", default, 1e-12, 1.0, log=True, help=N_("added to the denominator"))


def rho(default: float = 0.9) -> Hyperparam:
    """Averaging constant ``rho`` of RMSprop / Adadelta."""
    return Hyperparam("rho", r"\rho", default, 0.0, 0.9999, help=N_("averaging constant"))
