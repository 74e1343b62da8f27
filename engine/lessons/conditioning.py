"""Ill-conditioning on the quadratic bowl: curvature, stability, convergence rates (theory and measured).

On a quadratic ``f(x) = ½ xᵀ H x`` gradient descent is the linear map
``x ← (I - η H) x``: in the eigenbasis of ``H`` each coordinate is multiplied by
``1 - η λᵢ`` per step, so the run is stable iff ``η < 2 / λ_max`` and the error
shrinks at the rate ``max |1 - η λᵢ|``, best at ``η* = 2 / (L + μ)`` where it is
``(κ - 1) / (κ + 1)`` (L = λ_max, μ = λ_min, κ = L / μ). Heavy-ball momentum
``v ← β v + g, x ← x - η v`` (the engine's PyTorch form, identical to Polyak's
``x ← x - η g + β (x - x_prev)`` at a constant η) turns each coordinate into a
two-term recursion; with ``η = 4 / (√L + √μ)²`` and ``β = ((√κ - 1) / (√κ + 1))²``
both extreme modes become critically damped and the rate is ``(√κ - 1) / (√κ + 1)``
(Polyak 1964). This module computes those numbers, runs the engine, and fits the
measured rate so the page can show the two side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.i18n import translator
from engine.config import OptimizerRun
from engine.scenario import Scenario
from engine.simulate import Trajectory, simulate
from landscapes import bowl

_ = translator("lessons_hard")

LANDSCAPE = "bowl"
STEPS = 2000
"""Every run on the page has this many steps (one compiled length for all of them)."""
START_IN_BOWL = (2.0, 4.0)
"""The start in the bowl's own frame (steep, flat coordinates); rotated with the bowl (norm √20 < 5)."""
NEAR_LIMIT = (0.95, 1.05)
"""Learning rates shown just below and just above the stability limit, as multiples of it."""
TOLERANCE = 1e-2
"""'Arrived' for the steps-to-tolerance table: within this distance of the minimum (the start is 4.47 away)."""
FLOOR = 1e-20
"""Distances below this are left out of the rate fit (float32 paths lose precision near 1e-38)."""
ADAPTIVE = (("rmsprop", 0.01), ("adam", 0.1))
"""The per-coordinate methods compared at angle 0 and the current angle, with their learning rates."""


@dataclass(frozen=True)
class Curvature:
    """The bowl's Hessian, its eigenvalues (ascending) and unit eigenvectors (columns, same order)."""

    hessian: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    @property
    def lam_max(self) -> float:
        """L, the steepest curvature."""
        return float(self.eigenvalues[-1])

    @property
    def lam_min(self) -> float:
        """μ, the flattest curvature."""
        return float(self.eigenvalues[0])

    @property
    def kappa(self) -> float:
        """The condition number L / μ."""
        return self.lam_max / self.lam_min

    @property
    def steep(self) -> np.ndarray:
        """Unit eigenvector of λ_max (the direction GD zig-zags across)."""
        return self.eigenvectors[:, -1]

    @property
    def flat(self) -> np.ndarray:
        """Unit eigenvector of λ_min (the direction GD crawls along)."""
        return self.eigenvectors[:, 0]


def curvature(kappa: float, angle: float) -> Curvature:
    """Eigen-decomposition (``numpy.linalg.eigh``) of the bowl's Hessian for these parameter values."""
    h = bowl.hessian({"kappa": kappa, "angle": angle})
    eigenvalues, eigenvectors = np.linalg.eigh(h)
    return Curvature(h, eigenvalues, eigenvectors)


def stability_limit(curv: Curvature) -> float:
    """The largest stable constant learning rate of gradient descent, 2 / λ_max."""
    return 2.0 / curv.lam_max


def gd_rate(lr: float, eigenvalues: Sequence[float]) -> float:
    """GD's per-step contraction factor on a quadratic: max over eigenvalues of |1 - η λ| (> 1 diverges)."""
    return float(max(abs(1.0 - lr * lam) for lam in eigenvalues))


def gd_optimal(curv: Curvature) -> tuple[float, float]:
    """The rate-minimising learning rate 2 / (L + μ) and its rate (κ - 1) / (κ + 1)."""
    return 2.0 / (curv.lam_max + curv.lam_min), (curv.kappa - 1.0) / (curv.kappa + 1.0)


def heavy_ball_optimal(curv: Curvature) -> tuple[float, float, float]:
    """Polyak's tuning: η = 4 / (√L + √μ)², β = ((√κ - 1) / (√κ + 1))², rate (√κ - 1) / (√κ + 1)."""
    root = math.sqrt(curv.kappa)
    rate = (root - 1.0) / (root + 1.0)
    lr = 4.0 / (math.sqrt(curv.lam_max) + math.sqrt(curv.lam_min)) ** 2
    return lr, rate * rate, rate


