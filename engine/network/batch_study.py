"""Do small batches find flatter minima? Batch sizes x learning rates x seeds, measured, with the spread.

Keskar et al. (2017) reported that large-batch training ends in sharper minima that generalise
worse. This module measures, on the digits network, for each batch size and learning rate and
over several seeds (each seed changes both the initial weights and the minibatch order):

* the final **sharpness** (top Hessian eigenvalue of the full training loss, by Lanczos);
* the final **train and test accuracy**;
* the **flatness** of the loss around the endpoint: the mean rise of the training loss at
  filter-normalized distance :data:`RADIUS` (Li et al. 2018) over :data:`DIRECTIONS` random
  directions, both signs. Lower is flatter.

Every run trains for the same number of steps (so small batches see fewer images in all: the
comparison is at equal step counts, said on the page). The verdict is computed from the
numbers: a claim holds only when the difference between the smallest and the largest batch is
larger than the spread over seeds (:func:`verdict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.i18n import translator
from engine.config import OptimizerRun
from engine.network import hessian, landscape
from engine.network.sharpness import MODEL, initial_weights
from engine.network.train import train_many
from network.data import digits
from network.mlp import MLP

BATCH_OPTIONS = (8, 16, 32, 64, 128, 256, digits().n_train)
"""Batch sizes offered; the last is the whole training set (full batch)."""
DEFAULT_BATCHES = (16, 128, BATCH_OPTIONS[-1])
LR_OPTIONS = (0.05, 0.1, 0.25, 0.5)
DEFAULT_LRS = (0.25,)
SEED_OPTIONS = (2, 3, 4, 6)
DEFAULT_SEEDS = 3
STEP_OPTIONS = (200, 400, 800)
DEFAULT_STEPS = 400
RADIUS = 0.25
"""Filter-normalized distance at which flatness is measured (a quarter of each filter's own norm)."""
DIRECTIONS = 8

_ = translator("network_geometry")


@dataclass(frozen=True)
class Cell:
    """One batch size and learning rate: a value per seed for each measure (NaN-free; diverged seeds left out)."""

    batch_size: int
    lr: float
    seeds: int
    diverged: int
    sharpness: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    flatness: np.ndarray
    steps_run: int = 0
    """The number of steps every seed's run took (the study's step count, whatever the batch size)."""

    @staticmethod
    def mean_sd(values: np.ndarray) -> tuple[float, float]:
        """Mean and sample standard deviation (0 for a single value; NaN for none)."""
        if values.size == 0:
            return float("nan"), float("nan")
        return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def run_cell(batch_size: int, lr: float, seeds: int, steps: int, *, model: MLP = MODEL, radius: float = RADIUS) -> Cell:
    """Train ``seeds`` runs (seed s: initial weights and minibatch order) and measure their endpoints."""
    data = digits()
    bs = int(min(batch_size, data.n_train))
    runs = [OptimizerRun.build("sgd", {"lr": float(lr)}, label=f"seed {s}") for s in range(seeds)]
    inits = np.stack([initial_weights(model, 100 + s) for s in range(seeds)])
    results = train_many(model, runs, inits, list(range(seeds)), batch_size=bs, steps=steps, evals=1)
    steps_run = int(results[0].steps[-1])
    ok = [r for r in results if not r.diverged]
    if not ok:
        empty = np.zeros(0)
        return Cell(bs, float(lr), seeds, len(results), empty, empty, empty, empty, steps_run)
    finals = np.stack([r.final for r in ok])
    sharp = hessian.top_eigenvalues(model, finals, data.x_train, data.y_train)
    dirs = np.stack(
        [
            np.stack([landscape.random_direction(model, f, 1000 * i + k) for k in range(DIRECTIONS)])
            for i, f in enumerate(finals)
        ]
    )
    flat = landscape.flatness_many(model, finals, dirs, data.x_train, data.y_train, radius)
    return Cell(
        batch_size=bs,
        lr=float(lr),
        seeds=seeds,
        diverged=len(results) - len(ok),
        sharpness=sharp,
        train_acc=np.array([r.train_acc[-1] for r in ok], np.float64),
        test_acc=np.array([r.test_acc[-1] for r in ok], np.float64),
        flatness=flat,
        steps_run=steps_run,
    )


SUPPORTS, CONTRADICTS, UNCLEAR = "supports", "contradicts", "unclear"


@dataclass(frozen=True)
class Verdict:
    """What one measure says about "smaller batches end flatter" at one learning rate."""

    measure: str
    lr: float
    small: int
    large: int
    small_mean: float
    small_sd: float
    large_mean: float
    large_sd: float
    outcome: str
    """:data:`SUPPORTS` (small batch clearly flatter), :data:`CONTRADICTS` (clearly sharper) or :data:`UNCLEAR`."""


def compare(measure: str, lr: float, small: Cell, large: Cell) -> Verdict:
    """Smallest against largest batch on ``measure`` ("sharpness" or "flatness"; lower = flatter).

    Clear only when the means differ by more than the sum of the two seed standard deviations;
    with one usable seed on either side, or none, the outcome is unclear.
    """
    a, b = getattr(small, measure), getattr(large, measure)
    (ma, sa), (mb, sb) = Cell.mean_sd(a), Cell.mean_sd(b)
    outcome = UNCLEAR
    if a.size >= 2 and b.size >= 2:
        if mb - ma > sa + sb:
            outcome = SUPPORTS
        elif ma - mb > sa + sb:
            outcome = CONTRADICTS
    return Verdict(measure, lr, small.batch_size, large.batch_size, ma, sa, mb, sb, outcome)


def verdicts(cells: Sequence[Cell]) -> list[Verdict]:
    """For each learning rate with at least two batch sizes: the comparison on sharpness and on flatness."""
    out = []
    for lr in sorted({c.lr for c in cells}):
        row = sorted((c for c in cells if c.lr == lr), key=lambda c: c.batch_size)
        if len(row) >= 2:
            out += [compare(m, lr, row[0], row[-1]) for m in ("sharpness", "flatness")]
    return out


def overall(found: Sequence[Verdict]) -> str:
    """One outcome for the whole study: supports only if every comparison does, contradicts if any does."""
    outcomes = {v.outcome for v in found}
    if not outcomes:
        return UNCLEAR
    if CONTRADICTS in outcomes:
        return CONTRADICTS
    if outcomes == {SUPPORTS}:
        return SUPPORTS
    return UNCLEAR


def _measure_name(measure: str) -> str:
    return (
        _("sharpness (top Hessian eigenvalue)")
        if measure == "sharpness"
        else _("loss rise at radius {r}").format(r=f"{RADIUS:g}")
    )


def spread_text(mean: float, sd: float, *, percent: bool = False) -> str:
    """``mean ± sd`` over a cell's seeds, or words saying every seed diverged (no number to show)."""
    if not np.isfinite(mean):
        return _("every seed diverged")
    return f"{mean:.1%} ± {sd:.1%}" if percent else f"{mean:.3g} ± {sd:.2g}"


def verdict_sentence(v: Verdict) -> str:
    """One comparison in words, with both means and their spreads over seeds."""
    numbers = _("B = {small}: {a}; B = {large}: {b} (mean ± sd over seeds)").format(
        small=v.small,
        a=spread_text(v.small_mean, v.small_sd),
        large=v.large,
        b=spread_text(v.large_mean, v.large_sd),
    )
    if v.outcome == SUPPORTS:
        head = _("At η = {lr:g}, the smallest batch ends clearly flatter by {measure}.")
    elif v.outcome == CONTRADICTS:
        head = _("At η = {lr:g}, the smallest batch ends clearly sharper by {measure}: the opposite of the claim.")
    else:
        head = _("At η = {lr:g}, {measure} does not separate the batch sizes: the gap is within the seed spread.")
    return head.format(lr=v.lr, measure=_measure_name(v.measure)) + " " + numbers


def overall_sentence(outcome: str) -> str:
    """The study's verdict on "small batches find flatter minima", from :func:`overall`."""
    if outcome == SUPPORTS:
        return _("These runs support the claim: by every measure here, the smallest batch ends flatter.")
    if outcome == CONTRADICTS:
        return _("These runs contradict the claim: by at least one measure, the smallest batch ends sharper.")
    return _(
        "These runs do not settle the claim: at least one measure shows no difference larger than the spread "
        "over seeds."
    )


def accuracy_sentences(cells: Sequence[Cell]) -> list[str]:
    """Per learning rate, the test accuracy of the smallest against the largest batch, with the same spread rule.

    The second half of the claim ("flatter minima generalize better"): reported beside the
    flatness verdict, not folded into it.
    """
    out = []
    for lr in sorted({c.lr for c in cells}):
        row = sorted((c for c in cells if c.lr == lr), key=lambda c: c.batch_size)
        if len(row) < 2:
            continue
        v = compare("test_acc", lr, row[0], row[-1])
        numbers = _("B = {small}: {a}; B = {large}: {b}").format(
            small=v.small,
            a=spread_text(v.small_mean, v.small_sd, percent=True),
            large=v.large,
            b=spread_text(v.large_mean, v.large_sd, percent=True),
        )
        # compare() calls "lower is better" SUPPORTS; for accuracy, higher is better.
        if v.outcome == SUPPORTS:
            head = _("At η = {lr:g}, the smallest batch reaches a clearly lower test accuracy.")
        elif v.outcome == CONTRADICTS:
            head = _("At η = {lr:g}, the smallest batch reaches a clearly higher test accuracy.")
        else:
            head = _("At η = {lr:g}, test accuracy does not separate the batch sizes.")
        out.append(head.format(lr=lr) + " " + numbers)
    return out
