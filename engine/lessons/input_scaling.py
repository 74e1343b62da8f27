"""One linear regression, two coordinate systems: raw inputs of very different scales, and standardized ones.

The data: 256 examples with two centred inputs. In standard units they have
variance 1 and correlation ρ exactly (the draws are whitened, then mixed), and the
targets are ``y = 1.5 z₁ - 1.0 z₂ + 0.3 ε``. The raw inputs are ``x₁ = z₁`` and
``x₂ = s z₂``: the second input is measured in units ``s`` times smaller, so its
numbers are ``s`` times larger. The loss is ``½ mean (w·x - y)²`` in both cases, with
Hessian ``H = XᵀX/N``; standardizing the inputs (subtract the mean, divide by the
standard deviation) turns H into the correlation matrix, whose condition number
``(1+ρ)/(1-ρ)`` no longer depends on ``s``.

Gradient descent runs on both with the same *relative* step ``eta = r / lambda_max(H)``,
so each is as fast as its own curvature allows; both run in the engine's one loop, each
problem as a data-set landscape of this module (:data:`LANDSCAPES`, not in the registry). A quadratic is the ``bowl``
landscape in disguise -- ``f(w) - f* = lambda_max * bowl(w - w*)`` with the bowl's
kappa and angle read off H -- so the same run opens in the Playground as GD with
``lr = r`` on that bowl, started at ``start - w*``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

import landscapes
from core.i18n import N_
from core.param import Param
from engine.compile_cache import enable_compilation_cache
from engine.config import OptimizerRun
from engine.lessons.regularization import LeastSquares
from engine.scenario import Scenario
from engine.simulate import simulate
from landscapes.base import DataSet, Landscape

enable_compilation_cache()

N_EXAMPLES = 256
SEED = 31
STANDARD_WEIGHTS = (1.5, -1.0)
NOISE = 0.3
START = (0.0, 0.0)
MAX_SCALE = 30.0
MAX_CORRELATION = 0.9
PROBLEMS: tuple[str, ...] = ("raw", "standardized")


def _check(scale: float, correlation: float) -> tuple[float, float]:
    scale, correlation = float(scale), float(correlation)
    if not (1.0 <= scale <= MAX_SCALE):
        raise ValueError(f"scale must be in [1, {MAX_SCALE:g}], got {scale!r}")
    if not (0.0 <= correlation <= MAX_CORRELATION):
        raise ValueError(f"correlation must be in [0, {MAX_CORRELATION:g}], got {correlation!r}")
    return scale, correlation


@functools.lru_cache(maxsize=64)
def _standard_inputs(correlation: float) -> tuple[np.ndarray, np.ndarray]:
    """Inputs with mean 0, variance 1 and correlation ``correlation`` exactly, and the targets (float64)."""
    rng = np.random.default_rng(SEED)
    z = rng.standard_normal((N_EXAMPLES, 2))
    noise = rng.standard_normal(N_EXAMPLES)
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / N_EXAMPLES)).T
    z = np.column_stack([z[:, 0], correlation * z[:, 0] + math.sqrt(1.0 - correlation**2) * z[:, 1]])
    y = z @ np.asarray(STANDARD_WEIGHTS) + NOISE * noise
    return z, y


def _frozen(inputs: np.ndarray, targets: np.ndarray) -> DataSet:
    x, y = inputs.astype(np.float32), targets.astype(np.float32)
    x.setflags(write=False)
    y.setflags(write=False)
    return DataSet(inputs=x, targets=y)


def raw_data(scale: float, correlation: float) -> DataSet:
    """The raw inputs: the second one ``scale`` times larger in its numbers."""
    scale, correlation = _check(scale, correlation)
    z, y = _standard_inputs(correlation)
    return _frozen(z * np.array([1.0, scale]), y)


def standardize(inputs: np.ndarray) -> np.ndarray:
    """Each input column shifted to mean 0 and divided by its standard deviation (as batch norm does per batch)."""
    x = np.asarray(inputs, np.float64)
    return (x - x.mean(axis=0)) / x.std(axis=0)


def standardized_data(scale: float, correlation: float) -> DataSet:
    """The raw data with its inputs standardized."""
    raw = raw_data(scale, correlation)
    return _frozen(standardize(raw.inputs), np.asarray(raw.targets, np.float64))


def condition_number(problem: LeastSquares) -> float:
    """``lambda_max / lambda_min`` of the Hessian: how elongated the bowl is (1 = round)."""
    low, high = np.linalg.eigvalsh(problem.hessian)
    return float(high / low)


def example_loss(w, row, target, p):
    """½ (w·x - y)² for one example."""
    return 0.5 * (w[0] * row[0] + w[1] * row[1] - target) ** 2


def _landscape(name: str, make_data) -> Landscape:
    """The regression on ``make_data``'s inputs as a data-set landscape, for the engine's one loop."""
    return Landscape(
        key=f"input_scaling_{name}",
        name=f"Linear regression, {name} inputs",
        description="The input-scaling lesson's linear regression (not offered in the Playground).",
        latex=r"f(w) = \frac{1}{N}\sum_i \tfrac12\,(w \cdot x_i - y_i)^2",
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        starts=(START,),
        example_loss=example_loss,
        make_data=lambda values: make_data(values["scale"], values["correlation"]),
        params=(
            Param("scale", "s", 10.0, 1.0, MAX_SCALE, help="how many times larger the second input's numbers are"),
            Param("correlation", r"\rho", 0.0, 0.0, MAX_CORRELATION, help="correlation between the two inputs"),
        ),
        tags=("dataset",),
    )


LANDSCAPES: tuple[Landscape, Landscape] = (_landscape("raw", raw_data), _landscape("standardized", standardized_data))
"""The two problems of :data:`PROBLEMS` as data-set landscapes (one compile each, data traced)."""


@dataclass(frozen=True)
class ScalingView:
    """Both problems: data, quadratic, condition number, GD path and loss, and the step size used."""

    name: str
    data: DataSet
    problem: LeastSquares
    kappa: float
    lr: float
    path: np.ndarray
    loss: np.ndarray
    diverged_at: int | None

    @property
    def minimum(self) -> np.ndarray:
        """The least-squares weights in this problem's coordinates."""
        return self.problem.minimum()

    @property
    def gap(self) -> np.ndarray:
        """``f(w_t) - f*`` along the path (float64, exact quadratic)."""
        return np.maximum(self.problem.loss(self.path) - self.problem.loss(self.minimum), 0.0)


