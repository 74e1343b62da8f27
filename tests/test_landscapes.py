"""The landscapes: registry and metadata, numerical safety, critical points, and what each one teaches."""

from __future__ import annotations

import functools
import math
import re
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes
from landscapes import bowl, cliff, sharp_flat, train_val
from landscapes.base import Landscape

KEYS = list(landscapes.REGISTRY)
SGD_DEFAULT_LR = 0.01
"""The default learning rate of plain SGD in the app (optimizers/sgd.py)."""


def _settings(land: Landscape) -> list[dict[str, float]]:
    """Default parameter values, then each parameter at its low and at its high end (others default)."""
    out = [land.resolve()]
    for param in land.params:
        for end in (param.low, param.high):
            out.append(land.resolve({param.name: end}))
    return out


def _ids(settings: list[dict[str, float]]) -> list[str]:
    return [",".join(f"{k}={v:g}" for k, v in s.items()) or "default" for s in settings]


CASES = [(key, values) for key in KEYS for values in _settings(landscapes.get(key))]
CASE_IDS = [f"{key}[{i}]" for key in KEYS for i in _ids(_settings(landscapes.get(key)))]


def _grid(land: Landscape, n: int = 41) -> np.ndarray:
    (x0, x1), (y0, y1) = land.domain
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def _arrays(land: Landscape, values: dict[str, float], dtype, validation: bool = False):
    """(params, data) as JAX arrays of ``dtype`` (data stays as stored: float32)."""
    p = {k: jnp.asarray(v, dtype) for k, v in values.items()}
    data = land.validation(values) if validation else land.data(values)
    return p, (None if data is None else (jnp.asarray(data.inputs), jnp.asarray(data.targets)))


@functools.partial(jax.jit, static_argnums=0)
def _loss_and_grad(land: Landscape, pts, p, data):
    """Loss and gradient at each row of ``pts``; ``p`` is traced, so Python control flow on it would fail here."""

    def f(x):
        return land.loss(x, p, data) if land.is_dataset else land.loss(x, p)

    return jax.vmap(f)(pts), jax.vmap(jax.grad(f))(pts)


@functools.partial(jax.jit, static_argnums=0)
def _hessian(land: Landscape, x, p, data):
    return jax.hessian(lambda y: land.loss(y, p, data) if land.is_dataset else land.loss(y, p))(x)


PAD = 41 * 41 + 64
"""Every evaluation is padded to this many points, so each landscape compiles once per dtype."""


def _eval(land: Landscape, values: dict[str, float], pts, *, x64: bool = False, validation: bool = False):
    """Loss and gradient at ``pts`` (n, 2), in float32 or (inside ``jax.enable_x64``) float64."""
    dtype = jnp.float64 if x64 else jnp.float32
    p, data = _arrays(land, values, dtype, validation)
    pts = np.asarray(pts, np.float64).reshape(-1, 2)
    padded = np.concatenate([pts, np.repeat(pts[:1], PAD - len(pts), axis=0)])
    loss, grad = _loss_and_grad(land, jnp.asarray(padded, dtype), p, data)
    return np.asarray(loss)[: len(pts)], np.asarray(grad)[: len(pts)]


def _critical_points(land: Landscape, values: dict[str, float]) -> list[tuple[str, tuple[float, float]]]:
    return [("min", m) for m in land.minima(values)] + [("saddle", s) for s in land.saddles(values)]


# --- registry and metadata -------------------------------------------------------------------


def test_registry_has_all_surfaces():
    assert len(KEYS) >= 14
    hard = {"bowl", "rosenbrock", "saddle", "monkey_saddle", "cliff"}
    data = {"minibatch", "sharp_flat", "train_val"}
    classic = {"himmelblau", "beale", "rastrigin", "ackley", "goldstein_price", "six_hump_camel", "styblinski_tang"}
    assert hard | data | classic <= set(KEYS)
    for key, land in landscapes.REGISTRY.items():
        assert land.key == key and landscapes.get(key) is land
    with pytest.raises(ValueError, match="bowl"):
        landscapes.get("no_such_surface")


