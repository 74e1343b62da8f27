"""Engine benchmark (issue 2): prints medians of repeated runs on this machine.

Run: ``.venv/bin/python -m benchmarks.engine_bench``. Workloads:
compile time of a new pairing; 8 optimizers x 1000 steps on Rosenbrock in one call;
1024 seeds x 1000 steps of minibatch SGD (B = 32); a 128 x 128 (lr, momentum) grid x
500 steps on the bowl (kappa = 100, the largest map the Sweeps page draws); and the 8 x 1000
workload done the usual way (a Python loop over steps with optax, and with a hand-written
numpy update). Targets (issue 14): 8 x 1000 <= 2 ms, 1024 seeds <= 600 ms, 128 x 128 grid <= 100 ms.
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("DESCENT_LAB_JAX_CACHE", tempfile.mkdtemp(prefix="descent-bench-cache-"))

import jax
import jax.numpy as jnp
import numpy as np
import optax

import landscapes
from benchmarks.timing import median_ms, row
from engine.simulate import simulate, simulate_many

EIGHT = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lion"]
START = (-1.5, 2.0)


def compile_time() -> float:
    """Seconds to trace and compile one new landscape/optimizer pairing (empty disk cache)."""
    start = time.perf_counter()
    simulate("himmelblau", "nadam", start=(0.0, 0.0), steps=1000)
    return time.perf_counter() - start


def python_loop_optax(steps: int = 1000) -> None:
    """The usual visualizer: a jitted optax step called from a Python loop, per optimizer."""
    f = landscapes.get("rosenbrock").loss_function()
    for tx in _optax_eight():
        step = _jitted_step(tx, f)
        x = jnp.asarray(START, jnp.float32)
        state = tx.init(x)
        path = [np.asarray(x)]
        for _ in range(steps):
            x, state = step(x, state)
            path.append(np.asarray(x))


_STEPS: dict[int, object] = {}


def _jitted_step(tx, f):
    key = id(tx)
    if key not in _STEPS:

        @jax.jit
        def step(x, state):
            updates, state = tx.update(jax.grad(f)(x), state, x)
            return optax.apply_updates(x, updates), state

        _STEPS[key] = step
    return _STEPS[key]


_OPTAX = None


def _optax_eight():
    global _OPTAX
    if _OPTAX is None:
        _OPTAX = [
            optax.sgd(1e-3),
            optax.sgd(1e-3, momentum=0.9),
            optax.sgd(1e-3, momentum=0.9, nesterov=True),
            optax.adagrad(0.1),
            optax.rmsprop(0.01),
            optax.adam(0.01),
            optax.adamw(0.01),
            optax.lion(0.001),
        ]
    return _OPTAX


def python_loop_numpy(steps: int = 1000) -> None:
    """A hand-written numpy Adam with the analytic Rosenbrock gradient, eight times."""
    for _ in range(8):
        x = np.array(START)
        m = np.zeros(2)
        v = np.zeros(2)
        path = [x.copy()]
        for t in range(1, steps + 1):
            g = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            x = x - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
            path.append(x.copy())


def main() -> None:
    print(
        f"jax {jax.__version__} on {jax.default_backend()} ({os.cpu_count()} cpus, {len(jax.devices())} devices);"
        " medians of repeated runs"
    )
    print(row("compile a new pairing (himmelblau x nadam, 1000 steps)", compile_time(), "s"))

    eight = median_ms(lambda: simulate("rosenbrock", EIGHT, start=START, steps=1000), repeats=30)
    print(row("8 optimizers x 1000 steps, Rosenbrock, one call (warm)", eight, "ms", "target <= 2 ms"))

    mb = landscapes.get("minibatch")
    seeds = np.arange(1024)
    seeds_ms = median_ms(
        lambda: simulate_many(mb, ("sgd", {"lr": 0.05}), seeds=seeds, batch_size=32, steps=1000), repeats=5, warmup=1
    )
    print(row("1024 seeds x 1000 steps, minibatch SGD B=32 (warm)", seeds_ms, "ms", "target <= 600 ms"))

    lr, mom = np.meshgrid(np.geomspace(1e-3, 2.0, 128), np.linspace(0.0, 0.99, 128))
    grid = {"lr": lr.ravel(), "momentum": mom.ravel()}
    grid_ms = median_ms(
        lambda: simulate_many("bowl", "momentum", hyper_grid=grid, steps=500, landscape_params={"kappa": 100.0}),
        repeats=10,
    )
    print(row("128 x 128 (lr, momentum) grid x 500 steps, bowl kappa=100", grid_ms, "ms", "target <= 100 ms"))

    loop_optax = median_ms(python_loop_optax, repeats=3, warmup=1)
    loop_numpy = median_ms(python_loop_numpy, repeats=3, warmup=1)
    print(row("same 8 x 1000 as a Python loop over jitted optax steps", loop_optax, "ms"))
    print(row("same 8 x 1000 as a Python loop, hand-written numpy Adam", loop_numpy, "ms"))
    print(row("speed-up of the engine over the optax loop", loop_optax / eight, "x", "target >= 20x"))
    print(row("speed-up of the engine over the numpy loop", loop_numpy / eight, "x"))


if __name__ == "__main__":
    main()
