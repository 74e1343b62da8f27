"""Colour bars tick on round losses; run colours stay apart for colour-blind readers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from charts.palette import RUN_COLOURS
from charts.scale import LossScale, tick_label

ROUND_MANTISSAS = {1.0, 2.0, 5.0}


def is_round(label: str) -> bool:
    value = abs(float(label))
    if value == 0:
        return True
    mantissa = value / 10.0 ** np.floor(np.log10(value))
    return any(np.isclose(mantissa, m) for m in ROUND_MANTISSAS)


@pytest.mark.parametrize(
    "z",
    [
        np.geomspace(1e-6, 1e3, 400),  # a bowl: minimum 0
        np.concatenate([[5.12], np.geomspace(5.2, 1000, 400)]),  # floor 5.12 (once read "5.12, 14.1, 104, 1e+03")
        np.concatenate([[0.225], np.geomspace(0.23, 10.1, 400)]),  # once "0.225, 1.13, 10.1"
        np.concatenate([[-78.3], -78.3 + np.geomspace(1e-3, 300, 400)]),  # a negative minimum
    ],
    ids=["from-zero", "floor-5.12", "floor-0.225", "negative-floor"],
)
def test_log_colour_bar_ticks_are_round_spaced_and_inside(z: np.ndarray) -> None:
    scale = LossScale.fit(z)
    assert scale.log
    positions, labels = scale.ticks(z)
    assert len(labels) >= 3, labels
    assert all(is_round(label) for label in labels), labels
    values = np.array([float(label) for label in labels])
    assert np.all((values >= z.min()) & (values <= z.max())), labels
    assert np.all(np.diff(positions) > 0)
    span = float(np.ptp(scale.apply(z)))
    assert np.diff(positions).min() >= span / 14 - 1e-6, "ticks crowd together"
    assert len(labels) <= 14


def test_tick_labels_read_as_written() -> None:
    assert [tick_label(v) for v in (0.0, 0.001, 0.5, 20.0, 5000.0, 1e5, 2e-4, -50.0)] == [
        "0",
        "0.001",
        "0.5",
        "20",
        "5000",
        "1e+5",
        "2e-4",
        "-50",
    ]


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_lab(rgb: np.ndarray) -> np.ndarray:
    xyz = rgb @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
DICHROMACY = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
MIN_DELTA_E = 25.0
"""CIE76 distance below which two path colours on a busy map are easily confused."""


@pytest.mark.parametrize("vision", sorted(DICHROMACY))
def test_the_first_four_run_colours_stay_apart(vision: str) -> None:
    """The Playground shows four runs by default (SGD and Adam were once two oranges)."""
    rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in RUN_COLOURS[:4]])
    lab = linear_to_lab(np.clip(srgb_to_linear(rgb) @ DICHROMACY[vision].T, 0, 1))
    for (i, a), (j, b) in itertools.combinations(enumerate(lab), 2):
        distance = float(np.linalg.norm(a - b))
        assert distance >= MIN_DELTA_E, f"{RUN_COLOURS[i]} and {RUN_COLOURS[j]} under {vision}: ΔE {distance:.1f}"


def test_the_first_four_run_colours_stand_out_on_the_viridis_surface() -> None:
    from plotly.colors import sequential

    def lab(hexes: list[str]) -> np.ndarray:
        rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in hexes])
        return linear_to_lab(srgb_to_linear(rgb))

    surface = lab(list(sequential.Viridis))
    for colour, point in zip(RUN_COLOURS[:4], lab(list(RUN_COLOURS[:4])), strict=True):
        distance = float(np.linalg.norm(surface - point, axis=1).min())
        assert distance >= MIN_DELTA_E, f"{colour} is ΔE {distance:.1f} from a surface colour"


def test_plotly_hover_numbers_drop_trailing_zeros() -> None:
    """d3's ``.4g`` shows 1 as "1.000"; every Plotly template in charts/ uses ``~g``, which shows "1"."""
    import re
    from pathlib import Path

    template_g = re.compile(r"%\{\{?[\w.]+:[^}~]*\.\d+g\}")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted((Path(__file__).resolve().parent.parent / "charts").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if template_g.search(line)
    ]
    assert offenders == []