@pytest.mark.parametrize("key", KEYS)
def test_metadata(key):
    land = landscapes.get(key)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", land.key)
    assert land.name.strip() and land.latex.strip()
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", land.description.strip()) if s]
    assert 3 <= len(sentences) <= 5, sentences
    (x0, x1), (y0, y1) = land.domain
    assert x0 < x1 and y0 < y1
    assert 1 <= len(land.starts) <= 3
    for sx, sy in land.starts:
        assert x0 <= sx <= x1 and y0 <= sy <= y1
    for param in land.params:
        assert param.low <= param.default <= param.high and param.low < param.high
    assert (land.loss_fn is None) == land.is_dataset
    assert land.minima(land.resolve()), "every landscape lists at least one known minimum"
    for values in _settings(land):
        for _, point in _critical_points(land, values):
            assert len(point) == 2 and all(isinstance(c, float) and math.isfinite(c) for c in point)


def test_import_is_cheap():
    code = (
        "import time, jax, jax.numpy\n"
        "t = time.perf_counter(); import landscapes; dt = time.perf_counter() - t\n"
        "from landscapes import sharp_flat, cliff\n"
        "assert sharp_flat._minima.cache_info().currsize == 0 and cliff._foot.cache_info().currsize == 0\n"
        "print(dt)"
    )
    root = str(Path(landscapes.__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert float(out.stdout.strip()) < 1.0, "importing the landscapes must not compute anything heavy"


# --- numerical safety ------------------------------------------------------------------------


@pytest.mark.parametrize("key, values", CASES, ids=CASE_IDS)
def test_loss_and_gradient_finite_on_the_domain(key, values):
    land = landscapes.get(key)
    pts = np.concatenate([_grid(land), np.asarray(land.starts)])
    loss, grad = _eval(land, values, pts)
    assert loss.dtype == np.float32 and np.all(np.isfinite(loss))
    assert np.all(np.isfinite(grad))
    if land.make_validation is not None:
        loss, grad = _eval(land, values, pts, validation=True)
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))


# --- critical points -------------------------------------------------------------------------


@pytest.mark.parametrize("key, values", CASES, ids=CASE_IDS)
def test_listed_points_are_stationary(key, values):
    """|grad| at each listed minimum / saddle is below a millionth of the median |grad| on the domain (float64)."""
    land = landscapes.get(key)
    points = _critical_points(land, values)
    with jax.enable_x64(True):
        _, grid_grad = _eval(land, values, _grid(land), x64=True)
        scale = float(np.median(np.linalg.norm(grid_grad, axis=1)))
        _, grad = _eval(land, values, np.array([pt for _, pt in points], np.float64), x64=True)
    for (kind, pt), g in zip(points, grad, strict=True):
        assert np.linalg.norm(g) < 1e-6 * scale, f"{kind} {pt}: |grad| = {np.linalg.norm(g):.3g}, scale {scale:.3g}"


@pytest.mark.parametrize("key, values", CASES, ids=CASE_IDS)
def test_minima_are_lower_than_their_surroundings(key, values):
    land = landscapes.get(key)
    (x0, x1), (y0, y1) = land.domain
    radius = 1e-3 * math.hypot(x1 - x0, y1 - y0)
    angles = np.arange(8) * (2 * np.pi / 8)
    ring = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    with jax.enable_x64(True):
        for m in land.minima(values):
            loss, _ = _eval(land, values, np.concatenate([[m], np.asarray(m) + ring]), x64=True)
            assert np.all(loss[0] < loss[1:]), f"{key} minimum {m}"
        p, data = _arrays(land, values, jnp.float64)
        for s in land.saddles(values):
            # A saddle has lower and higher points around it: probe the ring and the Hessian's eigen-directions
            # (a very lopsided saddle, like Beale's lower one, only dips along a narrow angle).
            _, eigvecs = np.linalg.eigh(np.asarray(_hessian(land, jnp.asarray(s, jnp.float64), p, data)))
            probes = np.concatenate([ring, radius * eigvecs.T, -radius * eigvecs.T])
            loss, _ = _eval(land, values, np.concatenate([[s], np.asarray(s) + probes]), x64=True)
            assert np.any(loss[1:] < loss[0]) and np.any(loss[1:] > loss[0]), f"{key} saddle {s}"