def scaling_views(scale: float, correlation: float, relative_lr: float, steps: int) -> tuple[ScalingView, ScalingView]:
    """Raw and standardized problems, each run by GD with ``lr = relative_lr / lambda_max`` in the engine.

    Divergence is the engine's rule: the first point beyond the landscapes' bound (5000,
    a thousand times their domain) or with a non-finite loss; the path stays there.
    """
    scale, correlation = _check(scale, correlation)
    datasets = (raw_data(scale, correlation), standardized_data(scale, correlation))
    problems = tuple(LeastSquares.from_data(d) for d in datasets)
    lrs = np.array([relative_lr / p.lipschitz for p in problems], np.float32)
    values = {"scale": scale, "correlation": correlation}
    runs = [
        simulate(land, ("sgd", {"lr": float(lr)}), start=START, steps=int(steps), landscape_params=values)[0]
        for land, lr in zip(LANDSCAPES, lrs, strict=True)
    ]
    return tuple(  # type: ignore[return-value]
        ScalingView(
            name=name,
            data=datasets[i],
            problem=problems[i],
            kappa=condition_number(problems[i]),
            lr=float(lrs[i]),
            path=runs[i].path.astype(np.float64),
            loss=runs[i].loss.astype(np.float64),
            diverged_at=runs[i].diverged_at,
        )
        for i, name in enumerate(PROBLEMS)
    )


def view_box(view: ScalingView, margin: float = 0.3) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square plotting window around the start and the minimum (equal scale on both axes)."""
    points = np.array([START, view.minimum])
    centre = points.mean(axis=0)
    half = (1.0 + margin) * 0.5 * float(np.max(np.abs(points[1] - points[0])))
    half = max(half, 0.5)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def loss_surface(view: ScalingView, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, z)`` of the exact quadratic loss over :func:`view_box`."""
    (x0, x1), (y0, y1) = view_box(view)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, view.problem.loss(np.stack([gx, gy], axis=-1))


@dataclass(frozen=True)
class BowlEquivalent:
    """The ``bowl`` scenario that runs the same GD; ``exact`` is False when its kappa had to be capped."""

    scenario: Scenario
    exact: bool


RUN_LABELS = {"raw": N_("GD, raw inputs"), "standardized": N_("GD, standardized inputs")}
"""The Playground run's label for each problem (translated by the caller of :func:`bowl_equivalent`)."""


def bowl_equivalent(
    view: ScalingView, relative_lr: float, steps: int, translate: Callable[[str], str] = str
) -> BowlEquivalent:
    """The Playground's bowl with this problem's kappa and tilt, GD with ``lr = relative_lr`` from ``start - w*``.

    ``translate`` writes the run's label in the page's language (English by default).
    """
    bowl = landscapes.get("bowl")
    kappa_param = next(p for p in bowl.params if p.name == "kappa")
    values, vectors = np.linalg.eigh(view.problem.hessian)
    top = vectors[:, 1]
    angle = math.degrees(math.atan2(top[1], top[0]))
    angle = (angle + 90.0) % 180.0 - 90.0
    kappa = float(values[1] / values[0])
    capped = float(min(max(kappa, kappa_param.low), kappa_param.high))
    start = np.asarray(START) - view.minimum
    run = OptimizerRun.build("sgd", {"lr": float(relative_lr)}, label=translate(RUN_LABELS[view.name]))
    scenario = replace(
        Scenario.default("bowl"),
        landscape_params=bowl.resolve({"kappa": float(f"{capped:.6g}"), "angle": float(f"{angle:.6g}")}),
        runs=(run,),
        start=(float(f"{start[0]:.6g}"), float(f"{start[1]:.6g}")),
        steps=int(steps),
    )
    return BowlEquivalent(
        scenario=scenario, exact=capped == float(f"{kappa:.6g}") or abs(capped - kappa) < 1e-9 * kappa
    )
