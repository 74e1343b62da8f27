"""Register any optax optimizer whose hyperparameters may be traced, without rewriting it.

:func:`from_optax` turns an optax factory (``optax.adabelief``, ``optax.yogi``, ...)
into an :class:`~optimizers.base.OptimizerSpec`. The trick that keeps sliders
cheap: the ``GradientTransformation`` is rebuilt *inside* ``update`` from the traced
``hp`` values at every call (building one is just making two closures, and under
``jit`` it costs nothing at run time), while ``init`` builds it once with the default
values. This works for factories whose state *structure* does not depend on the
hyperparameter values and whose Python code does not branch on them (no
``if decay == 0`` on a value); optax's Adam-family factories qualify.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import optax

from optimizers.base import Array, Hyperparam, OptaxReference, Optimizer, OptimizerSpec, State


def from_optax(
    key: str,
    name: str,
    factory: Callable[..., optax.GradientTransformation],
    hypers: tuple[Hyperparam, ...],
    *,
    latex: str,
    arg_names: Mapping[str, str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    paper: str = "",
    summary: str = "",
    velocity: Callable[[State], Array] | None = None,
    velocity_label: str = "",
    default_wd_mode: str = "l2",
    option_defaults: Mapping[str, float] | None = None,
    order: int = 1000,
    optax_reference: OptaxReference | None = None,
) -> OptimizerSpec:
    """An :class:`OptimizerSpec` whose rule is ``factory(**hyperparameters)`` from optax.

    ``hypers`` are the spec's hyperparameters (they must include ``lr``, passed as
    ``learning_rate``); ``arg_names`` maps a hyperparameter name to the factory's
    keyword where they differ (``{"beta1": "b1"}``); ``fixed`` holds keyword
    arguments that are not sliders (``{"eps_root": 0.0}``). ``velocity`` reads the
    momentum-like vector from optax's state (e.g. ``lambda s: s[0].mu`` for a chain
    whose first element is ``scale_by_adam``). The remaining arguments are passed to
    :class:`OptimizerSpec` unchanged; ``latex`` must describe what optax computes.
    """
    names = {"lr": "learning_rate", **(arg_names or {})}
    constants = dict(fixed or {})
    hyper_names = tuple(h.name for h in hypers)
    if "lr" not in hyper_names:
        raise ValueError(f"{key}: an optax optimizer needs an 'lr' hyperparameter")
    unknown = set(names) - set(hyper_names)
    if unknown:
        raise ValueError(f"{key}: arg_names refers to unknown hyperparameters {sorted(unknown)}")

    def build(values: Mapping[str, Any]) -> optax.GradientTransformation:
        return factory(**constants, **{names.get(n, n): values[n] for n in hyper_names})

    def make() -> Optimizer:
        defaults = {h.name: h.default for h in hypers}

        def init(params: Array) -> State:
            # The state's structure (and dtypes) must not depend on the values, so the defaults do.
            return build(defaults).init(params)

        def update(grads, state, params, hp, **extra):
            return build(hp).update(grads, state, params)

        return Optimizer(init, update)

    return OptimizerSpec(
        key=key,
        name=name,
        make=make,
        hypers=hypers,
        latex=latex,
        paper=paper,
        summary=summary,
        velocity=velocity,
        velocity_label=velocity_label,
        default_wd_mode=default_wd_mode,
        option_defaults=dict(option_defaults or {}),
        order=order,
        optax_reference=optax_reference,
    )
