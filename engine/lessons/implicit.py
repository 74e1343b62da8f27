"""Implicit regularization of SGD on the sharp-vs-flat data set: who ends in the flat valley, and why.

Two pieces of evidence side by side:

* **Monte Carlo.** For each learning rate, every batch size x every seed runs in ONE
  vmapped :func:`engine.simulate.simulate_many` call; each end point is assigned to the
  sharp or the flat basin by :func:`landscapes.sharp_flat.basin_of`, and the share in the
  flat one gets a Wilson 95% interval (the runs of one cell are independent Bernoulli
  trials). At B = N every seed sees the full batch and makes the same run, so that cell
  is one run, whose outcome is certain.
* **The modified loss.** Gradient descent with step ``lr`` follows, to first order in
  ``lr``, the gradient flow of ``f + (lr / 4) ||grad f||^2`` (Barrett & Dherin 2021,
  "Implicit Gradient Regularization"). The penalty vanishes at every critical point, so it
  leaves the depths of both minima alone; at a minimum its Hessian is ``(lr / 2) H^2``,
  which steepens a valley of curvature ``lambda`` to ``lambda (1 + lr lambda / 2)``: a
  lot for the sharp valley, hardly at all for the flat one.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np

from core.i18n import translator
from engine.compile_cache import jit_for
from engine.config import OptimizerRun
from engine.scenario import Scenario
from engine.simulate import resolve_landscape, simulate_many
from landscapes import sharp_flat
from landscapes.base import Landscape

_ = translator("lessons_hard")

LANDSCAPE = "sharp_flat"
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
LR_OPTIONS = (0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05)
DEFAULT_LRS = (0.005, 0.01, 0.02, 0.04)
SEED_OPTIONS = (64, 128, 256, 512, 1024)
DEFAULT_SEEDS = 128
"""Runs per minibatch cell by default: Wilson 95% intervals at most ±0.09 wide, enough to tell the cells apart."""
Z95 = 1.959963984540054
"""Two-sided 95% normal quantile, for the Wilson intervals."""


def wilson(successes: np.ndarray | int, trials: np.ndarray | int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) for a binomial share ``successes / trials``."""
    k = np.asarray(successes, np.float64)
    n = np.asarray(trials, np.float64)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


@dataclass(frozen=True)
class ExampleRun:
    """One run drawn on the map: its batch size and seed, its path, and the valley it ends in."""

    batch_size: int
    seed: int
    path: np.ndarray
    """(steps + 1, 2): the start, then the point after every step."""
    flat: bool
    diverged: bool


@dataclass(frozen=True)
class FlatShare:
    """For one learning rate: how many runs per batch size end in the flat basin.

    ``runs[k]`` runs of batch size ``sizes[k]`` were made: ``seeds`` of them below the
    full batch, and ONE at B = N, where every seed draws the same full batch and so makes
    the same run (running it ``seeds`` times would only repeat it). ``flat[k]`` counts the
    runs ending in the flat basin, ``diverged[k]`` those that diverged (they count as not
    flat). ``low``/``high`` is the Wilson 95% interval of ``share``, except for that one
    full-batch run: it is certain, so its interval is the share itself. ``examples`` are a
    few runs whose paths the map draws (see :func:`pick_examples`).
    """

    lr: float
    sizes: tuple[int, ...]
    seeds: int
    steps: int
    flat: np.ndarray
    diverged: np.ndarray
    runs: np.ndarray
    full_batch: int
    examples: tuple[ExampleRun, ...] = ()

    @property
    def share(self) -> np.ndarray:
        """Share of runs in the flat basin per batch size."""
        return self.flat / self.runs

    def _interval(self) -> tuple[np.ndarray, np.ndarray]:
        low, high = wilson(self.flat, self.runs)
        certain = np.asarray(self.sizes) >= self.full_batch
        return np.where(certain, self.share, low), np.where(certain, self.share, high)

    @property
    def low(self) -> np.ndarray:
        """Lower end of the 95% interval (Wilson; the share itself for the single full-batch run)."""
        return self._interval()[0]

    @property
    def high(self) -> np.ndarray:
        """Upper end of the 95% interval (Wilson; the share itself for the single full-batch run)."""
        return self._interval()[1]


