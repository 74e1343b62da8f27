"""A user's formula on the page: where it is undefined, the map and the 3D view show nothing, and say so."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import pytest

from charts.contour import contour_traces
from charts.encoding import decode
from charts.live_map import RASTER_RESOLUTION
from charts.surface3d import GRID_RESOLUTION, surface_figure
from engine.grid import surface_grid
from landscapes.custom import DEFAULT_DOMAIN, custom_landscape
from tests.apptest_helpers import errors, map_figure, run_app
from ui.playground_view import playground_surface

STRIPES = "sqrt(cos(2*pi*(x + 3)/0.15) - 0.5) + y**2"
"""Issue #12's formula (from /?land=custom&f=sqrt(cos(2*pi*(x%2B3)/0.15)%20-%200.5)%20%2B%20y**2)."""


def _stripes_undefined(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """On the map's grid over (-3, 3)^2: where the formula is undefined, and where that is clear of rounding."""
    xs = np.linspace(-3, 3, resolution, dtype=np.float32).astype(np.float64)
    inside = np.cos(2 * np.pi * (xs + 3) / 0.15) - 0.5
    undefined, clear = inside < 0, np.abs(inside) > 1e-3
    return np.tile(undefined, (resolution, 1)), np.tile(clear, (resolution, 1))


def _png_pixels(source: str) -> np.ndarray:
    """The pixels (rows top to bottom, RGB or RGBA) of a data-URL PNG as written by charts.raster (filter 0 rows)."""
    data = base64.b64decode(source.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + data[at + 8 : at + 8 + length]
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in (2, 6)
    channels = 4 if colour == 6 else 3
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, 1 + width * channels)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(height, width, channels)


def test_undefined_cells_are_gaps_in_the_contour_not_the_highest_loss() -> None:
    land = custom_landscape(STRIPES, DEFAULT_DOMAIN)
    traces, _ = contour_traces(land, {}, surface_grid(land, {}))
    contour = traces[0]
    z = decode(contour["z"])
    undefined, clear = _stripes_undefined(z.shape[0])
    assert np.isnan(z[undefined & clear]).all()
    assert np.isfinite(z[~undefined & clear]).all()
    assert contour.get("connectgaps") is False  # plotly.js leaves the NaN cells empty
    assert undefined.mean() == pytest.approx(2 / 3, abs=0.02)


def map_picture(land) -> np.ndarray:
    """The pixels of the live map's surface picture of ``land``."""
    return _png_pixels(playground_surface(land, land.resolve()).layout["images"][0]["source"])


def test_undefined_cells_are_hatched_in_the_map_picture_never_coloured() -> None:
    land = custom_landscape(STRIPES, DEFAULT_DOMAIN)
    pixels = map_picture(land)
    assert pixels.shape[2] == 4, "undefined cells need an alpha channel"
    n = RASTER_RESOLUTION
    scale = pixels.shape[0] // n
    undefined, clear = _stripes_undefined(n)
    # cells[i, j] holds the pixels of grid cell (xs[j], ys[i]); picture rows run top down, y bottom up.
    cells = pixels[::-1].reshape(n, scale, n, scale, 4).transpose(0, 2, 1, 3, 4)
    alpha = cells[..., 3]
    assert (alpha[undefined & clear] < 255).all(), "no undefined cell is painted opaque"
    assert (alpha[~undefined & clear] == 255).all()
    lines = cells[undefined & clear][alpha[undefined & clear] > 0]
    assert len(lines) and (lines[:, 0] == lines[:, 1]).all() and (lines[:, 1] == lines[:, 2]).all()  # grey hatch


def test_undefined_cells_are_holes_in_the_3d_surface() -> None:
    land = custom_landscape(STRIPES, DEFAULT_DOMAIN)
    z = decode(surface_figure(land, {}, [], surface_grid(land, {}, GRID_RESOLUTION))["data"][0]["z"])
    undefined, clear = _stripes_undefined(z.shape[0])
    assert np.isnan(z[undefined & clear]).all() and np.isfinite(z[~undefined & clear]).all()


def test_a_built_in_surface_picture_is_unchanged_opaque_rgb() -> None:
    from landscapes import get

    pixels = map_picture(get("rosenbrock"))
    assert pixels.shape == (RASTER_RESOLUTION, RASTER_RESOLUTION, 3)


def test_the_playground_says_how_much_of_the_map_is_undefined() -> None:
    at = run_app({"land": "custom", "f": "sqrt(cos(2*pi*(x+3)/0.15) - 0.5) + y**2"})
    assert not errors(at)
    notes = [info.value for info in at.info]
    assert any("67% of the plotted area" in note and "hatched" in note for note in notes), notes
    pixels = _png_pixels(map_figure(at)["layout"]["images"][0]["source"])
    assert (pixels[..., 3] < 255).mean() == pytest.approx(2 / 3, abs=0.02), "the map hatches what the notice says"


def test_a_defined_formula_shows_no_undefined_notice() -> None:
    at = run_app({"land": "custom", "f": "x**2 + 3*y**2"})
    assert not errors(at) and not [info.value for info in at.info if "plotted area" in info.value]
