"""The network landscape page: its settings, and the cached runs and slices it draws.

Pieces are cached on exactly what they depend on (the optimizer's run on the optimizer and
epochs; the random slice on that run's endpoint, the radius and the direction seed), so a
changed radius reruns one slice, never the training. Cached values are numbers only; the
page builds its figures (which carry translated text) on every run, in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import optimizers
from core.i18n import N_
from core.page_scenario import PageScenario, setting
from engine.network import landscape as ls
from engine.network.sharpness import MODEL, initial_weights
from network.data import digits

OPTIMIZERS = tuple(ls.TRAJECTORY_LRS)
EPOCH_OPTIONS = (5, 10, 20)
RADIUS_OPTIONS = (0.25, 0.5, 1.0, 2.0)
DIRECTION_SEEDS = (0, 1, 2, 3)
INIT_SEED = 0
BATCH_SIZE = ls.BATCH_SIZE
"""Images per minibatch of the page's runs."""
INIT_SCALE = 1.0
"""The landscape page starts from the plain Glorot scale (the sharpness pages start flatter on purpose)."""


def optimizer_name(key: str) -> str:
    """The optimizer's display name and the learning rate the page uses for it."""
    return f"{optimizers.get(key).name_text()} (η = {ls.TRAJECTORY_LRS[key]:g})"


@dataclass(frozen=True)
class LandscapeScenario(PageScenario, page="netland"):
    """The network landscape page's settings."""

    optimizer: str = setting("sgd", N_("Optimizer"), options=OPTIMIZERS, format=optimizer_name)
    epochs: int = setting(ls.EPOCHS, N_("Epochs"), options=EPOCH_OPTIONS)
    radius: float = setting(
        1.0,
        N_("Slice half-width (filter-normalized)"),
        options=RADIUS_OPTIONS,
        help=N_("1 moves every unit's incoming weights by their own length along each direction."),
    )
    direction_seed: int = setting(0, N_("Random directions (seed)"), options=DIRECTION_SEEDS)
    compare: tuple[str, ...] = setting(
        (),
        N_("Compare endpoints of"),
        options=OPTIMIZERS,
        format=optimizer_name,
        most=3,
        help=N_("Two or three optimizers from the same start; their endpoints share one plane."),
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def trained(key: str, epochs: int) -> ls.TrainedPath:
    """One optimizer's run from the page's shared start (shared, never mutated)."""
    return ls.trained_path(MODEL, key, initial_weights(MODEL, INIT_SEED, INIT_SCALE), epochs=epochs)


@st.cache_resource(show_spinner=False, max_entries=32)
def random_slice(key: str, epochs: int, radius: float, seed: int) -> ls.Slice:
    """The loss on two filter-normalized random directions through the run's endpoint."""
    d = digits()
    return ls.random_slice(MODEL, trained(key, epochs).weights[-1], d.x_train, d.y_train, radius=radius, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=16)
def pca_slice(key: str, epochs: int) -> tuple[ls.TrajectoryPCA, ls.Slice]:
    """The run's PCA plane and the loss on it."""
    d = digits()
    return ls.trajectory_slice(MODEL, trained(key, epochs).weights, d.x_train, d.y_train)


@st.cache_resource(show_spinner=False, max_entries=16)
def endpoints_slice(keys: tuple[str, ...], epochs: int, seed: int) -> tuple[ls.EndpointPlane, ls.Slice]:
    """The plane through the endpoints of ``keys``' runs and the loss on it."""
    d = digits()
    ends = np.stack([trained(k, epochs).weights[-1] for k in keys])
    return ls.endpoint_slice(MODEL, ends, d.x_train, d.y_train, seed=seed)
