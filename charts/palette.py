"""Colours for optimizer runs: the Okabe-Ito colour-blind-safe set, then two more."""

from __future__ import annotations

RUN_COLOURS: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # green
    "#D55E00",  # vermillion
    "#CC79A7",  # purple
    "#0072B2",  # blue
    "#F0E442",  # yellow
    "#FFFFFF",  # white
)


def run_colour(index: int) -> str:
    """Colour of the ``index``-th run on every chart of a page."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]