PUBLISHED = [
    ("rosenbrock", [0.0]),
    ("himmelblau", [0.0, 0.0, 0.0, 0.0]),
    ("beale", [0.0]),
    ("rastrigin", [0.0]),
    ("ackley", [0.0]),
    ("goldstein_price", [3.0, 30.0, 84.0, 840.0]),
    ("six_hump_camel", [-1.0316, -1.0316, -0.2155, -0.2155, 2.1043, 2.1043]),
    ("styblinski_tang", [-78.33234, -64.19561, -64.19561, -50.05889]),
]


@pytest.mark.parametrize("key, expected", PUBLISHED, ids=[k for k, _ in PUBLISHED])
def test_published_minimum_values(key, expected):
    """Values at the listed minima, in the app's float32, match the literature to 1e-4 (relative above 1)."""
    land = landscapes.get(key)
    values = land.resolve()
    loss, _ = _eval(land, values, np.array(land.minima(values)))
    np.testing.assert_allclose(loss, expected, rtol=1e-4, atol=1e-4)


def test_published_coordinates():
    assert landscapes.get("beale").minima({}) == ((3.0, 0.5),)
    assert landscapes.get("goldstein_price").minima({})[0] == (0.0, -1.0)
    camel = landscapes.get("six_hump_camel").minima({})
    np.testing.assert_allclose(camel[:2], [(0.0898, -0.7126), (-0.0898, 0.7126)], atol=1e-4)
    tang = landscapes.get("styblinski_tang").minima({})
    np.testing.assert_allclose(tang[0], (-2.903534, -2.903534), atol=1e-6)


# --- the ill-conditioned bowl ----------------------------------------------------------------


@pytest.mark.parametrize("kappa, angle", [(10.0, 30.0), (1000.0, -60.0), (3.0, 90.0), (1.0, 0.0)])
def test_bowl_hessian(kappa, angle):
    land = landscapes.get("bowl")
    values = land.resolve({"kappa": kappa, "angle": angle})
    with jax.enable_x64(True):
        p, _ = _arrays(land, values, jnp.float64)
        hess = np.asarray(_hessian(land, jnp.asarray([0.7, -1.3], jnp.float64), p, None))
    eigvals, eigvecs = np.linalg.eigh(hess)
    np.testing.assert_allclose(eigvals, [1.0 / kappa, 1.0], rtol=1e-9)
    np.testing.assert_allclose(bowl.hessian(values), hess, atol=1e-12)
    if kappa > 1:
        steep = eigvecs[:, 1]
        theta = math.radians(angle)
        assert abs(steep @ np.array([math.cos(theta), math.sin(theta)])) > 1 - 1e-6


# --- data-set landscapes ---------------------------------------------------------------------

DATASET_KEYS = [k for k in KEYS if landscapes.get(k).is_dataset]


@pytest.mark.parametrize("key", DATASET_KEYS)
def test_dataset_sizes_dtypes_and_seeding(key):
    land = landscapes.get(key)
    assert land.make_data is not None
    for values in _settings(land):
        sets = [land.data(values)] + ([land.validation(values)] if land.make_validation else [])
        for data in sets:
            n = data.size
            assert n >= 1 and n & (n - 1) == 0, f"{key}: N = {n} is not a power of two"
            assert data.inputs.shape[0] == n and data.targets.shape == (n,)
            assert data.inputs.dtype == np.float32 and data.targets.dtype == np.float32
        again = land.make_data(dict(values))
        np.testing.assert_array_equal(again.inputs, sets[0].inputs)
        np.testing.assert_array_equal(again.targets, sets[0].targets)


@pytest.mark.parametrize("key", DATASET_KEYS)
def test_dataset_loss_is_mean_of_example_losses(key):
    land = landscapes.get(key)
    values = land.resolve()
    p = land.traced(values)
    data = land.data(values)
    one = jax.jit(lambda x, row, target: land.example_loss(x, row, target, p))
    for x in (np.asarray(land.starts[0], np.float32), np.asarray(land.minima(values)[0], np.float32)):
        per_example = [float(one(x, row, t)) for row, t in zip(data.inputs, data.targets, strict=True)]
        assert float(land.loss_function(values)(jnp.asarray(x))) == pytest.approx(np.mean(per_example), rel=1e-5)


