"""Textbook convergence theory of gradient descent and heavy-ball momentum on the ill-conditioned bowl.

For a quadratic with Hessian eigenvalues ``lam_min`` and ``lam_max``, in the engine's
form ``v <- mu v + g, x <- x - lr v``: on each eigen-direction the iteration is linear,
with matrix ``[[1 + mu - lr lam, -mu], [1, 0]]``, and it converges exactly when that
matrix's spectral radius is below one. :func:`theory_overlay` turns this into the
curves and caption the Sweeps page draws over a bowl map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.i18n import translator
from core.numbers import number_text
from engine.config import OptimizerRun
from engine.sweeps import SweepAxis
from landscapes.bowl import hessian

_ = translator("app")


def bowl_eigenvalues(values: Mapping[str, float]) -> tuple[float, float]:
    """(lam_min, lam_max) of the bowl's Hessian for parameter values ``values``."""
    lam = np.linalg.eigvalsh(hessian(values))
    return float(lam[0]), float(lam[-1])


def spectral_radius(lr: Any, mu: Any, lam: Any) -> np.ndarray:
    """Spectral radius of heavy ball's iteration matrix ``[[1 + mu - lr lam, -mu], [1, 0]]`` (broadcasts).

    Its eigenvalues are the roots of ``z^2 - (1 + mu - lr lam) z + mu``; ``mu = 0`` is plain
    gradient descent, whose radius is ``|1 - lr lam|``.
    """
    b = 1.0 + np.asarray(mu, np.float64) - np.asarray(lr, np.float64) * np.asarray(lam, np.float64)
    c = np.asarray(mu, np.float64) + 0.0 * b
    disc = np.sqrt((b * b - 4.0 * c).astype(np.complex128))
    return np.maximum(np.abs((b + disc) / 2.0), np.abs((b - disc) / 2.0))


def worst_radius(lr: Any, mu: Any, lam_min: float, lam_max: float, wd: Any = 0.0) -> np.ndarray:
    """The slowest eigen-direction's radius on the bowl; coupled (L2) weight decay ``wd`` adds to every eigenvalue."""
    wd = np.asarray(wd, np.float64)
    return np.maximum(spectral_radius(lr, mu, lam_min + wd), spectral_radius(lr, mu, lam_max + wd))


def lr_limit(mu: Any, lam_max: float, wd: Any = 0.0) -> np.ndarray:
    """Largest stable learning rate: heavy ball converges on the bowl iff ``lr < 2 (1 + mu) / (lam_max + wd)``.

    (Jury's test on ``z^2 - (1 + mu - lr lam) z + mu``: ``|mu| < 1`` and ``0 < lr lam < 2 (1 + mu)``
    for every eigenvalue; ``mu = 0`` gives gradient descent's ``lr < 2 / lam_max``.)
    """
    return 2.0 * (1.0 + np.asarray(mu, np.float64)) / (lam_max + np.asarray(wd, np.float64))


