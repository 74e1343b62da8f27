"""Colours for optimizer runs, ordered so that the first four never get confused.

The Playground shows four runs by default. Their colours (orange, sky blue, white, light
red) are at least 28 CIE76 units apart under normal vision and simulated protanopia,
deuteranopia and tritanopia, and at least 29 from every colour of the Viridis surface
underneath (``tests/test_chart_scale.py`` checks the first claim). The Okabe-Ito orange and
vermillion, once neighbours here, were 18 apart for deuteranopes: "two similar oranges".
Further runs take the remaining Okabe-Ito colours, which blend more with Viridis.
"""

from __future__ import annotations

RUN_COLOURS: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#FFFFFF",  # white
    "#FF4D4D",  # light red
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#B66DFF",  # violet
    "#009E73",  # bluish green
)


def run_colour(index: int) -> str:
    """Colour of the ``index``-th run on every chart of a page."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]