def test_minibatch_minimum_is_least_squares():
    land = landscapes.get("minibatch")
    for noise in (0.0, 0.5, 2.0):
        values = land.resolve({"noise": noise})
        data = land.data(values)
        design = np.column_stack([data.inputs[:, 0], np.ones(data.size)]).astype(np.float64)
        fit = np.linalg.lstsq(design, data.targets.astype(np.float64), rcond=None)[0]
        np.testing.assert_allclose(land.minima(values)[0], fit, atol=1e-12)
    # Inputs are not centred, so the bowl is elongated (this is what makes the path interesting).
    data = land.data(land.resolve())
    design = np.column_stack([data.inputs[:, 0], np.ones(data.size)]).astype(np.float64)
    eig = np.linalg.eigvalsh(design.T @ design / data.size)
    assert 5 < eig[1] / eig[0] < 100


def test_sharp_flat_minima_depths_and_curvatures():
    land = landscapes.get("sharp_flat")
    values = land.resolve()
    sharp, flat = land.minima(values)
    f = land.loss_function(values)
    depth_sharp, depth_flat = float(f(jnp.asarray(sharp))), float(f(jnp.asarray(flat)))
    assert abs(depth_sharp - depth_flat) / max(depth_sharp, depth_flat) < 0.05
    with jax.enable_x64(True):
        p, data = _arrays(land, values, jnp.float64)
        hessians = [np.asarray(_hessian(land, jnp.asarray(m), p, data)) for m in (sharp, flat)]
    lam = [float(np.linalg.eigvalsh(h)[-1]) for h in hessians]
    assert lam[0] >= 10 * lam[1], lam
    np.testing.assert_allclose(sharp_flat.curvatures(values), lam, rtol=1e-6)
    np.testing.assert_array_equal(sharp_flat.basin_of(np.array([sharp, flat]), values), [0, 1])
    between = np.linspace(sharp, flat, 11)
    labels = sharp_flat.basin_of(between, values)
    assert labels[0] == 0 and labels[-1] == 1 and np.all(np.diff(labels) >= 0)


def test_sharp_flat_small_batches_leave_the_sharp_minimum():
    """Full-batch GD stays in the sharp basin; SGD with batch 8 at the same lr mostly ends in the flat one."""
    land = landscapes.get("sharp_flat")
    values = land.resolve()
    p, (inputs, targets) = _arrays(land, values, jnp.float32)
    lr, steps, n = 0.035, 400, inputs.shape[0]

    def batch_loss(x, idx):
        return jnp.mean(jax.vmap(lambda r, t: land.example_loss(x, r, t, p))(inputs[idx], targets[idx]))

    @functools.partial(jax.jit, static_argnums=1)
    def run(key, batch):
        def step(x, k):
            idx = jax.random.permutation(k, n)[:batch]
            return x - lr * jax.grad(batch_loss)(x, idx), None

        x, _ = jax.lax.scan(step, jnp.asarray(land.starts[0], jnp.float32), jax.random.split(key, steps))
        return x

    keys = jax.random.split(jax.random.PRNGKey(0), 16)
    full = np.asarray(run(keys[0], n))
    assert sharp_flat.basin_of(full, values) == 0
    assert np.linalg.norm(full - np.asarray(land.minima(values)[0])) < 0.01
    small = np.asarray(jax.vmap(lambda k: run(k, 8))(keys))
    assert np.mean(sharp_flat.basin_of(small, values)) >= 0.75


def test_train_val_overfits_along_the_poorly_determined_direction():
    land = landscapes.get("train_val")
    values = land.resolve()
    train, valid = land.data(values), land.validation(values)
    assert (train.size, valid.size) == (16, 256)
    w_train = np.asarray(land.minima(values)[0])
    w_valid = np.asarray(train_val.validation_minimum(values))
    gap = w_train - w_valid
    assert np.linalg.norm(gap) > 1.0
    inputs = train.inputs.astype(np.float64)
    eigvals, eigvecs = np.linalg.eigh(inputs.T @ inputs / train.size)
    assert eigvals[1] / eigvals[0] > 10
    assert abs(eigvecs[:, 0] @ gap) / np.linalg.norm(gap) > 0.9, "the gap lies along the flat direction"


