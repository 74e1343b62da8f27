"""A family of paths across one setting's slider positions: what the live map scrubs through while dragging.

While a student drags a setting's slider in the map, the browser swaps between paths it
already holds; each is the engine's own path for the value shown beside the slider
(never an interpolation between paths). All of them come from one vmapped engine call,
so a family of 48 paths costs about what one path costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.scenario import Scenario
from engine.simulate import simulate_many


@dataclass(frozen=True)
class Family:
    """Paths of run ``run`` across values of its setting ``name``, every other setting as in the scenario.

    ``paths[k]`` is the engine's path for ``values[k]``, kept at the steps ``indices``
    (evenly spaced, the first and the last step included); ``diverged_at[k]`` is the step
    at which it diverged, or -1.
    """

    run: int
    name: str
    values: np.ndarray
    indices: np.ndarray
    paths: np.ndarray
    diverged_at: np.ndarray


def kept_steps(steps: int, points: int) -> np.ndarray:
    """At most ``points`` evenly spaced steps from 0 to ``steps``, both ends included."""
    return np.unique(np.round(np.linspace(0, steps, min(points, steps + 1))).astype(int))


def path_family(scenario: Scenario, run: int, name: str, values: Sequence[float], points: int) -> Family:
    """Run ``scenario.runs[run]`` once per value of its setting ``name`` in one vmapped call.

    Raises ``ValueError`` (from the engine) for an unknown setting or a value out of its range.
    """
    values = np.asarray(values, np.float64)
    batch = simulate_many(
        scenario.surface,
        scenario.runs[run],
        starts=np.asarray(scenario.start, np.float64),
        seeds=scenario.seed,
        hyper_grid={name: values},
        batch_size=scenario.batch_size,
        steps=scenario.steps,
        landscape_params=scenario.landscape_params,
        keep_paths=True,
    )
    indices = kept_steps(scenario.steps, points)
    return Family(
        run=run,
        name=name,
        values=values,
        indices=indices,
        paths=np.ascontiguousarray(batch.paths[:, indices], np.float32),
        diverged_at=batch.diverged_at,
    )
