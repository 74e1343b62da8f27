"""The landscape contract: a 2D loss surface written in JAX, with what the app shows of it.

Two kinds exist. An *analytic* landscape gives ``loss(x, p)`` directly. A *data-set*
landscape gives ``example_loss(x, inputs_row, target, p)`` and a finite
:class:`DataSet`; its loss is the mean of the per-example losses, so a minibatch of
size B is a real sample of the data and B = N is exact full-batch gradient descent.

``p`` is a mapping of the landscape's own parameters as traced float scalars
(condition number, rotation, ...), so moving their sliders never recompiles.
Gradients always come from ``jax.grad`` of these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from core.i18n import translator
from core.param import Param, resolve

_ = translator("models")

Array = jax.Array
Point = tuple[float, float]
Domain = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class DataSet:
    """A finite data set: ``inputs`` has shape (N, d), ``targets`` shape (N,)."""

    inputs: np.ndarray
    targets: np.ndarray

    @property
    def size(self) -> int:
        """Number of examples N."""
        return int(self.targets.shape[0])


def _no_points(p: Mapping[str, float]) -> tuple[Point, ...]:
    return ()


@dataclass(frozen=True, eq=False)
class Landscape:
    """One loss surface and its teaching metadata.

    ``minima`` and ``saddles`` map resolved parameter values (plain floats) to the
    known critical points, so a parametric surface can move them.
    ``make_data`` (data-set landscapes only) builds the training data for given
    parameter values; ``make_validation`` the held-out data where there is one.
    Data sizes must be powers of two (the engine's per-epoch shuffle needs it).
    ``order`` places the surface in the app's lists (smaller first, ties by key): 10-50 the
    surfaces that show why optimization is hard (conditioning, saddles, cliffs), 60-80 the
    data-set surfaces (minibatches, sharp vs flat minima, overfitting), 90 and up the
    classic test functions with published minima.

    ``name``, ``description`` and the parameters' help are English source text marked for the
    ``models`` catalog; pages show them through :meth:`name_text`, :meth:`description_text` and
    :meth:`core.param.Param.help_text`. A description built from values (a user's formula) is
    ``description_template`` (marked text with ``{placeholders}``) filled from ``description_values``.
    """

    key: str
    name: str
    description: str
    latex: str
    domain: Domain
    starts: tuple[Point, ...]
    loss_fn: Callable[[Array, Mapping[str, Array]], Array] | None = None
    example_loss: Callable[[Array, Array, Array, Mapping[str, Array]], Array] | None = None
    make_data: Callable[[Mapping[str, float]], DataSet] | None = None
    make_validation: Callable[[Mapping[str, float]], DataSet] | None = None
    params: tuple[Param, ...] = ()
    minima: Callable[[Mapping[str, float]], tuple[Point, ...]] = _no_points
    saddles: Callable[[Mapping[str, float]], tuple[Point, ...]] = _no_points
    tags: tuple[str, ...] = field(default=())
    order: int = 1000
    description_template: str = ""
    description_values: tuple[tuple[str, str], ...] = ()

    def name_text(self) -> str:
        """The surface's name in the current language (``key`` is what links and caches use)."""
        return _(self.name)

    def description_text(self) -> str:
        """The surface's description in the current language."""
        if self.description_template:
            return _(self.description_template).format(**dict(self.description_values))
        return _(self.description)

    @property
    def is_dataset(self) -> bool:
        """True when the loss is a mean over a finite data set (minibatches are possible)."""
        return self.example_loss is not None

    def resolve(self, given: Mapping[str, object] | None = None) -> dict[str, float]:
        """Validated parameter values with defaults filled in (``ValueError`` otherwise)."""
        return resolve(self.params, given, self.key)

    def traced(self, values: Mapping[str, float]) -> dict[str, np.float32]:
        """Parameter values as float32 scalars, passed to jitted functions as traced arguments."""
        return {k: np.float32(v) for k, v in values.items()}

    def data(self, values: Mapping[str, float]) -> DataSet | None:
        """The training data for these parameter values (None for analytic landscapes)."""
        return self.make_data(values) if self.make_data is not None else None

    def validation(self, values: Mapping[str, float]) -> DataSet | None:
        """The held-out data for these parameter values, where the landscape has one."""
        return self.make_validation(values) if self.make_validation is not None else None

    def per_example(self, x: Array, p: Mapping[str, Array], inputs: Array, targets: Array) -> Array:
        """Per-example losses, shape (N,), at point ``x`` (data-set landscapes)."""
        assert self.example_loss is not None
        return jax.vmap(lambda a, b: self.example_loss(x, a, b, p))(inputs, targets)

    def loss(self, x: Array, p: Mapping[str, Array], data: DataSet | tuple[Array, Array] | None = None) -> Array:
        """The full loss at ``x``: the formula, or the mean over the data set."""
        if not self.is_dataset:
            assert self.loss_fn is not None
            return self.loss_fn(x, p)
        if data is None:
            raise ValueError(f"{self.key} is a data-set landscape: pass its data")
        inputs, targets = (data.inputs, data.targets) if isinstance(data, DataSet) else data
        return jnp.mean(self.per_example(x, p, jnp.asarray(inputs), jnp.asarray(targets)))

    def loss_function(
        self, values: Mapping[str, float] | None = None, *, validation: bool = False
    ) -> Callable[[Array], Array]:
        """A function of ``x`` alone, for these parameter values (defaults if None).

        Convenient for plotting and tests; the engine uses :meth:`loss` with traced values.
        """
        resolved = self.resolve(values)
        p = self.traced(resolved)
        data = self.validation(resolved) if validation else self.data(resolved)
        if validation and data is None:
            raise ValueError(f"{self.key} has no validation set")
        if data is not None:
            arrays = (jnp.asarray(data.inputs), jnp.asarray(data.targets))
            return lambda x: self.loss(x, p, arrays)
        return lambda x: self.loss(x, p)

    @property
    def bound(self) -> float:
        """A point farther than this from the origin (in any coordinate) counts as diverged."""
        (x0, x1), (y0, y1) = self.domain
        return 1e3 * max(abs(x0), abs(x1), abs(y0), abs(y1), 1.0)
