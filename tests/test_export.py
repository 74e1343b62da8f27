"""The Playground's animation export: its frames show the engine's paths, and the GIF and MP4 decode.

The paths are checked against the engine directly: a scenario is simulated here
(``engine.simulate``), each run's points are mapped to pixels with a mapping written in
this file from the landscape's domain, and the last frame must show the run's colour at
those pixels, and that colour nowhere on the map away from the run's path.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from charts.animation import HOLD_SECONDS, MapBox, animation_frames, rgb
from charts.palette import RUN_COLOURS
from charts.video import gif_bytes, mp4_bytes
from engine.config import OptimizerRun
from engine.grid import surface_grid
from engine.scenario import Scenario
from engine.simulate import simulate
from ui.animation_export import file_name, forget_recent, render, render_uncached

GRID = 48  # a coarse surface keeps the tests fast; the paths do not depend on it
MB = 1024 * 1024


def simulated(scenario: Scenario):
    """(landscape, values, grid, runs) of ``scenario``, run through the engine here."""
    land = scenario.surface
    values = land.resolve(scenario.landscape_params)
    runs = simulate(
        land,
        list(scenario.runs),
        start=scenario.start,
        steps=scenario.steps,
        seed=scenario.seed,
        batch_size=scenario.batch_size,
        landscape_params=scenario.landscape_params,
    )
    return land, values, surface_grid(land, values, GRID), runs


def to_pixels(points: np.ndarray, domain, box: MapBox) -> np.ndarray:
    """Independent of the code under test: x grows right over the box's width, y grows up over its height."""
    (x0, x1), (y0, y1) = domain
    points = np.asarray(points, np.float64)
    col = box.left + (points[:, 0] - x0) * (box.width / (x1 - x0))
    row = box.top + box.height - (points[:, 1] - y0) * (box.height / (y1 - y0))
    return np.stack([col, row], axis=1)


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance from each of ``points`` (n, 2) to the polyline ``line`` (m, 2)."""
    if len(line) == 1:
        return np.hypot(*(points - line[0]).T)
    a, b = line[:-1][None], line[1:][None]
    p = points[:, None]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
    nearest = a + t[..., None] * ab
    return np.hypot(*(p - nearest).transpose(2, 0, 1)).min(axis=1)


def along(line: np.ndarray, count: int) -> np.ndarray:
    """``count`` points evenly spaced by length along the polyline ``line``."""
    length = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])
    at = np.linspace(0, length[-1], count)
    return np.stack([np.interp(at, length, line[:, 0]), np.interp(at, length, line[:, 1])], axis=1)


@pytest.fixture(scope="module")
def default_view():
    """The Playground's default scenario (four runs), shortened to 150 steps, and its animation."""
    scenario = Scenario(steps=150)
    land, values, grid, runs = simulated(scenario)
    animation = animation_frames(land, values, grid, runs, scenario.start)
    return scenario, land, values, runs, animation


def test_the_mapping_puts_the_domain_on_the_box(default_view) -> None:
    _, land, _, runs, animation = default_view
    box = animation.box
    (x0, x1), (y0, y1) = land.domain
    corners = box.pixels(np.array([[x0, y0], [x1, y1]]))
    assert corners.tolist() == [[box.left, box.top + box.height], [box.left + box.width, box.top]]
    assert box.width / (x1 - x0) == pytest.approx(box.height / (y1 - y0), rel=0.01)  # equal scale, as on the page
    for run in runs:
        np.testing.assert_allclose(box.pixels(run.path), to_pixels(run.path, land.domain, box), atol=1e-6)