def _check(lr: float, seeds: int) -> None:
    if not (0 < lr <= 1.0):
        raise ValueError(f"lr must be in (0, 1], got {lr!r}")
    if seeds < 1:
        raise ValueError(f"seeds must be at least 1, got {seeds!r}")


def flat_share(
    lr: float,
    steps: int,
    seeds: int = DEFAULT_SEEDS,
    start: Sequence[float] | None = None,
    sizes: Sequence[int] = BATCH_SIZES,
) -> FlatShare:
    """Run ``seeds`` seeds of SGD for every batch size in ``sizes`` below N, one run at N (one vmapped call).

    Every path is recorded in the same call (no second program to compile), and the few
    that :func:`pick_examples` chooses are kept for the map.
    """
    _check(lr, seeds)
    land = resolve_landscape(LANDSCAPE)
    start = land.starts[0] if start is None else start
    sizes = tuple(int(s) for s in sizes)
    n = land.data(land.resolve()).size
    runs = np.array([1 if s >= n else seeds for s in sizes], np.int64)
    seed_ids = np.concatenate([np.arange(r, dtype=np.int64) for r in runs])
    batch = simulate_many(
        land,
        ("sgd", {"lr": lr}),
        starts=np.asarray(start, np.float32),
        seeds=seed_ids,
        batch_size=np.repeat(np.asarray(sizes, np.float32), runs),
        steps=steps,
        keep_paths=True,
    )
    ok = batch.diverged_at < 0
    flat = (sharp_flat.basin_of(batch.final) == 1) & ok
    cells = np.repeat(np.arange(len(sizes)), runs)
    share = FlatShare(
        lr=float(lr),
        sizes=sizes,
        seeds=int(seeds),
        steps=int(steps),
        flat=np.bincount(cells, weights=flat, minlength=len(sizes)).astype(np.int64),
        diverged=np.bincount(cells, weights=~ok, minlength=len(sizes)).astype(np.int64),
        runs=runs,
        full_batch=n,
    )
    assert batch.paths is not None
    examples = []
    for k, seed in pick_examples(share, flat, cells, seed_ids):
        i = int(np.flatnonzero((cells == k) & (seed_ids == seed))[0])
        examples.append(ExampleRun(sizes[k], int(seed), np.array(batch.paths[i]), bool(flat[i]), bool(not ok[i])))
    return replace(share, examples=tuple(examples))


def pick_examples(share: FlatShare, flat: np.ndarray, cells: np.ndarray, seeds: np.ndarray) -> list[tuple[int, int]]:
    """(cell, seed) of the runs the map draws: at most three, from the same start.

    At the minibatch size whose flat share is closest to one half (the smallest such size
    on a tie), the lowest seed that ends in the flat valley and the lowest that does not
    (either may be missing), then the full-batch run (when ``sizes`` has one).
    """
    full = np.asarray(share.sizes) >= share.full_batch
    minibatch = np.flatnonzero(~full)
    out: list[tuple[int, int]] = []
    if len(minibatch):
        k = int(minibatch[np.argmin(np.abs(share.share[minibatch] - 0.5))])
        for wanted in (True, False):
            hits = np.flatnonzero((cells == k) & (flat == wanted))
            if len(hits):
                out.append((k, int(seeds[hits[0]])))
    if np.any(full):
        out.append((int(np.flatnonzero(full)[0]), 0))
    return out


# ----------------------------------------------------------------------------- the modified loss


@functools.lru_cache(maxsize=16)
def _modified_fn(land: Landscape):
    """Jitted over a batch of points: (f, (lr / 4) ||grad f||^2) with the gradient from jax.grad."""

    def one(x, p, data, lr):
        value, grad = jax.value_and_grad(lambda z: land.loss(z, p, data))(x)
        return value, 0.25 * lr * jnp.sum(grad**2)

    return jit_for(land, jax.vmap(one, in_axes=(0, None, None, None)))


