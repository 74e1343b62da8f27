"""The batch-size and flatness page: its settings, and the cached cells of the study (numbers only)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.i18n import N_, translator
from core.page_scenario import PageScenario, setting
from engine.network import batch_study as bs
from ui.network.training import batch_text

_ = translator("network_geometry")


@dataclass(frozen=True)
class BatchScenario(PageScenario, page="netbatch"):
    """The batch-size study's settings."""

    batches: tuple[int, ...] = setting(
        bs.DEFAULT_BATCHES, N_("Batch sizes"), options=bs.BATCH_OPTIONS, most=4, format=batch_text
    )
    lrs: tuple[float, ...] = setting(
        bs.DEFAULT_LRS, N_("Learning rates η"), options=bs.LR_OPTIONS, format=lambda v: f"{v:g}", most=2
    )
    seeds: int = setting(bs.DEFAULT_SEEDS, N_("Seeds per cell"), options=bs.SEED_OPTIONS)
    steps: int = setting(bs.DEFAULT_STEPS, N_("Steps per run"), options=bs.STEP_OPTIONS)


@st.cache_resource(show_spinner=False, max_entries=128)
def cell(batch_size: int, lr: float, seeds: int, steps: int) -> bs.Cell:
    """One batch size and learning rate: every seed trained and measured (shared, never mutated)."""
    return bs.run_cell(batch_size, lr, seeds, steps)
