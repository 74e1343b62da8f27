"""Every optimizer against optax, step for step, through the engine's own step function.

The hand-written side always runs :func:`engine.step.apply_step` with the settings
of :meth:`engine.config.OptimizerRun.build` (``traced()``), inside a jitted
``lax.scan`` with the hyperparameters as traced arguments (so a Python ``if`` on a
hyperparameter would fail here too). Comparisons with optax run in float64: the
hyperparameters keep their float32 values (the ones the engine really uses; optax
gets the same numbers through :func:`f32`) but the arithmetic is float64, so 200
steps of different-but-equivalent operation orders cannot drift apart and the
tolerance (rtol 1e-5 on every iterate) measures the algorithm, not rounding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import optimizers
from core.param import Param
from engine.config import OptimizerRun
from engine.step import apply_step
from optimizers import base
from optimizers.optax_adapter import from_optax
from optimizers.options import OPTION_HYPERS
from optimizers.schedules import scheduled_lr

STEPS = 200
RTOL = 1e-5
ATOL = 1e-9  # only matters for coordinates passing through zero

Loss = Callable[[jax.Array], jax.Array]


# ----------------------------------------------------------------------------- landscapes


def rosenbrock(x: jax.Array) -> jax.Array:
    """Curved valley, minimum (1, 1); steep walls (Hessian eigenvalues up to ~2000 here)."""
    return (1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2


_THETA = 0.6
_ROT = np.array([[np.cos(_THETA), -np.sin(_THETA)], [np.sin(_THETA), np.cos(_THETA)]])
_A = _ROT @ np.diag([1.0, 30.0]) @ _ROT.T
_CENTRE = np.array([1.0, -0.5])


def quadratic(x: jax.Array) -> jax.Array:
    """Rotated ill-conditioned bowl (condition number 30), minimum at (1, -0.5)."""
    d = x - jnp.asarray(_CENTRE, x.dtype)
    return 0.5 * d @ jnp.asarray(_A, x.dtype) @ d


def himmelblau(x: jax.Array) -> jax.Array:
    """Four minima, a maximum and saddles: non-convex, Hessian indefinite in places."""
    return (x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2


LANDSCAPES: dict[str, tuple[Loss, tuple[float, float]]] = {
    "rosenbrock": (rosenbrock, (-1.5, 2.0)),
    "quadratic": (quadratic, (-2.0, 2.0)),
    "himmelblau": (himmelblau, (0.5, -1.0)),
}


# ----------------------------------------------------------------------------- helpers


def f32(value: float) -> float:
    """``value`` rounded to float32, as the engine traces it (optax must get the same number)."""
    return float(np.float32(value))


@pytest.fixture
def x64() -> Iterator[None]:
    """Run the test body with float64 enabled."""
    with jax.enable_x64(True):
        yield


_schedule = jax.jit(scheduled_lr)
"""The engine's learning-rate schedule, compiled once for all tests (float32 inputs, as in the engine)."""


