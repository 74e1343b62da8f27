"""Training with noisy inputs (dropout or Gaussian noise) and the loss it minimizes on average.

The model is the ``train_val`` linear model ``ŷ = w·x`` with loss ``½ (ŷ - y)²``
averaged over the 16 examples. At every step each input of each example is
corrupted afresh:

* inverted dropout: ``x̃_j = x_j m_j / (1-p)`` with ``m_j ~ Bernoulli(1-p)``, so
  ``E[x̃_j] = x_j`` and ``Var[x̃_j] = x_j² p/(1-p)``;
* Gaussian noise: ``x̃_j = x_j + σ ε_j`` with ``ε_j ~ N(0, 1)``.

Because the noise has mean zero and is independent across inputs,
``E[½ (w·x̃ - y)²] = ½ (w·x - y)² + ½ Var[w·x̃]``, which gives the expected loss

* Gaussian: ``f(w) + (σ²/2) ||w||²`` (ridge: L2 weight decay ``λ = σ²``);
* dropout: ``f(w) + (p / (2(1-p))) Σ_j w_j² mean_i(x_ij²)`` (ridge scaled per input).

Training runs in the engine's one loop: :func:`engine.simulate.simulate_many` with
``inputs_per_step`` (each seed's corrupted copies, one per step), vmapped over seeds,
with the noise-free run as one more row of the same call. The noise itself is drawn
with numpy before the call (a few hundred kilobytes): JAX's random-number programs
would take longer to compile than the whole training takes to run, and a first visit
pays for every compile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

import landscapes
from core.i18n import N_
from engine.compile_cache import enable_compilation_cache
from engine.config import OptimizerRun
from engine.grid import loss_grid
from engine.lessons.regularization import LANDSCAPE_KEY, LeastSquares
from engine.scenario import Scenario
from engine.simulate import simulate_many

enable_compilation_cache()

KINDS: tuple[str, ...] = ("dropout", "gaussian")
MAX_DROPOUT = 0.9
MAX_SIGMA = 1.0
START = (0.0, 0.0)


def _check(kind: str, strength: float) -> float:
    if kind not in KINDS:
        raise ValueError(f"noise kind must be one of {list(KINDS)}, got {kind!r}")
    high = MAX_DROPOUT if kind == "dropout" else MAX_SIGMA
    strength = float(strength)
    if not (0.0 <= strength <= high):
        raise ValueError(f"{'p' if kind == 'dropout' else 'sigma'} must be in [0, {high:g}], got {strength!r}")
    return strength


def noisy_copies(inputs: np.ndarray, kind: str, strength: float, copies: int, seed: int) -> np.ndarray:
    """``copies`` independently corrupted copies of ``inputs``: shape ``(copies, *inputs.shape)``, float64.

    Inverted dropout keeps each input with probability ``1 - p`` and divides the kept
    ones by ``1 - p``; Gaussian noise adds ``σ ε`` with ``ε ~ N(0, 1)``. Drawn with
    numpy from ``seed`` alone, one stream read in order, so copy ``k`` is the same
    whatever ``copies`` is.
    """
    strength = _check(kind, strength)
    x = np.asarray(inputs, np.float64)
    rng = np.random.default_rng(seed)
    shape = (int(copies), *x.shape)
    if kind == "dropout":
        keep = rng.random(shape) >= strength
        return np.where(keep, x / (1.0 - strength), 0.0)
    return x + strength * rng.standard_normal(shape)


def _data(values: Mapping[str, float] | None):
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve(values)
    data = land.data(resolved)
    return land, resolved, data


def penalty(w: np.ndarray, kind: str, strength: float, values: Mapping[str, float] | None = None) -> np.ndarray:
    """Expected loss minus clean loss at ``w`` (shape (..., 2)): the penalty the noise adds on average."""
    strength = _check(kind, strength)
    w = np.asarray(w, np.float64)
    if kind == "gaussian":
        return 0.5 * strength**2 * (w * w).sum(-1)
    _, _, data = _data(values)
    second_moment = np.mean(np.asarray(data.inputs, np.float64) ** 2, axis=0)
    return 0.5 * strength / (1.0 - strength) * (w * w * second_moment).sum(-1)


def expected_loss(w: np.ndarray, kind: str, strength: float, values: Mapping[str, float] | None = None) -> np.ndarray:
    """The loss averaged over the noise, by the formula: clean loss plus :func:`penalty` (float64)."""
    _, _, data = _data(values)
    return LeastSquares.from_data(data).loss(w) + penalty(w, kind, strength, values)


def expected_minimum(kind: str, strength: float, values: Mapping[str, float] | None = None) -> np.ndarray:
    """Minimizer of the expected loss: ``(A + D)⁻¹ b`` with ``D = σ² I`` or ``p/(1-p) diag(mean x²)``."""
    strength = _check(kind, strength)
    _, _, data = _data(values)
    problem = LeastSquares.from_data(data)
    if kind == "gaussian":
        extra = strength**2 * np.eye(2)
    else:
        extra = strength / (1.0 - strength) * np.diag(np.diag(problem.hessian))
    return np.linalg.solve(problem.hessian + extra, problem.linear)


def monte_carlo(
    points: np.ndarray,
    kind: str,
    strength: float,
    samples: int = 20000,
    seed: int = 0,
    values: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Average loss over ``samples`` independent noise draws at each point: ``(mean, standard error)``.

    Each draw corrupts all 16 examples once and evaluates the full loss (the landscape's
    own ``example_loss``, averaged over the examples, in float64) at every point with the
    same corrupted data, so the points' estimates are comparable.
    """
    land, _, data = _data(values)
    draws = noisy_copies(data.inputs, kind, strength, samples, seed)
    columns = np.moveaxis(draws, -1, 0)  # example_loss reads input j as row[j]
    targets = np.asarray(data.targets, np.float64)
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    losses = np.stack([land.example_loss(w, columns, targets, None).mean(axis=-1) for w in pts], axis=1)
    return losses.mean(axis=0), losses.std(axis=0, ddof=1) / np.sqrt(samples)