def heavy_ball_rate(lr: float, momentum: float, eigenvalues: Sequence[float]) -> float:
    """Spectral radius of heavy ball on a quadratic, for any (η, β).

    Each eigen-coordinate follows ``e_{t+1} = (1 + β - η λ) e_t - β e_{t-1}``; its
    rate is the largest root modulus of ``z² - (1 + β - η λ) z + β = 0``.
    """
    worst = 0.0
    for lam in eigenvalues:
        roots = np.roots([1.0, -(1.0 + momentum - lr * lam), momentum])
        worst = max(worst, float(np.max(np.abs(roots))))
    return worst


def distances(path: np.ndarray, diverged_at: int | None) -> np.ndarray:
    """Distance of each point of ``path`` to the minimum (the origin), up to the last good point."""
    d = np.hypot(path[:, 0].astype(np.float64), path[:, 1].astype(np.float64))
    return d if diverged_at is None else d[:diverged_at]


@dataclass(frozen=True)
class RateFit:
    """A measured rate and the window of steps ``[first, last]`` it was fitted on."""

    rate: float
    first: int
    last: int


def measured_rate(dist: np.ndarray, *, repeated_root: bool = False, floor: float = FLOOR) -> RateFit | None:
    """The per-step factor ``r`` in ``‖x_t‖ ≈ C r^t``, least-squares on log ‖x_t‖ over the tail.

    The tail is the second half of the steps whose distance is still above
    ``floor``. ``repeated_root`` fits ``C t r^t`` instead: at Polyak's optimal
    parameters each mode's two roots coincide, and the error then carries a linear
    factor ``t`` that a plain geometric fit would mistake for a slower rate. Returns
    None when fewer than 8 usable steps exist (the run reached the minimum almost
    at once, e.g. κ = 1).
    """
    dist = np.asarray(dist, np.float64)
    usable = dist > floor
    count = len(dist) if usable.all() else int(np.argmin(usable))
    if count < 8:
        return None
    t = np.arange(count // 2, count, dtype=np.float64)
    columns = [np.ones_like(t), t]
    if repeated_root:
        columns.append(np.log(t))
    coef, *_rest = np.linalg.lstsq(np.stack(columns, axis=1), np.log(dist[count // 2 : count]), rcond=None)
    return RateFit(float(math.exp(coef[1])), count // 2, count - 1)


def steps_to_shrink(rate: float, factor: float = 1e-6) -> float | None:
    """Steps for an error shrinking at ``rate`` per step to fall by ``factor`` (None if it never does)."""
    if rate >= 1.0:
        return None
    if rate <= 0.0:
        return 1.0
    return math.log(factor) / math.log(rate)


def bowl_start(angle: float) -> tuple[float, float]:
    """:data:`START_IN_BOWL` rotated with the bowl, so the start sits at the same place relative to the valley."""
    theta = math.radians(angle)
    u, v = START_IN_BOWL
    return (u * math.cos(theta) - v * math.sin(theta), u * math.sin(theta) + v * math.cos(theta))


@dataclass(frozen=True)
class RateRow:
    """One line of the rate table: a run, its settings, the theoretical and the measured rate."""

    label: str
    lr: float
    momentum: float
    theory: float
    measured: RateFit | None
    diverged_at: int | None


@dataclass(frozen=True)
class Study:
    """Everything the ill-conditioning page shows, for one (κ, angle, lr)."""

    kappa: float
    angle: float
    lr: float
    curvature: Curvature
    limit: float
    start: tuple[float, float]
    runs: tuple[Trajectory, ...]
    """Your GD, GD just below and above the limit, GD at η*, heavy ball at (η*, β*), then :data:`ADAPTIVE`."""
    rates: tuple[RateRow, ...]
    """One row per GD / heavy-ball run (the first five of ``runs``)."""
    arrivals: tuple[tuple[str, int | None, int | None], ...]
    """(label, steps to :data:`TOLERANCE` at angle 0, at the current angle) for GD*, heavy ball*, :data:`ADAPTIVE`."""


def study_runs(curv: Curvature, lr: float) -> list[OptimizerRun]:
    """The optimizer runs of the page, in the order of :attr:`Study.runs`."""
    limit = stability_limit(curv)
    gd_lr, _rate = gd_optimal(curv)
    hb_lr, hb_momentum, _hb_rate = heavy_ball_optimal(curv)
    below, above = (factor * limit for factor in NEAR_LIMIT)
    runs = [
        OptimizerRun.build("sgd", {"lr": lr}, label=_("GD, your η = {lr}").format(lr=f"{lr:g}")),
        OptimizerRun.build("sgd", {"lr": below}, label=_("GD, η = {k} × limit").format(k=f"{NEAR_LIMIT[0]:g}")),
        OptimizerRun.build("sgd", {"lr": above}, label=_("GD, η = {k} × limit").format(k=f"{NEAR_LIMIT[1]:g}")),
        OptimizerRun.build("sgd", {"lr": gd_lr}, label=_("GD, optimal η*")),
        OptimizerRun.build("momentum", {"lr": hb_lr, "momentum": hb_momentum}, label=_("heavy ball, optimal (η*, β*)")),
    ]
    for key, a_lr in ADAPTIVE:
        runs.append(OptimizerRun.build(key, {"lr": a_lr}, label=f"{OptimizerRun.build(key).label}, η = {a_lr:g}"))
    return runs


def _simulate(runs: Sequence[OptimizerRun], kappa: float, angle: float) -> list[Trajectory]:
    return simulate(
        LANDSCAPE,
        list(runs),
        start=bowl_start(angle),
        steps=STEPS,
        landscape_params={"kappa": kappa, "angle": angle},
        tol=TOLERANCE,
    )


def study(kappa: float, angle: float, lr: float) -> Study:
    """Run the page's optimizers on the bowl (κ, angle) and compare their rates with theory.

    Raises ``ValueError`` (from the engine) for parameters outside the bowl's or the optimizers' ranges.
    """
    curv = curvature(kappa, angle)
    runs = study_runs(curv, lr)
    here = _simulate(runs, kappa, angle)
    compared = [3, 4, *range(5, len(runs))]
    axis = [here[i] for i in compared] if angle == 0 else _simulate([runs[i] for i in compared], kappa, 0.0)

    rows = []
    for i, (run, traj) in enumerate(zip(runs[:5], here[:5], strict=True)):
        momentum = run.values.get("momentum", 0.0) if run.key == "momentum" else 0.0
        theory = (
            heavy_ball_rate(run.values["lr"], momentum, curv.eigenvalues)
            if run.key == "momentum"
            else gd_rate(run.values["lr"], curv.eigenvalues)
        )
        fit = measured_rate(distances(traj.path, traj.diverged_at), repeated_root=i == 4)
        rows.append(RateRow(run.label, run.values["lr"], momentum, theory, fit, traj.diverged_at))
    arrivals = tuple(
        (runs[i].label, aligned.first_hit, here[i].first_hit) for i, aligned in zip(compared, axis, strict=True)
    )
    return Study(
        kappa=kappa,
        angle=angle,
        lr=lr,
        curvature=curv,
        limit=stability_limit(curv),
        start=bowl_start(angle),
        runs=tuple(here),
        rates=tuple(rows),
        arrivals=arrivals,
    )


def stability_sentence(lr: float, limit: float) -> str:
    """Which side of the stability limit ``lr`` is on, in words."""
    ratio = lr / limit
    if math.isclose(lr, limit, rel_tol=1e-9):
        return _(
            "Your η = {lr} sits exactly on the limit 2/λ_max = {limit}: the steep component flips sign "
            "every step without shrinking or growing, so GD never settles."
        ).format(lr=f"{lr:g}", limit=f"{limit:.4g}")
    if lr < limit:
        return _(
            "Your η = {lr} is below the limit 2/λ_max = {limit} ({ratio} × the limit): every "
            "component shrinks, so GD converges."
        ).format(lr=f"{lr:g}", limit=f"{limit:.4g}", ratio=f"{ratio:.2f}")
    return _(
        "Your η = {lr} is above the limit 2/λ_max = {limit} ({ratio} × the limit): the steep "
        "component grows by |1 − ηλ_max| > 1 every step, so GD diverges."
    ).format(lr=f"{lr:g}", limit=f"{limit:.4g}", ratio=f"{ratio:.2f}")


def _rate_text(value: float | None) -> str:
    return _("— (at the minimum within a few steps)") if value is None else f"{value:.6f}"


def rate_table(result: Study) -> list[dict[str, str]]:
    """The rate rows formatted for display: settings, theoretical and measured rate, steps for a 10⁶ drop."""
    rows = []
    for row in result.rates:
        shrink = steps_to_shrink(row.theory)
        rows.append(
            {
                _("run"): row.label,
                "η": f"{row.lr:.6g}",
                "β": f"{row.momentum:.6g}",
                _("theoretical rate r"): _rate_text(row.theory),
                _("measured rate"): _rate_text(row.measured.rate if row.measured else None),
                _("steps for a 10⁶× smaller error (theory)"): _("never") if shrink is None else f"{shrink:.0f}",
                _("diverged at step"): "—" if row.diverged_at is None else str(row.diverged_at),
            }
        )
    return rows


def arrival_table(result: Study) -> list[dict[str, str]]:
    """Steps to :data:`TOLERANCE` at angle 0 and at the study's angle, formatted ('never' past :data:`STEPS`)."""
    within, never = _("steps to within {tol}, θ = {angle}°"), _("never")
    return [
        {
            _("optimizer"): label,
            within.format(tol=f"{TOLERANCE:g}", angle=0): never if aligned is None else str(aligned),
            within.format(tol=f"{TOLERANCE:g}", angle=f"{result.angle:g}"): never if here is None else str(here),
        }
        for label, aligned, here in result.arrivals
    ]


def playground_scenario(result: Study, steps: int = 500) -> Scenario:
    """The page's map as a Playground scenario: your GD, optimal heavy ball, RMSprop and Adam from the same start."""
    runs = study_runs(result.curvature, result.lr)
    return Scenario(
        landscape=LANDSCAPE,
        landscape_params={"kappa": result.kappa, "angle": result.angle},
        runs=(runs[0], runs[4], *runs[5:]),
        start=result.start,
        steps=steps,
    )
