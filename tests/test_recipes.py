"""ARCHITECTURE.md's two recipes, done: one new file in landscapes/ or optimizers/ is registered and runs.

Each test writes the recipe's module into a temporary folder added to the package's
``__path__`` (as if the file sat in the package), rebuilds the registry with the
package's own discovery, and runs the new entry through the engine.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import landscapes
import optimizers
from engine.simulate import simulate

NEW_LANDSCAPE = '''
"""A shifted, stretched bowl: the landscape recipe's example."""

from __future__ import annotations

from core.param import Param
from landscapes.base import Landscape


def loss(x, p):
    """(x - s)^2 + 3 y^2: minimum at (s, 0)."""
    return (x[0] - p["shift"]) ** 2 + 3.0 * x[1] ** 2


LANDSCAPE = Landscape(
    key="recipe_bowl",
    name="Recipe bowl",
    description="A bowl whose minimum the slider moves along x.",
    latex=r"f(x, y) = (x - s)^2 + 3 y^2",
    domain=((-3.0, 3.0), (-3.0, 3.0)),
    starts=((-2.5, 2.0),),
    loss_fn=loss,
    params=(Param("shift", "s", 1.0, -2.0, 2.0, help="where the minimum sits on x"),),
    minima=lambda p: ((p["shift"], 0.0),),
    order=5,
)
'''

NEW_OPTIMIZER = '''
"""signSGD: step by the sign of the gradient, the optimizer recipe's example."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import optax

from optimizers.base import OptaxReference, Optimizer, OptimizerSpec, hyperparams, lr


class SignSGDState(NamedTuple):
    """signSGD keeps no state."""


def sign_sgd() -> Optimizer:
    r"""signSGD (Bernstein et al., 2018): :math:`x_{t+1} = x_t - \\eta_t\\, \\mathrm{sign}(g_t)`."""

    def init(params):
        return SignSGDState()

    def update(grads, state, params, hp, **extra):
        return -hp["lr"] * jnp.sign(grads), state

    return Optimizer(init, update)


SPEC = OptimizerSpec(
    key="recipe_signsgd",
    name="signSGD",
    make=sign_sgd,
    hypers=hyperparams(lr(0.01)),
    latex=r"x_{t+1} = x_t - [[lr]]\\, \\mathrm{sign}(g_t)",
    paper="Bernstein et al. (2018), signSGD: Compressed Optimisation for Non-Convex Problems",
    summary="Steps of exactly lr along every coordinate, downhill.",
    order=5,
    optax_reference=OptaxReference(
        lambda s: optax.chain(optax.scale_by_sign(), optax.scale(-s["lr"])), check_with={"lr": 0.05}
    ),
)
'''


def add_module(package: ModuleType, folder: Path, name: str, source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write ``name.py`` into ``folder`` and make it a module of ``package`` for this test only."""
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
    monkeypatch.delitem(sys.modules, f"{package.__name__}.{name}", raising=False)


@pytest.fixture
def forget_modules() -> Iterator[None]:
    """Drop the recipe modules from ``sys.modules`` afterwards (their folder is gone)."""
    yield
    for name in ("landscapes.recipe_bowl", "optimizers.recipe_signsgd"):
        sys.modules.pop(name, None)


def test_a_new_landscape_is_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None) -> None:
    add_module(landscapes, tmp_path, "recipe_bowl", NEW_LANDSCAPE, monkeypatch)
    registry = landscapes.discover()
    assert list(registry)[:2] == ["recipe_bowl", "bowl"], "order=5 puts it before the bowl (10)"
    assert set(registry) - {"recipe_bowl"} == set(landscapes.REGISTRY)
    (run,) = simulate(registry["recipe_bowl"], "sgd", {"lr": 0.1}, steps=100, landscape_params={"shift": -1.5})
    np.testing.assert_allclose(run.path[0], [-2.5, 2.0])
    np.testing.assert_allclose(run.path[-1], [-1.5, 0.0], atol=1e-4)


def test_a_new_optimizer_is_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None) -> None:
    add_module(optimizers, tmp_path, "recipe_signsgd", NEW_OPTIMIZER, monkeypatch)
    registry = optimizers.discover()
    assert list(registry)[:2] == ["recipe_signsgd", "sgd"], "order=5 puts it before SGD (10)"
    assert set(registry) - {"recipe_signsgd"} == set(optimizers.REGISTRY)
    monkeypatch.setattr(optimizers, "REGISTRY", registry)

    spec = registry["recipe_signsgd"]
    (run,) = simulate("himmelblau", spec.key, spec.optax_reference.check_with, start=(0.5, -1.0), steps=60)
    # What tests/test_optimizers.py checks for every optimizer that declares an optax reference:
    tx = spec.optax_reference.make({"lr": np.float32(0.05)})
    loss = landscapes.get("himmelblau").loss_function()
    x = jnp.asarray([0.5, -1.0], jnp.float32)
    state, path = tx.init(x), []
    for _ in range(60):
        updates, state = tx.update(jax.grad(loss)(x), state, x)
        x = optax.apply_updates(x, updates)
        path.append(np.asarray(x))
    np.testing.assert_allclose(run.path[1:], np.array(path), rtol=1e-5, atol=1e-6)
    assert np.ptp(run.path, axis=0).max() > 0.5, "the run moves"