def test_the_last_frame_shows_every_run_where_the_engine_put_it(default_view) -> None:
    scenario, land, values, runs, animation = default_view
    box = animation.box
    last = np.asarray(animation.frames[-1].convert("RGB")).astype(int)
    lines = [to_pixels(run.path, land.domain, box) for run in runs]
    start = to_pixels(np.array([scenario.start]), land.domain, box)[0]
    minima = to_pixels(
        np.concatenate([np.reshape(land.minima(values), (-1, 2)), np.reshape(land.saddles(values), (-1, 2))]),
        land.domain,
        box,
    )  # the stars and hourglasses, white like run 3
    for i, line in enumerate(lines):
        colour = np.array(rgb(RUN_COLOURS[i]))
        # Samples away from the other runs (a later run may cover this one), the start ring, the heads and the stars.
        others = [other for j, other in enumerate(lines) if j != i]
        samples = along(line, 200)
        far = np.ones(len(samples), bool)
        for other in others:
            far &= distance_to_polyline(samples, other) > 4
        for point in (start, *(other[-1] for other in lines), *minima):
            far &= np.hypot(*(samples - point).T) > 10
        far &= (samples[:, 0] > box.left + 3) & (samples[:, 0] < box.left + box.width - 3)
        far &= (samples[:, 1] > box.top + 3) & (samples[:, 1] < box.top + box.height - 3)
        kept = samples[far]
        assert len(kept) >= 10, f"run {i}: too few samples apart from the others to check"
        for col, row in kept:
            r, c = round(row), round(col)
            window = last[r - 1 : r + 2, c - 1 : c + 2].reshape(-1, 3)
            assert (window == colour).all(axis=1).any(), f"run {i} is not drawn at ({col:.1f}, {row:.1f})"

        # And the run's colour shows nowhere on the map away from its path (white also marks the start and minima).
        rows, cols = np.nonzero((last == colour).all(axis=2))
        on_map = (cols >= box.left) & (cols < box.left + box.width) & (rows >= box.top) & (rows < box.top + box.height)
        found = np.stack([cols[on_map], rows[on_map]], axis=1).astype(float)
        assert len(found) > 20
        stray = (distance_to_polyline(found, line) > 4) & (np.hypot(*(found - line[-1]).T) > 7)  # the head: a dot
        if RUN_COLOURS[i].upper() == "#FFFFFF":
            for point in (start, *minima):
                stray &= np.hypot(*(found - point).T) > 12
        assert not stray.any(), f"run {i}'s colour at {found[stray][:5].tolist()}, away from its path"


def test_the_paths_grow_with_the_frames(default_view) -> None:
    """Each frame draws a run only as far as the frame's step: never a point it has not reached yet."""
    _, land, _, runs, animation = default_view
    assert animation.steps[0] == 0 and animation.steps[-1] == max(run.steps for run in runs)
    assert list(animation.steps) == sorted(set(animation.steps)) and len(animation.frames) <= 101
    box = animation.box
    colour = np.array(rgb(RUN_COLOURS[0]))  # orange: no marker shares it
    line = to_pixels(runs[0].path, land.domain, box)
    counts = []
    for frame, step in list(zip(animation.frames, animation.steps, strict=True))[::10]:
        pixels = np.asarray(frame.convert("RGB"))[box.top : box.top + box.height, box.left : box.left + box.width]
        rows, cols = np.nonzero((pixels == colour).all(axis=2))
        found = np.stack([cols + box.left, rows + box.top], axis=1).astype(float)
        reached = line[: step + 1]
        assert (distance_to_polyline(found, reached) <= 7).all(), f"frame at step {step} draws ahead of the run"
        counts.append(len(found))
    assert counts[0] < counts[-1]


def test_the_gif_decodes_with_every_frame_and_loops(default_view) -> None:
    *_, animation = default_view
    data = gif_bytes(animation)
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.format == "GIF" and gif.size == animation.size and gif.n_frames == len(animation.frames)
        assert gif.info.get("loop") == 0
        gif.seek(gif.n_frames - 1)
        assert gif.info["duration"] == HOLD_SECONDS * 1000
        decoded = np.asarray(gif.convert("RGB"))
    np.testing.assert_array_equal(decoded, np.asarray(animation.frames[-1].convert("RGB")))


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")  # the reader's ffmpeg: a fork, then exec at once
def test_the_mp4_decodes_with_every_frame_and_the_hold(default_view, tmp_path: Path) -> None:
    *_, animation = default_view
    path = tmp_path / "a.mp4"
    path.write_bytes(mp4_bytes(animation))
    reader = imageio.get_reader(path, format="FFMPEG")
    try:
        frames = [frame for frame in reader]
    finally:
        reader.close()
    width, height = animation.size
    assert width % 2 == 0 and height % 2 == 0
    assert len(frames) == len(animation.frames) + animation.hold_frames
    assert frames[0].shape == (height, width, 3)
    # Lossy, but the same picture: the video's last frame is close to the GIF's.
    expected = np.asarray(animation.frames[-1].convert("RGB")).astype(float)
    assert np.abs(frames[-1].astype(float) - expected).mean() < 6