@dataclass(frozen=True)
class NoisyRuns:
    """Paths (seeds, steps + 1, 2) of training on noisy inputs; ``diverged_at`` (seeds,), -1 for never.

    ``clean_path`` (steps + 1, 2) and ``clean_diverged_at`` (None for never) are the same
    optimizer on the clean inputs, when asked for.
    """

    paths: np.ndarray
    diverged_at: np.ndarray
    clean_path: np.ndarray | None = None
    clean_diverged_at: int | None = None

    def iterate_average(self) -> np.ndarray:
        """The mean of the second half of every path, over all seeds: where the noisy runs hover."""
        half = self.paths.shape[1] // 2
        return self.paths[:, half:].reshape(-1, 2).astype(np.float64).mean(axis=0)


def noisy_training(
    kind: str,
    strength: float,
    lr: float,
    steps: int,
    seeds: Sequence[int],
    optimizer: str = "sgd",
    values: Mapping[str, float] | None = None,
    *,
    with_clean: bool = False,
) -> NoisyRuns:
    """Full-batch training where every step sees freshly corrupted inputs; one vmapped call over ``seeds``.

    Seed ``s`` draws step ``t``'s inputs as copy ``t`` of :func:`noisy_copies` with seed
    ``s``. ``with_clean`` adds the run on the clean inputs as one more row of the same
    call. Divergence is the engine's: the first point whose loss or coordinates are
    non-finite or beyond the landscape's bound is ``diverged_at``, and the path stays at
    the last good point from there on.
    """
    strength = _check(kind, strength)
    land, resolved, data = _data(values)
    inputs = [noisy_copies(data.inputs, kind, strength, steps, int(seed)) for seed in seeds]
    if with_clean:
        inputs.append(np.broadcast_to(np.asarray(data.inputs, np.float64), (steps, *data.inputs.shape)))
    batch = simulate_many(
        land,
        (optimizer, {"lr": lr}),
        starts=START,
        inputs_per_step=np.asarray(inputs, np.float32),
        steps=int(steps),
        landscape_params=resolved,
        keep_paths=True,
    )
    assert batch.paths is not None
    if not with_clean:
        return NoisyRuns(paths=batch.paths, diverged_at=batch.diverged_at)
    return NoisyRuns(
        paths=batch.paths[:-1],
        diverged_at=batch.diverged_at[:-1],
        clean_path=batch.paths[-1],
        clean_diverged_at=None if batch.diverged_at[-1] < 0 else int(batch.diverged_at[-1]),
    )