def engine_path(
    key: str,
    settings: Mapping[str, object],
    loss: Loss,
    start: tuple[float, float],
    steps: int = STEPS,
    dtype: jnp.dtype = jnp.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Iterates x_1..x_steps and the updates of ``apply_step`` (the engine's own step).

    The learning rates come from :func:`scheduled_lr` with the float32 settings, as in
    the engine; all other hyperparameters are cast to ``dtype`` (their values unchanged).
    """
    run = OptimizerRun.build(key, settings)
    spec = run.spec
    opt = spec.make()
    grad, hess = jax.grad(loss), jax.hessian(loss)

    @jax.jit
    def go(x0: jax.Array, hp: dict[str, jax.Array], lrs: jax.Array) -> tuple[jax.Array, jax.Array]:
        def body(carry, lr_t):
            x, state = carry
            hessian = hess(x) if spec.needs_hessian else None
            r = apply_step(spec, opt, x, state, grad(x), hp, lr_t, hessian)
            return (r.params, r.state), (r.params, r.update)

        return jax.lax.scan(body, (x0, opt.init(x0)), lrs)[1]

    traced = run.traced()
    lrs = _schedule(jnp.arange(steps, dtype=jnp.int32), jnp.float32(steps), traced["lr"], traced)
    hp = {k: v.astype(dtype) for k, v in traced.items()}
    xs, updates = go(jnp.asarray(start, dtype), hp, lrs.astype(dtype))
    return np.asarray(xs), np.asarray(updates)


def optax_paths(
    tx: optax.GradientTransformation,
    loss: Loss,
    starts: np.ndarray,
    steps: int = STEPS,
    dtype: jnp.dtype = jnp.float64,
) -> np.ndarray:
    """Iterates x_1..x_steps of an optax optimizer on ``loss`` from each of ``starts`` (shape (k, 2))."""
    grad = jax.grad(loss)

    @jax.jit
    @jax.vmap
    def go(x0: jax.Array) -> jax.Array:
        def body(carry, _):
            x, state = carry
            updates, state = tx.update(grad(x), state, x)
            x = optax.apply_updates(x, updates)
            return (x, state), x

        return jax.lax.scan(body, (x0, tx.init(x0)), None, length=steps)[1]

    return np.asarray(go(jnp.asarray(starts, dtype)))


def optax_path(
    tx: optax.GradientTransformation,
    loss: Loss,
    start: tuple[float, float],
    steps: int = STEPS,
    dtype: jnp.dtype = jnp.float64,
) -> np.ndarray:
    """Iterates x_1..x_steps of an optax optimizer on ``loss`` from one start."""
    return optax_paths(tx, loss, np.asarray([start]), steps, dtype)[0]


NUDGE = 1e-14
"""A change of the start far below float32 resolution: a stable reference must not notice it."""


def stable_reference(tx: optax.GradientTransformation, loss: Loss, start: tuple[float, float], what: str) -> np.ndarray:
    """The optax path from ``start``, checked to be insensitive to rounding-sized changes.

    A comparison at rtol 1e-5 is only meaningful on a path that does not amplify rounding:
    on a chaotic one (Adadelta at lr 2, rho 0.85 on the rotated bowl turned a 1e-15 change
    of the start into a 1.4e-4 relative change by step ~135), any change of operation order
    or FMA contraction between machines breaks the comparison although both formulas are
    right. So each reference is also run from starts nudged by :data:`NUDGE`; if those
    leave a tenth of the tolerance, the test settings are at fault, not the optimizer.
    """
    starts = np.asarray(start) + np.array([[0.0, 0.0], [NUDGE, NUDGE], [-NUDGE, NUDGE]])
    ref, *nudged = optax_paths(tx, loss, starts)
    for path in nudged:
        np.testing.assert_allclose(
            path, ref, rtol=RTOL / 10, atol=ATOL, err_msg=f"{what}: reference amplifies rounding (bad test settings)"
        )
    return ref


def assert_paths_close(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    """Every iterate equal to rtol 1e-5; the paths must also be finite and actually move."""
    assert np.all(np.isfinite(ref)), f"{what}: reference path is not finite (bad test settings)"
    assert np.ptp(ref, axis=0).max() > 1e-2, f"{what}: reference path barely moves (weak test)"
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL, err_msg=what)


OPTAX_CHECKED = sorted(key for key, spec in optimizers.REGISTRY.items() if spec.optax_reference is not None)
"""Every optimizer whose module declares an optax reference (``OptimizerSpec.optax_reference``)."""


def test_the_optax_check_finds_the_declared_references() -> None:
    """The comparison below runs for the optimizers with an optax twin; Newton has none (own tests below)."""
    assert {"sgd", "momentum", "adam", "adamw", "adabelief"} <= set(OPTAX_CHECKED)
    assert "newton" not in OPTAX_CHECKED


# ----------------------------------------------------------------------------- against optax


@pytest.mark.parametrize("key", OPTAX_CHECKED)
def test_matches_optax_step_for_step(key: str, x64: None) -> None:
    """The module's own optax reference, at its non-default check settings, on every test landscape."""
    reference = optimizers.get(key).optax_reference
    settings = dict(reference.check_with)
    for name, (loss, start) in LANDSCAPES.items():
        ours, _ = engine_path(key, settings, loss, start)
        ref = stable_reference(
            reference.make({k: f32(v) for k, v in settings.items()}), loss, start, f"{key} on {name}"
        )
        assert_paths_close(ours, ref, f"{key} on {name}")


def test_adagrad_puts_eps_outside_the_root() -> None:
    """One step from s=0 with a large eps: g / (sqrt(g^2) + eps), not g / sqrt(g^2 + eps)."""
    opt = optimizers.get("adagrad").make()
    g = jnp.asarray([3.0, -4.0])
    hp = {"lr": jnp.float32(0.1), "eps": jnp.float32(0.5)}
    update, state = opt.update(g, opt.init(g), g, hp)
    np.testing.assert_allclose(update, -0.1 * np.array([3.0 / 3.5, -4.0 / 4.5]), rtol=1e-6)
    np.testing.assert_allclose(state.sum_of_squares, [9.0, 16.0])


def test_adamw_is_adam_plus_decoupled_decay_as_in_optax(x64: None) -> None:
    spec = optimizers.get("adamw")
    assert spec.default_wd_mode == "decoupled" and spec.option_defaults == {"weight_decay": 0.01}
    assert OptimizerRun.build("adamw").values["weight_decay"] == 0.01
    settings = {"lr": 0.04, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3, "weight_decay": 0.2}
    for name, (loss, start) in LANDSCAPES.items():
        ours, _ = engine_path("adamw", settings, loss, start)
        ref = optax_path(
            optax.adamw(f32(0.04), b1=f32(0.8), b2=f32(0.99), eps=f32(1e-3), weight_decay=f32(0.2)), loss, start
        )
        assert_paths_close(ours, ref, f"adamw on {name}")
        plain = optax_path(optax.adam(f32(0.04), b1=f32(0.8), b2=f32(0.99), eps=f32(1e-3)), loss, start)
        assert np.abs(ours[-1] - plain[-1]).max() > 1e-2, "the decay must change the path"


def test_lion_decoupled_weight_decay_matches_optax(x64: None) -> None:
    assert optimizers.get("lion").default_wd_mode == "decoupled"
    settings = {"lr": 0.01, "beta1": 0.85, "beta2": 0.98, "weight_decay": 0.5}
    for name, (loss, start) in LANDSCAPES.items():
        ours, _ = engine_path("lion", settings, loss, start)
        ref = optax_path(optax.lion(f32(0.01), b1=f32(0.85), b2=f32(0.98), weight_decay=f32(0.5)), loss, start)
        assert_paths_close(ours, ref, f"lion + decay on {name}")
        plain = optax_path(optax.lion(f32(0.01), b1=f32(0.85), b2=f32(0.98), weight_decay=0.0), loss, start)
        assert np.abs(ours[-1] - plain[-1]).max() > 1e-2, "the decay must change the path"


# ----------------------------------------------------------------------------- weight decay


def test_sgd_coupled_l2_is_sgd_on_the_penalised_loss() -> None:
    """In float32, as the app runs: the path of SGD on f + (w/2)|x|^2.

    Against SGD with the gradient written out, grad f(x) + w x (exactly the float32
    gradient of the penalty: (w/2)(2x) rounds like w x), and against ``jax.grad`` of
    the penalised loss, the paths agree to within one float32 ulp of the path's scale:
    the engine's compiled loop may contract a multiply and an add into one FMA where
    the step-by-step reference rounds twice. A wrong penalty (w/2 x, or none) moves
    the path by thousands of ulps.
    """
    lr, w = f32(1e-3), f32(0.3)
    for name, (loss, start) in LANDSCAPES.items():
        ours, _ = engine_path("sgd", {"lr": lr, "weight_decay": w}, loss, start, dtype=jnp.float32)
        assert ours.dtype == np.float32
        grad_f = jax.jit(jax.grad(loss))
        grad_penalised = jax.jit(jax.grad(lambda x, loss=loss: loss(x) + (w / 2) * jnp.sum(x * x)))
        for grad in (lambda x, g=grad_f: g(x) + w * x, grad_penalised):
            x = jnp.asarray(start, jnp.float32)
            ref = []
            for _ in range(STEPS):
                x = x - lr * grad(x)
                ref.append(np.asarray(x))
            ref = np.stack(ref)
            assert np.all(np.isfinite(ref))
            ulp = np.spacing(np.abs(ref).max().astype(np.float32))
            assert np.abs(ours - ref).max() <= ulp, f"sgd + L2 on {name}: more than 1 ulp from the penalised loss"
        plain, _ = engine_path("sgd", {"lr": lr}, loss, start, dtype=jnp.float32)
        assert np.abs(plain[-1] - ours[-1]).max() > 1e-3, "the decay must change the path"


def test_adam_l2_is_a_loss_penalty_and_differs_from_adamw(x64: None) -> None:
    """Coupled L2 = Adam on the penalised loss; AdamW with the same lambda goes elsewhere."""
    w = f32(0.5)
    common = {"lr": 0.04, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": w}
    for name, (loss, start) in LANDSCAPES.items():
        l2, _ = engine_path("adam", {**common, "wd_mode": "l2"}, loss, start)
        penalised = optax_path(
            optax.adam(f32(0.04), b1=f32(0.9), b2=f32(0.999), eps=f32(1e-8)),
            lambda x, loss=loss: loss(x) + (w / 2) * jnp.sum(x * x),
            start,
        )
        assert_paths_close(l2, penalised, f"adam + L2 on {name}")
        decoupled, _ = engine_path("adamw", common, loss, start)
        gap = np.linalg.norm(l2 - decoupled, axis=1)
        assert gap.max() > 0.1, f"{name}: Adam+L2 and AdamW should follow clearly different paths"


# ----------------------------------------------------------------------------- clipping


def steep(x: jax.Array) -> jax.Array:
    """A bowl whose gradient norm is ~100 at the start: clipping is active for many steps."""
    return 25.0 * (x[0] - 1.0) ** 2 + 5.0 * (x[1] + 0.5) ** 2 + x[0] ** 4


def test_clipping_bounds_every_sgd_step_and_matches_optax(x64: None) -> None:
    lr, c = f32(0.01), f32(2.0)
    start = (-2.0, 3.0)
    ours, updates = engine_path("sgd", {"lr": lr, "clip_norm": c}, steep, start)
    norms = np.linalg.norm(updates, axis=1)
    assert np.all(norms <= lr * c * (1 + 1e-12))
    path = np.vstack([start, ours])
    raw = np.linalg.norm(np.asarray(jax.vmap(jax.grad(steep))(jnp.asarray(path[:-1]))), axis=1)
    assert (raw > 10 * c).sum() >= 10, "clipping must actually be active (weak test otherwise)"
    assert np.allclose(norms[raw > c], lr * c, rtol=1e-9), "a clipped step has length exactly lr * c"
    ref = optax_path(optax.chain(optax.clip_by_global_norm(c), optax.sgd(lr)), steep, start)
    assert_paths_close(ours, ref, "sgd + clipping")
    unclipped, _ = engine_path("sgd", {"lr": lr}, steep, start)
    assert np.abs(unclipped[5] - ours[5]).max() > 0.1


# ----------------------------------------------------------------------------- Newton


def test_newton_solves_a_quadratic_in_one_step(x64: None) -> None:
    for start in [(-2.0, 2.0), (3.0, 1.0)]:
        xs, _ = engine_path("newton", {"lr": 1.0, "damping": 0.0}, quadratic, start, steps=3)
        np.testing.assert_allclose(xs, np.tile(_CENTRE, (3, 1)), rtol=0, atol=1e-12)
    # Damping shortens the step exactly as (H + delta I)^{-1} g says.
    start = np.array([-2.0, 2.0])
    (x1, *_), _ = engine_path("newton", {"lr": 0.5, "damping": 2.0}, quadratic, tuple(start), steps=1)
    expected = start - f32(0.5) * np.linalg.solve(_A + 2.0 * np.eye(2), _A @ (start - _CENTRE))
    np.testing.assert_allclose(x1, expected, rtol=1e-12)


def newton_reference(loss: Loss, start: tuple[float, float], lr: float, damping: float, steps: int) -> np.ndarray:
    """A plain float64 loop: x <- x - lr * solve(hessian + damping I, gradient)."""
    grad, hess = jax.grad(loss), jax.hessian(loss)
    newton_step = jax.jit(lambda x: x - lr * jnp.linalg.solve(hess(x) + damping * jnp.eye(2), grad(x)))
    x = jnp.asarray(start, jnp.float64)
    out = []
    for _ in range(steps):
        x = newton_step(x)
        out.append(np.asarray(x))
    return np.stack(out)


def test_newton_matches_a_reference_loop(x64: None) -> None:
    lr, damping = f32(0.5), f32(0.1)
    for name, (loss, start) in LANDSCAPES.items():
        ours, _ = engine_path("newton", {"lr": lr, "damping": damping}, loss, start, steps=60)
        assert_paths_close(ours, newton_reference(loss, start, lr, damping, 60), f"newton on {name}")
    ours, _ = engine_path("newton", {"lr": 1.0, "damping": 0.0}, rosenbrock, (-1.5, 2.0), steps=30)
    np.testing.assert_allclose(ours[-1], [1.0, 1.0], atol=1e-10)


def test_newton_with_l2_decay_is_newton_on_the_penalised_loss(x64: None) -> None:
    """The engine adds lambda*I to the Hessian as well as lambda*x to the gradient."""
    w = f32(0.5)
    ours, _ = engine_path("newton", {"lr": 1.0, "damping": 0.0, "weight_decay": w}, himmelblau, (3.5, 2.5), steps=20)
    ref = newton_reference(lambda x: himmelblau(x) + (w / 2) * jnp.sum(x * x), (3.5, 2.5), 1.0, 0.0, 20)
    assert_paths_close(ours, ref, "newton + L2")


# ----------------------------------------------------------------------------- optax adapter


def test_adapter_wraps_other_optax_factories(x64: None) -> None:
    """from_optax is generic: optax.yogi registered ad hoc matches optax.yogi."""
    spec = from_optax(
        "yogi_test",
        "Yogi",
        optax.yogi,
        base.hyperparams(base.lr(0.05), base.beta1(0.9), base.beta2(0.999), base.eps(1e-3)),
        arg_names={"beta1": "b1", "beta2": "b2"},
        latex=r"x_{t+1} = \mathrm{yogi}([[lr]], [[beta1]], [[beta2]], [[eps]])",
    )
    opt = spec.make()
    hp = {"lr": 0.03, "beta1": 0.8, "beta2": 0.99, "eps": 1e-2}
    tx = optax.yogi(0.03, b1=0.8, b2=0.99, eps=1e-2)
    grad = jax.grad(himmelblau)

    @jax.jit
    def both(x0: jax.Array, hp: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
        def body(carry, _):
            (x, s), (y, r) = carry
            u, s = opt.update(grad(x), s, x, hp)
            v, r = tx.update(grad(y), r, y)
            return ((x + u, s), (y + v, r)), (x + u, y + v)

        return jax.lax.scan(body, ((x0, opt.init(x0)), (x0, tx.init(x0))), None, length=STEPS)[1]

    ours, ref = both(jnp.asarray([0.5, -1.0]), {k: jnp.asarray(v, jnp.float64) for k, v in hp.items()})
    assert_paths_close(np.asarray(ours), np.asarray(ref), "from_optax(yogi)")
    with pytest.raises(ValueError, match="lr"):
        from_optax("bad", "Bad", optax.adam, base.hyperparams(base.beta1()), latex="")
    with pytest.raises(ValueError, match="unknown"):
        from_optax("bad", "Bad", optax.adam, base.hyperparams(base.lr()), arg_names={"beta1": "b1"}, latex="")


# ----------------------------------------------------------------------------- specs


SHARED = {f.__name__: f for f in (base.lr, base.momentum, base.beta1, base.beta2, base.eps, base.rho)}
"""The shared hyperparameter declarations of optimizers/base.py, by name."""


@pytest.mark.parametrize("key", sorted(optimizers.REGISTRY))
def test_spec_metadata(key: str) -> None:
    spec = optimizers.get(key)
    assert spec.key == key and spec.name and spec.paper and spec.summary
    names = [h.name for h in spec.hypers]
    assert len(set(names)) == len(names) and names[0] == "lr"
    assert set(names) <= {"lr", "momentum", "beta1", "beta2", "eps", "rho", "damping"}
    for h in spec.hypers:
        assert h.low <= h.default <= h.high, f"{key}.{h.name} default out of range"
        assert not (h.log and h.low <= 0), f"{key}.{h.name}: a log slider needs a positive range"
        if h.name in SHARED:
            assert h == SHARED[h.name](h.default), f"{key}.{h.name} must use the shared declaration"
    options = {p.name: p for p in OPTION_HYPERS}
    for name, value in spec.option_defaults.items():
        assert options[name].low <= value <= options[name].high
    assert spec.needs_hessian == (key == "newton")
    OptimizerRun.build(key)  # defaults validate

    # The formula: tokens name this spec's hyperparameters, and every hyperparameter shows.
    tokens = set(re.findall(r"\[\[(\w+)\]\]", spec.latex))
    assert tokens == set(names), f"{key}: latex tokens {tokens} vs hyperparameters {names}"
    symbolic = spec.render_latex()
    numeric = spec.render_latex(spec.defaults())
    for text in (symbolic, numeric):
        assert "[[" not in text and "]]" not in text
        assert text.count("{") == text.count("}") and text.count(r"\left") == text.count(r"\right")
        assert ("\\\\" in text) == text.startswith(r"\begin{aligned}") == text.endswith(r"\end{aligned}")
    assert r"\eta" in symbolic and "g_t" in symbolic
    tiny = spec.render_latex({name: 1.5e-5 for name in names})  # numbers in scientific form
    assert tiny.count(r"\times 10^{-5}") == spec.latex.count("[[") and not re.search(r"10\^\{-?\d+\}\^", tiny)
    assert spec.render_latex({"lr": 0.0123}).count("0.0123") == spec.latex.count("[[lr]]") >= 1


@pytest.mark.parametrize("key", sorted(optimizers.REGISTRY))
def test_traced_settings_state_velocity_and_defaults(key: str) -> None:
    """One compiled step serves every setting; state and velocity are well formed; defaults descend.

    Float32, as the app runs. With the demo defaults, 300 steps on the tilted bowl cut
    the loss at least tenfold; changing every setting (including the options) reuses
    the compiled step.
    """
    spec = optimizers.get(key)
    opt = spec.make()
    grad, hess = jax.grad(quadratic), jax.hessian(quadratic)
    step = jax.jit(lambda x, s, hp: apply_step(spec, opt, x, s, grad(x), hp, hp["lr"], hess(x)))
    start = jnp.asarray(LANDSCAPES["quadratic"][1], jnp.float32)
    x, state = start, opt.init(start)
    hp = OptimizerRun.build(key).traced()
    for t in range(300):
        result = step(x, state, hp)
        x, state = result.params, result.state
        if t == 0:
            for leaf in jax.tree_util.tree_leaves(state):
                assert leaf.dtype in (jnp.float32, jnp.int32), f"{key}: state leaf of dtype {leaf.dtype}"
            assert jax.tree_util.tree_structure(state) == jax.tree_util.tree_structure(opt.init(start))
            if spec.velocity is None:
                assert not spec.velocity_label
            else:
                assert spec.velocity_label
                assert spec.velocity(state).shape == (2,) and float(jnp.linalg.norm(spec.velocity(state))) > 0
                np.testing.assert_array_equal(result.velocity, spec.velocity(state))
    initial, final = float(quadratic(start)), float(quadratic(x))
    assert np.isfinite(final) and final < 0.1 * initial, f"{key} defaults: loss {initial} -> {final}"
    other = {"lr": 0.002, "weight_decay": 0.1, "clip_norm": 3.0, "wd_mode": "decoupled"}
    assert np.all(np.isfinite(step(start, opt.init(start), OptimizerRun.build(key, other).traced()).params))
    assert step._cache_size() == 1, f"{key} recompiled when a setting changed"


def test_damping_is_a_bounded_linear_param() -> None:
    damping = optimizers.get("newton").hyper("damping")
    assert isinstance(damping, Param) and damping.low == 0.0 and not damping.log