@functools.lru_cache(maxsize=16)
def _modified_hessian_fn(land: Landscape):
    def modified(x, p, data, lr):
        grad = jax.grad(lambda z: land.loss(z, p, data))(x)
        return land.loss(x, p, data) + 0.25 * lr * jnp.sum(grad**2)

    return jit_for(land, jax.hessian(modified))


def _inputs(land: Landscape, values: Mapping[str, float] | None):
    resolved = land.resolve(values)
    data = land.data(resolved)
    arrays = None if data is None else (np.asarray(data.inputs, np.float32), np.asarray(data.targets, np.float32))
    return land.traced(resolved), arrays


def modified_loss(
    points: np.ndarray,
    lr: float,
    landscape: str | Landscape = LANDSCAPE,
    values: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(f, penalty)`` at ``points`` (..., 2), penalty = (lr / 4) ||grad f||^2; the modified loss is their sum."""
    land = resolve_landscape(landscape)
    p, arrays = _inputs(land, values)
    pts = np.asarray(points, np.float32)
    flat = pts.reshape(-1, 2)
    f, pen = _modified_fn(land)(flat, p, arrays, np.float32(lr))
    shape = pts.shape[:-1]
    return np.asarray(f, np.float64).reshape(shape), np.asarray(pen, np.float64).reshape(shape)


def modified_curvature(
    point: Sequence[float], lr: float, landscape: str | Landscape = LANDSCAPE, values: Mapping[str, float] | None = None
) -> float:
    """Largest eigenvalue of the Hessian of ``f + (lr / 4) ||grad f||^2`` at ``point`` (jax.hessian)."""
    land = resolve_landscape(landscape)
    p, arrays = _inputs(land, values)
    h = np.asarray(_modified_hessian_fn(land)(jnp.asarray(point, jnp.float32), p, arrays, np.float32(lr)), np.float64)
    return float(np.linalg.eigvalsh(0.5 * (h + h.T))[-1])


@dataclass(frozen=True)
class ModifiedGrid:
    """The loss and the modified loss on a regular grid (``z[i, j]`` at ``(xs[j], ys[i])``)."""

    lr: float
    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    penalty: np.ndarray

    @property
    def modified(self) -> np.ndarray:
        """f + (lr / 4) ||grad f||^2 on the grid."""
        return self.loss + self.penalty


MAP_WINDOW = ((-1.6, 1.9), (-1.6, 1.3))
"""The part of the sharp-flat domain drawn for the modified loss: both minima and every listed start."""
ZOOM_HALF_WIDTH = 0.2
"""Half the side of the close-up around the sharp minimum: its valley is about 0.15 wide at half a loss unit."""


def zoom_window() -> tuple[tuple[float, float], tuple[float, float]]:
    """A square around the sharp minimum, small enough that its narrow valley fills the close-up."""
    x, y = sharp_flat.minima()[0]
    h = ZOOM_HALF_WIDTH
    return (x - h, x + h), (y - h, y + h)


def modified_grid(
    lr: float,
    resolution: int = 140,
    landscape: str | Landscape = LANDSCAPE,
    window: tuple[tuple[float, float], tuple[float, float]] | None = MAP_WINDOW,
) -> ModifiedGrid:
    """The modified loss over ``window`` (default: around the two minima; None: the whole domain), vmapped."""
    land = resolve_landscape(landscape)
    return modified_grids(lr, [window or land.domain], resolution, land)[0]


def modified_grids(
    lr: float,
    windows: Sequence[tuple[tuple[float, float], tuple[float, float]]],
    resolution: int | Sequence[int] = 140,
    landscape: str | Landscape = LANDSCAPE,
) -> list[ModifiedGrid]:
    """The modified loss on a grid over each window (``resolution`` points a side, one or one per window).

    All the grids' points go through one vmapped call, so they cost one program to compile.
    """
    land = resolve_landscape(landscape)
    counts = [int(resolution)] * len(windows) if np.isscalar(resolution) else [int(r) for r in resolution]
    axes = [
        (np.linspace(x0, x1, r), np.linspace(y0, y1, r))
        for ((x0, x1), (y0, y1)), r in zip(windows, counts, strict=True)
    ]
    points = np.concatenate([np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2) for xs, ys in axes])
    f, pen = modified_loss(points, lr, land)
    out, at = [], 0
    for xs, ys in axes:
        size = len(xs) * len(ys)
        shape = (len(ys), len(xs))
        out.append(
            ModifiedGrid(
                lr=float(lr),
                xs=xs,
                ys=ys,
                loss=f[at : at + size].reshape(shape),
                penalty=pen[at : at + size].reshape(shape),
            )
        )
        at += size
    return out


MAP_RESOLUTION = (120, 80)
"""Grid points a side of the map and of its close-up (the close-up spans a tenth of the map's width)."""


def map_grids(lr: float) -> tuple[ModifiedGrid, ModifiedGrid]:
    """The map's two grids of the modified loss: :data:`MAP_WINDOW` and the close-up of the sharp valley."""
    whole, zoom = modified_grids(lr, [MAP_WINDOW, zoom_window()], MAP_RESOLUTION)
    return whole, zoom


@dataclass(frozen=True)
class Prediction:
    """What the first-order modified loss says about the two minima for one learning rate.

    ``curvature`` is the largest Hessian eigenvalue of f at (sharp, flat);
    ``modified`` the same for the modified loss (from ``jax.hessian``); ``depth`` f at
    the two minima, which the penalty leaves unchanged (it vanishes where grad f = 0).
    """

    lr: float
    minima: tuple[tuple[float, float], tuple[float, float]]
    curvature: tuple[float, float]
    modified: tuple[float, float]
    depth: tuple[float, float]
    penalty_at_minima: tuple[float, float]

    @property
    def steepening(self) -> tuple[float, float]:
        """How many times steeper each valley is under the modified loss (sharp, flat)."""
        return (self.modified[0] / self.curvature[0], self.modified[1] / self.curvature[1])


def prediction(lr: float) -> Prediction:
    """Curvatures of f and of the modified loss at the sharp and the flat minimum."""
    minima = tuple(tuple(m) for m in sharp_flat.minima())
    _loss, pen = modified_loss(np.asarray(minima), lr)
    return Prediction(
        lr=float(lr),
        minima=minima,  # type: ignore[arg-type]
        curvature=tuple(sharp_flat.curvatures()),  # type: ignore[arg-type]
        modified=tuple(modified_curvature(m, lr) for m in minima),  # type: ignore[arg-type]
        depth=tuple(sharp_flat.depths()),  # type: ignore[arg-type]
        penalty_at_minima=(float(pen[0]), float(pen[1])),
    )


# ----------------------------------------------------------------------------- what the runs say


@dataclass(frozen=True)
class Trends:
    """Whether the runs agree with 'flat share rises with lr and falls with batch size'.

    A contradiction is a pair of neighbours whose 95% intervals do not overlap in the
    wrong direction (listed as text); ``lr_rise``/``batch_fall`` say whether the
    expected direction is seen with intervals apart at least once.
    """

    lr_contradictions: tuple[str, ...]
    batch_contradictions: tuple[str, ...]
    lr_rise: bool
    batch_fall: bool


def trends(shares: Sequence[FlatShare]) -> Trends:
    """Compare neighbouring cells of the share table (lr ascending; batch size ascending)."""
    ordered = sorted(shares, key=lambda s: s.lr)
    lr_bad: list[str] = []
    batch_bad: list[str] = []
    lr_rise = batch_fall = False
    for s in ordered:
        for k in range(len(s.sizes) - 1):
            if s.low[k + 1] > s.high[k]:
                batch_bad.append(f"η = {s.lr:g}: B = {s.sizes[k]} → {s.sizes[k + 1]}")
            if s.high[k + 1] < s.low[k]:
                batch_fall = True
    for a, b in itertools.pairwise(ordered):
        if a.sizes != b.sizes:
            continue
        for k, size in enumerate(a.sizes):
            if b.high[k] < a.low[k]:
                lr_bad.append(f"B = {size}: η = {a.lr:g} → {b.lr:g}")
            if b.low[k] > a.high[k]:
                lr_rise = True
    return Trends(tuple(lr_bad), tuple(batch_bad), lr_rise, batch_fall)


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%" if 0.01 <= share <= 0.99 or share in (0.0, 1.0) else f"{100 * share:.1f}%"


def prediction_sentence(pred: Prediction) -> str:
    """What the modified loss predicts, in numbers computed from it."""
    (ks, kf), (ms, mf) = pred.curvature, pred.modified
    ss, sf = pred.steepening
    text = _(
        "With η = {lr} the penalty (η/4)‖∇f‖² is zero up to rounding at both minima "
        "({penalty_sharp} and {penalty_flat}), so it leaves their depths "
        "({depth_sharp} sharp, {depth_flat} flat) as they are. Around them it is far from equal: "
        "the sharp valley's curvature grows from {k_sharp} to {m_sharp} (×{s_sharp}), the flat one's from {k_flat} "
        "to {m_flat} (×{s_flat}). To first order, then, gradient descent with this step treats the sharp valley as "
        "steeper than it is and the flat one as almost unchanged: a run knocked the same distance from each floor "
        "sits higher in the sharp valley, and the more so the larger η."
    ).format(
        lr=f"{pred.lr:g}",
        penalty_sharp=f"{pred.penalty_at_minima[0]:.0e}",
        penalty_flat=f"{pred.penalty_at_minima[1]:.0e}",
        depth_sharp=f"{pred.depth[0]:.3f}",
        depth_flat=f"{pred.depth[1]:.3f}",
        k_sharp=f"{ks:.1f}",
        m_sharp=f"{ms:.1f}",
        s_sharp=f"{ss:.2f}",
        k_flat=f"{kf:.2f}",
        m_flat=f"{mf:.2f}",
        s_flat=f"{sf:.2f}",
    )
    if pred.lr * ks >= 2:
        text += " " + _(
            "Note that η = {lr} is past the sharp minimum's stability limit 2/λ = {limit}: there "
            "gradient descent can no longer converge to that minimum (it keeps bouncing across it, or leaves), "
            "and the small-step expansion behind f̃ no longer describes it."
        ).format(lr=f"{pred.lr:g}", limit=f"{2 / ks:.3f}")
    return text


def smaller_is_flatter(share: FlatShare) -> bool:
    """The page's claim at one η: the smallest batch ends flat more often than the largest, beyond both intervals."""
    return bool(share.low[0] > share.high[-1])


def claim_sentence(shares: Sequence[FlatShare]) -> str:
    """Whether the runs show the title's claim (small batches end flatter) at each η, said plainly either way."""
    if not shares:
        return ""
    ordered = sorted(shares, key=lambda s: s.lr)
    held = [s for s in ordered if smaller_is_flatter(s)]
    failed = [s for s in ordered if not smaller_is_flatter(s)]
    first, last = ordered[0].sizes[0], ordered[0].sizes[-1]
    if not failed:
        claim = (
            _(
                "**The runs show the claim at every η shown:** batches of {first} end in the flat valley more often "
                "than batches of {last}, and the two 95% intervals do not overlap."
            )
            if len(ordered) > 1
            else _(
                "**The runs show the claim at η = {lr}:** batches of {first} end in the flat valley more often than "
                "batches of {last}, and the two 95% intervals do not overlap."
            )
        )
        return claim.format(first=first, last=last, lr=f"{ordered[0].lr:g}")
    missed = "; ".join(
        _("η = {lr}: {first_share} at B = {first}, {last_share} at B = {last}").format(
            lr=f"{s.lr:g}",
            first_share=_pct(s.share[0]),
            first=s.sizes[0],
            last_share=_pct(s.share[-1]),
            last=s.sizes[-1],
        )
        for s in failed
    )
    if not held:
        return _(
            "**The runs do not show the claim here:** at no η shown do batches of {first} end in the flat valley "
            "more often than batches of {last} beyond the 95% intervals ({missed})."
        ).format(first=first, last=last, missed=missed)
    return _(
        "**The runs show the claim only at η = {lrs}.** At the other step sizes "
        "batches of {first} do not end in the flat valley more often than batches of {last} beyond the 95% "
        "intervals ({missed})."
    ).format(lrs=", ".join(f"{s.lr:g}" for s in held), first=first, last=last, missed=missed)


def agreement_sentence(shares: Sequence[FlatShare]) -> str:
    """Whether the runs agree with the prediction (share rising with η, falling with B), from the counts."""
    if not shares:
        return ""
    ordered = sorted(shares, key=lambda s: s.lr)
    t = trends(ordered)
    small, big = ordered[0], ordered[-1]
    first, last = 0, len(big.sizes) - 1
    numbers = {
        "b_first": big.sizes[first],
        "b_last": big.sizes[last],
        "lr_small": f"{small.lr:g}",
        "lr_big": f"{big.lr:g}",
        "small_first": _pct(small.share[first]),
        "big_first": _pct(big.share[first]),
        "big_last": _pct(big.share[last]),
    }
    if len(ordered) > 1:
        text = _(
            "At B = {b_first} the share of runs ending in the flat valley goes from {small_first} at η = {lr_small} "
            "to {big_first} at η = {lr_big}; at η = {lr_big} it goes from {big_first} at B = {b_first} "
            "to {big_last} at B = {b_last}."
        ).format(**numbers)
    else:
        text = _(
            "At η = {lr_big} the share of runs ending in the flat valley goes from {big_first} at B = {b_first} "
            "to {big_last} at B = {b_last}."
        ).format(**numbers)
    text += " "
    if not t.lr_contradictions and not t.batch_contradictions:
        batch_trend = _("a fall with B") if t.batch_fall else _("no clear fall with B")
        if len(ordered) > 1:
            verdict = _(
                "No neighbouring pair of cells moves against 'more flat with larger η, less flat with larger B' "
                "beyond the 95% intervals, and the data show {lr_trend} and {batch_trend}."
            ).format(lr_trend=_("a rise with η") if t.lr_rise else _("no clear rise with η"), batch_trend=batch_trend)
        else:
            verdict = _(
                "No neighbouring pair of cells moves against 'less flat with larger B' beyond the 95% intervals, "
                "and the data show {batch_trend}."
            ).format(batch_trend=batch_trend)
        text += verdict + " "
    else:
        text += (
            _("The runs disagree in places (intervals apart, wrong direction): {cells}.").format(
                cells="; ".join((*t.lr_contradictions, *t.batch_contradictions))
            )
            + " "
        )
    full = [s for s in ordered if s.sizes[last] >= s.full_batch]
    if full and all(s.share[last] == 0.0 for s in full):
        text += _(
            "Full-batch gradient descent (B = {n}, one run per η, since every seed makes the same "
            "run) ends in the sharp valley at every η shown: the penalty drawn on the map makes the sharp valley "
            "steeper but does not remove its minimum, so plain gradient descent heading into it stays there. The "
            "escapes come with minibatch noise, whose own term (Smith et al. 2021) is not drawn."
        ).format(n=big.sizes[last])
    elif full:
        flat_at = ", ".join(f"{s.lr:g}" for s in full if s.share[last] == 1.0)
        text += _(
            "Full-batch gradient descent (B = {n}, one run per η, since every seed makes the same "
            "run) ends in the flat valley at η = {lrs}."
        ).format(n=big.sizes[last], lrs=flat_at)
    return text


def playground_scenario(
    lr: float, batch_size: int, steps: int, start: Sequence[float] | None = None, seed: int = 0
) -> Scenario:
    """The Playground scenario of one run of the chart: SGD with this lr, batch size and seed."""
    land = resolve_landscape(LANDSCAPE)
    start = land.starts[0] if start is None else start
    return Scenario(
        landscape=LANDSCAPE,
        landscape_params={},
        runs=(OptimizerRun.build("sgd", {"lr": lr}, label=f"SGD η={lr:g}, B={batch_size}"),),
        start=(float(start[0]), float(start[1])),
        steps=int(steps),
        seed=int(seed),
        batch_size=int(batch_size),
    )


def stability_limit() -> float:
    """2 / λ of the sharp minimum: full-batch GD with a larger step cannot converge to it."""
    return 2.0 / sharp_flat.curvatures()[0]


def start_label(index: int) -> str:
    """A short label for the landscape's ``index``-th listed start point."""
    land = resolve_landscape(LANDSCAPE)
    x, y = land.starts[index]
    return f"{x:g},{y:g}"
