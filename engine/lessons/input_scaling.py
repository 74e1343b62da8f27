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
so each is as fast as its own curvature allows. A quadratic is the ``bowl``
landscape in disguise -- ``f(w) - f* = lambda_max * bowl(w - w*)`` with the bowl's
kappa and angle read off H -- so the same run opens in the Playground as GD with
``lr = r`` on that bowl, started at ``start - w*``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np

import landscapes
from engine.compile_cache import enable_compilation_cache
from engine.config import OptimizerRun
from engine.lessons.regularization import LeastSquares
from engine.scenario import Scenario
from engine.simulate import bucket
from landscapes.base import DataSet

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


@functools.lru_cache(maxsize=8)
def _gd_fn(length: int):
    spec = OptimizerRun.build("sgd").spec
    opt = spec.make()

    def run(x0, inputs, targets, lr, steps):
        def loss(w):
            return 0.5 * jnp.mean((inputs @ w - targets) ** 2)

        def body(carry, t):
            x, diverged = carry
            value, grad = jax.value_and_grad(loss)(x)
            update, _ = opt.update(grad, opt.init(x), x, {"lr": lr})
            new = x + update
            fine = jnp.isfinite(new[0]) & jnp.isfinite(new[1]) & (jnp.abs(new[0]) < 1e6) & (jnp.abs(new[1]) < 1e6)
            active = (diverged < 0) & (t < steps)
            diverged = jnp.where(active & ~fine, t + 1, diverged)
            return (jnp.where(active & fine, new, x), diverged), (x, value)

        (x_end, diverged), (xs, values) = jax.lax.scan(body, (x0, jnp.int32(-1)), jnp.arange(length, dtype=jnp.int32))
        return jnp.concatenate([xs, x_end[None]]), jnp.append(values, loss(x_end)), diverged

    return jax.jit(jax.vmap(run, in_axes=(None, 0, 0, 0, None)))


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
    """Raw and standardized problems, each run by GD with ``lr = relative_lr / lambda_max``: one vmapped call."""
    scale, correlation = _check(scale, correlation)
    datasets = (raw_data(scale, correlation), standardized_data(scale, correlation))
    problems = tuple(LeastSquares.from_data(d) for d in datasets)
    lrs = np.array([relative_lr / p.lipschitz for p in problems], np.float32)
    paths, losses, diverged = _gd_fn(bucket(int(steps)))(
        jnp.asarray(START, jnp.float32),
        np.stack([d.inputs for d in datasets]),
        np.stack([d.targets for d in datasets]),
        lrs,
        np.int32(steps),
    )
    paths, losses, diverged = np.asarray(paths), np.asarray(losses), np.asarray(diverged)
    return tuple(  # type: ignore[return-value]
        ScalingView(
            name=name,
            data=datasets[i],
            problem=problems[i],
            kappa=condition_number(problems[i]),
            lr=float(lrs[i]),
            path=paths[i, : steps + 1].astype(np.float64),
            loss=losses[i, : steps + 1].astype(np.float64),
            diverged_at=None if diverged[i] < 0 else int(diverged[i]),
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


def bowl_equivalent(view: ScalingView, relative_lr: float, steps: int) -> BowlEquivalent:
    """The Playground's bowl with this problem's kappa and tilt, GD with ``lr = relative_lr`` from ``start - w*``."""
    bowl = landscapes.get("bowl")
    kappa_param = next(p for p in bowl.params if p.name == "kappa")
    values, vectors = np.linalg.eigh(view.problem.hessian)
    top = vectors[:, 1]
    angle = math.degrees(math.atan2(top[1], top[0]))
    angle = (angle + 90.0) % 180.0 - 90.0
    kappa = float(values[1] / values[0])
    capped = float(min(max(kappa, kappa_param.low), kappa_param.high))
    start = np.asarray(START) - view.minimum
    run = OptimizerRun.build("sgd", {"lr": float(relative_lr)}, label=f"GD, {view.name} inputs")
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