def test_train_val_validation_loss_falls_then_rises_under_gd():
    land = landscapes.get("train_val")
    values = land.resolve()
    f_train = jax.jit(land.loss_function(values))
    f_valid = jax.jit(land.loss_function(values, validation=True))
    grad = jax.jit(jax.grad(f_train))
    x = jnp.asarray(land.starts[0], jnp.float32)
    train_curve, valid_curve = [], []
    for _ in range(1500):
        train_curve.append(float(f_train(x)))
        valid_curve.append(float(f_valid(x)))
        x = x - 0.05 * grad(x)
    train_curve, valid_curve = np.array(train_curve), np.array(valid_curve)
    best = int(np.argmin(valid_curve))
    assert 0 < best < len(valid_curve) // 4
    assert valid_curve[0] > 2 * valid_curve[best]
    assert valid_curve[-1] > 1.5 * valid_curve[best], "validation loss turns back up: overfitting"
    assert np.all(np.diff(train_curve) <= 1e-6), "training loss keeps falling"
    w_train, w_valid = np.asarray(land.minima(values)[0]), np.asarray(train_val.validation_minimum(values))
    assert np.linalg.norm(np.asarray(x) - w_train) < 0.1 * np.linalg.norm(w_train - w_valid), "GD heads for w_train"


# --- the cliff -------------------------------------------------------------------------------


def test_cliff_is_a_real_wall():
    land = landscapes.get("cliff")
    _, grad = _eval(land, land.resolve(), _grid(land))
    norms = np.linalg.norm(grad, axis=1)
    assert norms.max() >= 100 * np.median(norms)


def _cliff_path(lr: float, steps: int, clip: float | None = None) -> np.ndarray:
    land = landscapes.get("cliff")
    grad = jax.grad(land.loss_function())

    def step(x, _):
        g = grad(x)
        if clip is not None:
            g = g * jnp.minimum(1.0, clip / jnp.linalg.norm(g))
        x = x - lr * g
        return x, x

    start = jnp.asarray(land.starts[0], jnp.float32)
    _, path = jax.jit(lambda s: jax.lax.scan(step, s, None, length=steps))(start)
    return np.concatenate([np.asarray(start)[None], np.asarray(path)])


def test_cliff_throws_plain_sgd_and_clipping_tames_it():
    land = landscapes.get("cliff")
    (x0, x1), (y0, y1) = land.domain
    width = max(x1 - x0, y1 - y0)
    foot = np.asarray(land.minima(land.resolve())[0])
    # One step from just at the foot of the wall, on the face.
    point = jnp.asarray([cliff.WALL_X + 1.0 / cliff.SHARPNESS, 0.5], jnp.float32)
    jump = SGD_DEFAULT_LR * np.linalg.norm(np.asarray(jax.grad(land.loss_function())(point)))
    assert jump > width
    # The default run walks into the wall and gets thrown farther than the domain is wide ...
    steps = np.linalg.norm(np.diff(_cliff_path(SGD_DEFAULT_LR, 400), axis=0), axis=1)
    assert steps.max() > width
    assert np.all(steps[: int(np.argmax(steps > 1.0))] < 0.1), "the approach is gentle"
    # ... while clipping the gradient norm to 1 makes it walk down and settle at the foot.
    clipped = _cliff_path(SGD_DEFAULT_LR, 1500, clip=1.0)
    assert np.linalg.norm(np.diff(clipped, axis=0), axis=1).max() <= SGD_DEFAULT_LR * 1.0001
    assert np.linalg.norm(clipped[-1] - foot) < 0.05


# --- saddles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["saddle", "monkey_saddle"])
def test_saddle_start_stalls_then_escapes(key):
    """GD from the default start slows right down near the saddle, then reaches a minimum."""
    land = landscapes.get(key)
    values = land.resolve()
    f = land.loss_function(values)
    grad = jax.grad(f)

    def step(x, _):
        x = x - 0.05 * grad(x)
        return x, x

    _, path = jax.jit(lambda s: jax.lax.scan(step, s, None, length=1000))(jnp.asarray(land.starts[0], jnp.float32))
    path = np.asarray(path)
    closest = np.min(np.linalg.norm(path, axis=1))
    assert closest < 0.25, "the path passes close to the saddle"
    minima = np.asarray(land.minima(values))
    assert np.min(np.linalg.norm(minima - path[-1], axis=1)) < 1e-3, "and escapes to a minimum"