def heavy_ball_optimum(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Polyak's best constant heavy-ball setting on a quadratic: ``(lr*, mu*, rate)``.

    ``lr* = 4 / (sqrt(L) + sqrt(m))^2``, ``mu* = ((sqrt(k) - 1) / (sqrt(k) + 1))^2`` with
    ``k = L / m``; the error then shrinks by ``rate = (sqrt(k) - 1) / (sqrt(k) + 1)`` per step.
    """
    root = math.sqrt(lam_max / lam_min)
    lr = 4.0 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2
    rate = (root - 1.0) / (root + 1.0)
    return lr, rate * rate, rate


def gd_optimum(lam_min: float, lam_max: float) -> tuple[float, float]:
    """Gradient descent's best constant step ``2 / (L + m)`` and its rate ``(k - 1) / (k + 1)``."""
    kappa = lam_max / lam_min
    return 2.0 / (lam_max + lam_min), (kappa - 1.0) / (kappa + 1.0)


@dataclass(frozen=True)
class Curve:
    """A line on a map, in axis values: ``x`` along the map's x axis, ``y`` along its y axis."""

    name: str
    x: np.ndarray
    y: np.ndarray
    dash: str = "dash"


@dataclass(frozen=True)
class Overlay:
    """What theory draws on a bowl map: boundary and optimum curves, the optimal point, and a caption."""

    curves: tuple[Curve, ...]
    point: tuple[float, float] | None
    point_name: str
    caption: str


def theory_overlay(
    landscape: str,
    landscape_params: Mapping[str, float],
    optimizer: str,
    settings: Mapping[str, Any],
    x: SweepAxis,
    y: SweepAxis,
    samples: int = 200,
) -> Overlay | None:
    """The theoretical convergence boundary (and optimum) to draw on a bowl map, or None where theory is silent.

    Drawn on the bowl for gradient descent (``sgd``) and heavy-ball ``momentum`` with a
    constant lr, the default L2 weight-decay mode and ``lr`` as one axis. The other axis may be
    ``momentum`` (heavy ball: boundary curve and Polyak's optimum), ``weight_decay`` with
    clipping off (L2 decay adds ``wd`` to every Hessian eigenvalue), or, for gradient descent
    without weight decay, ``clip_norm``: a clipped step is a shorter gradient step, so clipped
    GD still converges exactly when ``lr < 2 / lam_max`` (a vertical line). Anything else: None.
    """
    if landscape != "bowl" or optimizer not in ("sgd", "momentum"):
        return None
    run = OptimizerRun.build(optimizer, settings)
    if "lr" not in (x.name, y.name) or run.choices.wd_mode != "l2" or run.choices.schedule != "constant":
        return None
    other = y if x.name == "lr" else x
    clip, wd_fixed = run.values["clip_norm"], run.values["weight_decay"]
    allowed = (
        (other.name == "momentum" and optimizer == "momentum" and clip == 0)
        or (other.name == "weight_decay" and clip == 0)
        or (other.name == "clip_norm" and optimizer == "sgd" and wd_fixed == 0)
    )
    if not allowed:
        return None
    lam_min, lam_max = bowl_eigenvalues(landscape_params)
    sweep = other.values(samples)
    mu = sweep if other.name == "momentum" else np.full(samples, run.values.get("momentum", 0.0))
    wd = sweep if other.name == "weight_decay" else np.full(samples, wd_fixed)

    def curve(name: str, lr: np.ndarray, dash: str) -> Curve:
        return Curve(name, lr, sweep, dash) if x.name == "lr" else Curve(name, sweep, lr, dash)

    curves = [curve(_("convergence boundary (theory)"), lr_limit(mu, lam_max, wd), "dash")]
    spectrum = _("Hessian eigenvalues {low} and {high}").format(low=_num(lam_min), high=_num(lam_max))
    if optimizer == "sgd" and other.name == "clip_norm":
        return Overlay(
            tuple(curves),
            None,
            "",
            _(
                "Theory for gradient descent on this bowl ({spectrum}): it converges exactly when "
                "lr < 2/λ_max = {limit} (dashed line), with or without clipping: a clipped step is "
                "only a shorter gradient step, and near the minimum clipping is off."
            ).format(spectrum=spectrum, limit=_num(2.0 / lam_max)),
        )
    if optimizer == "sgd":
        curves.append(curve(_("fastest lr (theory)"), 2.0 / (lam_max + lam_min + 2.0 * wd), "dot"))
        return Overlay(
            tuple(curves),
            None,
            "",
            _(
                "Theory for gradient descent on this bowl ({spectrum}): L2 weight decay wd adds wd to both, so it "
                "converges exactly when lr < 2/(λ_max + wd) (dashed; {limit} at wd = 0) and is fastest "
                "at lr = 2/(λ_max + λ_min + 2 wd) (dotted; {fastest} at wd = 0)."
            ).format(spectrum=spectrum, limit=_num(2.0 / lam_max), fastest=_num(2.0 / (lam_max + lam_min))),
        )
    if other.name == "momentum":
        w = float(wd_fixed)
        lr_star, mu_star, rate = heavy_ball_optimum(lam_min + w, lam_max + w)
        point = (lr_star, mu_star) if x.name == "lr" else (mu_star, lr_star)
        shift = _(", both raised by the weight decay {wd}").format(wd=_num(w)) if w else ""
        return Overlay(
            tuple(curves),
            point,
            _("optimum (theory): lr* = {lr}, μ* = {mu}").format(lr=_num(lr_star), mu=_num(mu_star)),
            _(
                "Theory for heavy-ball momentum on this bowl ({spectrum}{shift}): it converges exactly when "
                "lr < 2(1 + μ)/λ_max (dashed; {limit} at μ = 0). The fastest setting "
                "is lr* = {lr}, μ* = {mu} (diamond): there the error shrinks by a factor {rate} per step."
            ).format(
                spectrum=spectrum,
                shift=shift,
                limit=_num(float(lr_limit(0.0, lam_max, w))),
                lr=_num(lr_star),
                mu=_num(mu_star),
                rate=_num(rate),
            ),
        )
    m = float(mu[0])
    return Overlay(
        tuple(curves),
        None,
        "",
        _(
            "Theory for heavy-ball momentum at μ = {mu} on this bowl ({spectrum}): L2 weight decay wd adds wd to "
            "both, so it converges exactly when lr < 2(1 + μ)/(λ_max + wd) (dashed)."
        ).format(mu=_num(m), spectrum=spectrum),
    )


def _num(value: float) -> str:
    """A number in a theory caption or legend (three significant digits)."""
    return number_text(value, 3)