MC_SAMPLES = 20000
MC_ROUNDING = 1e-6
"""Relative rounding allowed on top of the Monte Carlo standard error (what is left when the noise is off)."""


@dataclass(frozen=True)
class FormulaCheck:
    """The expected-loss formula against a Monte Carlo average at one point."""

    name: str
    point: np.ndarray
    clean: float
    formula: float
    monte_carlo: float
    standard_error: float

    @property
    def z_score(self) -> float | None:
        """``(Monte Carlo - formula) / SE``; None when the noise is too weak for the SE to mean anything."""
        if self.standard_error <= MC_ROUNDING * abs(self.formula):
            return None
        return (self.monte_carlo - self.formula) / self.standard_error

    @property
    def agrees(self) -> bool:
        """Within three standard errors (plus float32 rounding of the loss itself)."""
        return abs(self.monte_carlo - self.formula) <= 3.0 * self.standard_error + MC_ROUNDING * abs(self.formula)


def formula_checks(
    kind: str, strength: float, samples: int = MC_SAMPLES, seed: int = 0, values: Mapping[str, float] | None = None
) -> list[FormulaCheck]:
    """Formula versus Monte Carlo at three points, named as the page shows them (in English: the page translates).

    The clean (training) minimum, the least-squares fit to the held-out (validation)
    examples, and the expected-loss minimum: points the formula was not tuned to.
    """
    land, resolved, data = _data(values)
    problem = LeastSquares.from_data(data)
    named = {
        N_("clean minimum"): problem.minimum(),
        N_("best fit to held-out data"): LeastSquares.from_data(land.validation(resolved)).minimum(),
        N_("expected-loss minimum"): expected_minimum(kind, strength, resolved),
    }
    points = np.array(list(named.values()))
    mean, se = monte_carlo(points, kind, strength, samples, seed, resolved)
    formula = expected_loss(points, kind, strength, resolved)
    clean = problem.loss(points)
    return [
        FormulaCheck(name, points[i], float(clean[i]), float(formula[i]), float(mean[i]), float(se[i]))
        for i, name in enumerate(named)
    ]


def surfaces(
    kind: str, strength: float, resolution: int = 120, values: Mapping[str, float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, clean, expected)`` on the landscape's domain: the loss grid and the grid plus the penalty."""
    land, resolved, _ = _data(values)
    xs, ys, clean = loss_grid(land, resolved, resolution)
    gx, gy = np.meshgrid(xs.astype(np.float64), ys.astype(np.float64))
    expected = clean.astype(np.float64) + penalty(np.stack([gx, gy], axis=-1), kind, strength, resolved)
    return xs, ys, clean.astype(np.float64), expected


def playground_scenario(
    kind: str, strength: float, lr: float, steps: int, translate: Callable[[str], str] = str
) -> Scenario:
    """The noise-free run, plus (Gaussian noise) the same run on the expected loss: L2 weight decay σ².

    Gaussian input noise adds ``(σ²/2)||w||²`` on average, exactly the penalty of L2-mode
    weight decay ``λ = σ²``. Dropout's penalty weighs each input by its mean square, which
    the Playground's single weight decay cannot express, so only the clean run goes.
    ``translate`` writes the runs' labels in the page's language (English by default).
    """
    strength = _check(kind, strength)
    land = landscapes.get(LANDSCAPE_KEY)
    resolved = land.resolve()
    runs = [OptimizerRun.build("sgd", {"lr": lr}, label=translate(N_("GD, clean inputs")))]
    if kind == "gaussian" and strength > 0:
        decay = float(f"{strength**2:.6g}")
        runs.append(
            OptimizerRun.build(
                "sgd",
                {"lr": lr, "weight_decay": decay, "wd_mode": "l2"},
                label=translate(N_("GD on the expected loss (λ = σ² = {decay})")).format(decay=f"{decay:g}"),
            )
        )
    return replace(
        Scenario.default(LANDSCAPE_KEY),
        landscape_params=resolved,
        runs=tuple(runs),
        start=START,
        steps=int(steps),
        batch_size=land.data(resolved).size,
    )
