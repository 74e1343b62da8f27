"""The loss surface as a picture (a PNG in ``layout.images``): the live map's surface.

A layout image is painted by the browser and never recomputed by plotly.js, so the live
map can redraw its paths at frame rate over it (see :mod:`charts.live_map` for the figures).

Cells with no value (NaN: a user's formula undefined there) are hatched -- thin grey
diagonal lines on a transparent ground -- so they read as "nothing here", never as a
loss. Only a picture that has such cells is drawn at ``HATCH_SCALE`` pixels per cell
(the lines need finer pixels than a cell) and with an alpha channel.
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

HATCH_SCALE = 4
"""Pixels per cell side in a picture with undefined cells."""
HATCH_PERIOD = 8
"""Pixels between hatch lines (along a row)."""
HATCH_RGBA = (160, 160, 160, 210)
"""Colour of the hatch lines: a mid grey that shows on a light and on a dark page."""


def _png(pixels: np.ndarray) -> bytes:
    """A minimal 8-bit PNG of ``pixels`` (rows top to bottom; 3 channels RGB, 4 RGBA)."""
    height, width, channels = pixels.shape
    rows = b"".join(b"\x00" + pixels[i].astype(np.uint8).tobytes() for i in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def _hatched(rgb: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """RGBA pixels, ``HATCH_SCALE`` per cell: ``rgb`` where ``defined``, else grey diagonal lines on transparent."""
    big = np.repeat(np.repeat(rgb, HATCH_SCALE, axis=0), HATCH_SCALE, axis=1)
    inside = np.repeat(np.repeat(defined, HATCH_SCALE, axis=0), HATCH_SCALE, axis=1)
    rows, cols = np.indices(inside.shape)
    line = (rows + cols) % HATCH_PERIOD < 2
    rgba = np.zeros((*inside.shape, 4))
    rgba[..., :3] = np.where(inside[..., None], big, HATCH_RGBA[:3])
    rgba[..., 3] = np.where(inside, 255, np.where(line, HATCH_RGBA[3], 0))
    return rgba


def viridis(t: np.ndarray) -> np.ndarray:
    """RGB rows (0-255 floats) of Viridis at positions ``t`` in [0, 1], interpolated between its stops."""
    position = np.clip(t, 0.0, 1.0) * (len(VIRIDIS) - 1)
    below = np.clip(np.floor(position).astype(int), 0, len(VIRIDIS) - 2)
    frac = (position - below)[..., None]
    return np.round(VIRIDIS[below] * (1 - frac) + VIRIDIS[below + 1] * frac)


def _unit(plotted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``plotted`` mapped to [0, 1] over its finite range, and the mask of its finite cells."""
    defined = np.isfinite(plotted)
    values = plotted[defined] if defined.any() else np.zeros(1)
    lo, hi = float(np.min(values)), float(np.max(values))
    filled = np.where(defined, plotted, lo)
    return ((filled - lo) / (hi - lo) if hi > lo else np.zeros_like(filled)), defined


def _image(xs: np.ndarray, ys: np.ndarray, rgb: np.ndarray, defined: np.ndarray) -> dict[str, Any]:
    """A ``layout.images`` entry painting ``rgb`` (rows along y) over the cells centred on ``xs`` x ``ys``."""
    picture = _png((rgb if defined.all() else _hatched(rgb, defined))[::-1])  # y runs bottom to top, rows top down
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


BAND_LINE = 0.3
"""How far the pixels on a band's edge are lightened towards white: the contour lines of a banded picture."""
LINE_WIDTH = 1.0
"""Width of those lines in pixels; they fade out over their last pixel, so they are drawn without jagged steps."""


def banded_image(xs: np.ndarray, ys: np.ndarray, plotted: np.ndarray, levels: int = 30) -> dict[str, Any]:
    """A ``layout.images`` entry painting ``plotted`` (already on the colour scale) as a filled contour:
    ``levels`` flat bands with light edges, Viridis over the finite range, NaN cells hatched.

    Each band takes the Viridis colour of its middle. A pixel near a band's edge is
    lightened by up to :data:`BAND_LINE`, by how close it is in pixels (the distance to the
    edge in band units divided by how fast the bands change per pixel): the picture reads
    as the 30-level contour map the app drew before, as one image the browser paints
    without recomputing anything (see :mod:`charts.live_map`).
    """
    rgb, defined = banded_pixels(plotted, levels)
    return _image(xs, ys, rgb, defined)


def banded_pixels(plotted: np.ndarray, levels: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """The pixels of :func:`banded_image`, one per cell (row ``i`` is ``ys[i]``, so y runs upward), as
    RGB floats 0-255, and the mask of defined cells: shared with the animation export, which draws
    the same picture with Pillow.
    """
    t, defined = _unit(plotted)
    position = t * levels
    band = np.clip(np.floor(position), 0, levels - 1)
    rgb = viridis((band + 0.5) / levels)
    gy, gx = np.gradient(position)
    per_pixel = np.hypot(gx, gy)
    to_edge = np.abs(position - np.round(position))
    pixels = to_edge / np.maximum(per_pixel, 1e-9)
    strength = np.clip(LINE_WIDTH - pixels + 0.5, 0.0, 1.0) * BAND_LINE
    inside = (position > 0.5) & (position < levels - 0.5) & defined
    strength = np.where(inside, strength, 0.0)[..., None]
    return np.round(rgb + (255 - rgb) * strength), defined
