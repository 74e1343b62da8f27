"""The sharpness page: its settings, and the cached runs with their eigenvalues (numbers only)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.i18n import N_
from core.page_scenario import PageScenario, setting
from engine.network import sharpness as sh


@dataclass(frozen=True)
class SharpnessScenario(PageScenario, page="netsharp"):
    """The sharpness page's settings."""

    lrs: tuple[float, ...] = setting(
        sh.DEFAULT_LRS, N_("Learning rates η"), options=sh.LR_OPTIONS, format=lambda v: f"{v:g}", most=3
    )
    steps: int = setting(sh.DEFAULT_STEPS, N_("Steps"), options=sh.STEP_OPTIONS)
    sgd: bool = setting(True, N_("Also minibatch SGD"))
    batch_size: int = setting(sh.DEFAULT_BATCH, N_("SGD batch size"), options=sh.BATCH_OPTIONS)


@st.cache_resource(show_spinner=False, max_entries=64)
def runs(lr: float, steps: int, batch_size: int | None) -> sh.SharpnessRun:
    """One learning rate's run and its sharpness (full batch when ``batch_size`` is None)."""
    (run,) = sh.sharpness_runs((lr,), steps, batch_size)
    return run