def test_diverged_runs_stop_where_they_diverged() -> None:
    scenario = Scenario(
        landscape="rosenbrock",
        runs=(OptimizerRun.build("sgd", {"lr": 0.05}), OptimizerRun.build("sgd", {"lr": 1e-4})),
        start=(-1.5, 2.0),
        steps=100,
    )
    land, values, grid, runs = simulated(scenario)
    assert runs[0].diverged_at is not None and runs[1].diverged_at is None
    animation = animation_frames(land, values, grid, runs, scenario.start)
    assert len(animation.frames) > 2
    last = np.asarray(animation.frames[-1].convert("RGB"))
    box = animation.box
    # Its first step leaves the map: the line from the start runs to the map's edge, towards where it went.
    line = to_pixels(runs[0].path[: runs[0].diverged_at + 1], land.domain, box)
    rows, cols = np.nonzero((last == np.array(rgb(RUN_COLOURS[0]))).all(axis=2))
    found = np.stack([cols, rows], axis=1).astype(float)
    on_map = (cols >= box.left) & (cols < box.left + box.width) & (rows >= box.top) & (rows < box.top + box.height)
    legend = cols >= box.left + box.width + 10
    edge = 2  # a 3-pixel line cut at the map's edge may reach a pixel or two past it
    near_map = (
        (cols >= box.left - edge)
        & (cols < box.left + box.width + edge)
        & (rows >= box.top - edge)
        & (rows < box.top + box.height + edge)
    )
    assert (near_map | legend).all(), "a diverged path is drawn over the margins"
    drawn = found[on_map]
    assert (distance_to_polyline(drawn, line) <= 4).all()
    assert (np.hypot(*(drawn - line[0]).T) > 100).any(), "the path towards the edge is missing"


@pytest.mark.parametrize(("count", "steps"), [(1, 40), (8, 40), (2, 1)])
def test_one_eight_runs_and_a_single_step_render(count: int, steps: int) -> None:
    keys = ["sgd", "momentum", "rmsprop", "adam", "sgd", "momentum", "rmsprop", "adam"][:count]
    runs = tuple(OptimizerRun.build(k, {"lr": 0.001 * (i + 1)}, label=f"런 {i + 1} · {k}") for i, k in enumerate(keys))
    scenario = Scenario(runs=runs, steps=steps)
    land, values, grid, trajectories = simulated(scenario)
    animation = animation_frames(land, values, grid, trajectories, scenario.start)
    assert animation.steps == ((0, 1) if steps == 1 else animation.steps)
    for i in range(count):
        colour = np.array(rgb(RUN_COLOURS[i]))
        legend = np.asarray(animation.frames[-1].convert("RGB"))[:, animation.box.left + animation.box.width :]
        assert (legend == colour).all(axis=2).any(), f"run {i} has no legend swatch"
    with Image.open(io.BytesIO(gif_bytes(animation))) as gif:
        assert gif.n_frames == len(animation.frames)


def test_a_four_run_500_step_export_fits_in_5_mb() -> None:
    scenario = Scenario()
    assert len(scenario.runs) == 4 and scenario.steps == 500
    *_, runs = simulated(scenario)
    gif = render(scenario, runs, "gif", "en")
    mp4 = render(scenario, runs, "mp4", "ko")
    assert gif[:6] == b"GIF89a" and len(gif) <= 5 * MB
    assert mp4[4:8] == b"ftyp" and len(mp4) <= 5 * MB
    assert file_name(scenario, "gif") == "descent-lab-himmelblau.gif"


