"""The loss surface as a background picture (a PNG in ``layout.images``).

Plotly.js clears contour and heatmap layers of a subplot while it animates scatter
traces (the paths), and does not redraw them until the figure is drawn again. A
layout image is not a trace, so it stays: drawn under the contour, it keeps the
surface visible during the animation.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import numpy as np
from plotly.colors import hex_to_rgb, sequential

VIRIDIS = np.array([hex_to_rgb(c) for c in sequential.Viridis], np.float64)
"""Plotly's Viridis stops (the contour's colourscale), as RGB rows."""


def _png(rgb: np.ndarray) -> bytes:
    """A minimal 8-bit RGB PNG of ``rgb`` (rows top to bottom)."""
    height, width, _ = rgb.shape
    rows = b"".join(b"\x00" + rgb[i].astype(np.uint8).tobytes() for i in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def surface_image(xs: np.ndarray, ys: np.ndarray, plotted: np.ndarray) -> dict[str, Any]:
    """A ``layout.images`` entry painting ``plotted`` (already on the colour scale) over the axes' ranges.

    ``plotted[i, j]`` is the value at ``(xs[j], ys[i])``; the picture is coloured with
    Viridis from the minimum to the maximum of ``plotted``, like the contour above it.
    """
    lo, hi = float(np.min(plotted)), float(np.max(plotted))
    t = (plotted - lo) / (hi - lo) if hi > lo else np.zeros_like(plotted)
    position = t * (len(VIRIDIS) - 1)
    below = np.clip(np.floor(position).astype(int), 0, len(VIRIDIS) - 2)
    frac = (position - below)[..., None]
    rgb = VIRIDIS[below] * (1 - frac) + VIRIDIS[below + 1] * frac
    picture = _png(np.round(rgb[::-1]))  # image rows run top to bottom, y runs bottom to top
    dx = (xs[-1] - xs[0]) / (len(xs) - 1) / 2
    dy = (ys[-1] - ys[0]) / (len(ys) - 1) / 2
    return {
        "source": "data:image/png;base64," + base64.b64encode(picture).decode("ascii"),
        "xref": "x",
        "yref": "y",
        "x": float(xs[0] - dx),
        "y": float(ys[-1] + dy),
        "sizex": float(xs[-1] - xs[0] + 2 * dx),
        "sizey": float(ys[-1] - ys[0] + 2 * dy),
        "sizing": "stretch",
        "layer": "below",
    }