@pytest.fixture
def deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """File name -> the callable a page's deferred download button would run on a click (recorded as pages run)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    registered: dict[str, Any] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        registered[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return registered


def test_the_playground_buttons_deliver_the_export_of_its_paths(deferred_downloads: dict[str, Any]) -> None:
    """The page's GIF and MP4 buttons are deferred (nothing is rendered by a rerun), and what a click
    on the GIF button runs is the export of the engine's own paths for the page's scenario."""
    from tests.apptest_helpers import errors, run_app

    registered = deferred_downloads
    at = run_app({"steps": "20"})
    assert errors(at) == []
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    for label in ("Download animation (GIF)", "Download animation (MP4)"):
        assert buttons[label].deferred_file_id and not buttons[label].url, f"{label} must render only when clicked"
    for label in (*buttons,):
        # A rerun on a download would also replace the other buttons' deferred files under a quick second click.
        assert buttons[label].ignore_rerun, f"{label} must not rerun the page"
    assert len(buttons) == 4
    assert {"descent-lab-himmelblau.gif", "descent-lab-himmelblau.mp4"} <= set(registered)

    scenario = Scenario(steps=20)
    expected = render_uncached(scenario, simulated(scenario)[3], "gif", "en")
    forget_recent()
    assert registered["descent-lab-himmelblau.gif"]() == expected


def test_a_korean_page_exports_a_korean_animation(deferred_downloads: dict[str, Any]) -> None:
    """The language is held for the deferred render (which runs outside the page's script)."""
    from tests.apptest_helpers import errors, run_app

    registered = deferred_downloads
    at = run_app({"steps": "20", "lang": "ko"})
    assert errors(at) == []
    scenario = Scenario(steps=20)
    runs = simulated(scenario)[3]
    korean, english = render_uncached(scenario, runs, "gif", "ko"), render_uncached(scenario, runs, "gif", "en")
    assert korean != english
    forget_recent()
    assert registered["descent-lab-himmelblau.gif"]() == korean


def test_an_export_asked_for_again_is_served_from_the_kept_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.animation_export as export

    scenario = Scenario(steps=20)
    runs = simulated(scenario)[3]
    forget_recent()
    calls: list[str] = []
    real = export.render_uncached
    monkeypatch.setattr(export, "render_uncached", lambda *args: calls.append(args[2]) or real(*args))
    first = render(scenario, runs, "gif", "en")
    again = render(scenario, runs, "gif", "en")
    other = render(scenario, runs, "gif", "ko")
    assert first == again and other != first
    assert calls == ["gif", "gif"], "the second English request must not render again; Korean must"


def test_a_formula_undefined_on_part_of_the_map_is_hatched_there() -> None:
    """sqrt(x) has no value for x < 0: that half of the map is hatched grey, as on the page, never a loss colour."""
    scenario = Scenario(
        landscape="custom",
        formula="sqrt(x) + y**2",
        domain=((-2.0, 2.0), (-1.0, 1.0)),
        runs=(OptimizerRun.build("sgd", {"lr": 0.01}),),
        start=(1.5, 0.5),
        steps=30,
    )
    land, values, grid, runs = simulated(scenario)
    assert np.isnan(grid.z).any()
    animation = animation_frames(land, values, grid, runs, scenario.start)
    box = animation.box
    assert box.width == 2 * box.height  # the domain is twice as wide as it is tall
    pixels = np.asarray(animation.frames[-1].convert("RGB")).astype(int)
    left = pixels[box.top + 5 : box.top + box.height - 5, box.left + 5 : box.left + box.width // 2 - 10]
    right = pixels[box.top + 5 : box.top + box.height - 5, box.left + box.width // 2 + 10 : box.left + box.width - 5]
    grey = (np.abs(left - left.mean(axis=2, keepdims=True)).max(axis=2) < 12).mean()
    assert grey > 0.99, "the undefined half shows only greys (hatch lines on the dark ground)"
    coloured = (np.abs(right - right.mean(axis=2, keepdims=True)).max(axis=2) >= 12).mean()
    assert coloured > 0.5, "the defined half shows the loss colours"
