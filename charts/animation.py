"""The Playground's map as animation frames (Pillow): the surface, every run's path growing step by step.

What the page shows, drawn on the server for slides (GIF and MP4, see :mod:`charts.video`):
the surface as the same banded Viridis picture (:func:`charts.raster.banded_pixels`, on the
same linear or log :class:`charts.scale.LossScale`), each run's path in its run colour
(:mod:`charts.palette`), the start ring, the known minima and saddle points, a legend with the runs' labels,
the colour bar and a step counter.

Why it is fast: every frame is a palette ("P") image over one shared palette. The static
picture (surface, axes, legend, colour bar) is drawn once in RGB and mapped onto that palette
once; the paths are then drawn into a palette canvas that only grows (each frame adds the
segments since the previous frame), and a frame is a copy of it with the runs' current
positions and the step counter on top. The run colours sit in the palette as exact entries,
so a GIF shows them unchanged and a test can find each run's pixels by colour.

A diverged run's path stops where it diverged, and every path is clipped to the map (a
segment that leaves it is cut at the edge, pointing the way it went), so nothing is drawn over
the margins and nothing is drawn from NaN.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from charts.contour import defined_values
from charts.palette import RUN_COLOURS, run_colour
from charts.paths import frame_steps
from charts.raster import HATCH_PERIOD, HATCH_RGBA, banded_pixels, viridis
from charts.scale import LossScale, tick_label
from core.i18n import N_, translator
from engine.grid import LossGrid
from engine.simulate import Trajectory
from landscapes.base import Landscape

_ = translator("export")

FPS = 20
"""Frames per second of the export (50 ms per GIF frame: GIF counts time in hundredths of a second)."""
MAX_FRAMES = 100
"""At most this many frames after the first, on round steps (:func:`charts.paths.frame_steps`)."""
HOLD_SECONDS = 1.5
"""How long the last frame (the full paths) stays before the animation starts again."""
PLOT_SIDE = 520
"""Pixels on the longer side of the map; the other follows the domain (x and y at equal scale, as on the page)."""
MARGIN_LEFT, MARGIN_TOP, MARGIN_BOTTOM, PANEL = 64, 48, 48, 230
"""Room for the y ticks, the title and step counter, the x ticks, and the legend and colour bar on the right."""
MIN_HEIGHT = 420
"""The canvas is at least this tall, so eight runs' legend and the colour bar fit beside a flat domain."""
PATH_WIDTH = 3
"""Width of a path in pixels."""
LEGEND_SIZE = 14
"""Font size of the legend's entries."""

BACKGROUND = "#0e1117"
"""The app's dark theme background (``.streamlit/config.toml``)."""
TEXT = "#fafafa"
MUTED = "#a3a8b8"
AXIS = "#5c6170"
OUTLINE = "#000000"
MARKER = "#ffffff"
FIXED_COLOURS = (*RUN_COLOURS, BACKGROUND, TEXT, MUTED, AXIS, OUTLINE, MARKER)
"""Palette entries every frame keeps exactly; the rest of the 256 are fitted to the static picture."""

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
"""Noto Sans CJK (Debian's fonts-noto-cjk): Hangul and Latin in one face."""
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)

START_LABEL = N_("start")
MINIMUM_LABEL = N_("known minimum")
SADDLE_LABEL = N_("saddle point")


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A sans-serif font at ``size`` px: Noto Sans CJK if installed (Korean labels), else DejaVu, else Pillow's."""
    for path in (CJK_FONT, *FALLBACK_FONTS):
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an RGB tuple."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@dataclass(frozen=True)
class MapBox:
    """Where the map's domain sits on the canvas: the axis transform of every frame."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    left: int
    top: int
    width: int
    height: int

    @classmethod
    def fit(cls, domain: tuple[tuple[float, float], tuple[float, float]]) -> MapBox:
        """The box of ``domain`` at equal scale on x and y, its longer side :data:`PLOT_SIDE` pixels."""
        (x0, x1), (y0, y1) = domain
        aspect = (y1 - y0) / (x1 - x0)
        if aspect <= 1:
            width, height = PLOT_SIDE, round(PLOT_SIDE * aspect)
        else:
            width, height = round(PLOT_SIDE / aspect), PLOT_SIDE
        return cls((x0, x1), (y0, y1), MARGIN_LEFT, MARGIN_TOP, max(width, 40), max(height, 40))

    def pixels(self, xy: np.ndarray) -> np.ndarray:
        """Canvas coordinates (column, row; float) of points ``xy`` (n, 2): x to the right, y upward."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        col = self.left + (xy[:, 0] - x0) / (x1 - x0) * self.width
        row = self.top + (y1 - xy[:, 1]) / (y1 - y0) * self.height
        return np.stack([col, row], axis=1)

    def inside(self, px: np.ndarray) -> np.ndarray:
        """Which canvas points ``px`` (n, 2) fall on the map."""
        return (
            (px[:, 0] >= self.left)
            & (px[:, 0] <= self.left + self.width)
            & (px[:, 1] >= self.top)
            & (px[:, 1] <= self.top + self.height)
        )

    @property
    def size(self) -> tuple[int, int]:
        """The canvas (width, height), both even (H.264 in yuv420p needs even sides)."""
        width = self.left + self.width + PANEL
        height = max(self.top + self.height + MARGIN_BOTTOM, MIN_HEIGHT)
        return width + width % 2, height + height % 2


@dataclass(frozen=True)
class Animation:
    """The frames (palette images, one shared palette), the step each shows, and the map's box."""

    frames: tuple[Image.Image, ...]
    steps: tuple[int, ...]
    box: MapBox
    fps: int = FPS
    hold_seconds: float = HOLD_SECONDS

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of every frame."""
        return self.frames[0].size

    @property
    def hold_frames(self) -> int:
        """How many extra frames the last one is repeated for in a fixed-rate video."""
        return round(self.hold_seconds * self.fps)


def nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round values (a 1, 2 or 5 times a power of ten apart) in ``[lo, hi]``, at most ``most`` + 1 of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    raw = (hi - lo) / most
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [float(f"{k * step:.12g}") for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def clip_segment(p: np.ndarray, q: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of segment ``p``-``q`` inside the box ``lo``-``hi`` (Liang-Barsky), or None if none is."""
    t0, t1 = 0.0, 1.0
    d = q - p
    for axis in range(2):
        for edge, sign in ((lo[axis], -1.0), (hi[axis], 1.0)):
            num = sign * (edge - p[axis])
            den = sign * d[axis]
            if den == 0:
                if num < 0:
                    return None
                continue
            t = num / den
            if den > 0:
                t1 = min(t1, t)
            else:
                t0 = max(t0, t)
    if t0 > t1:
        return None
    return p + t0 * d, p + t1 * d


class PathPixels:
    """One run's path on the canvas: the points drawn (up to where it diverged) and how to draw a stretch of it."""

    def __init__(self, run: Trajectory, box: MapBox) -> None:
        last = run.steps if run.diverged_at is None else min(run.diverged_at, run.steps)
        px = box.pixels(run.path[: last + 1])
        finite = np.isfinite(px).all(axis=1)
        # A path is finite up to where it diverged; a non-finite point past that is never drawn.
        self.last = int(np.argmin(finite)) - 1 if not finite.all() else last
        self.px = px[: self.last + 1]
        self.lo = np.array([box.left, box.top], np.float64)
        self.hi = np.array([box.left + box.width, box.top + box.height], np.float64)
        self.clipped = ~((self.px >= self.lo) & (self.px <= self.hi)).all(axis=1)

    def stretch(self, start: int, stop: int) -> list[list[tuple[float, float]]]:
        """Polylines of the path from step ``start`` to ``stop``, clipped to the map (empty if none of it shows)."""
        stop = min(stop, self.last)
        if stop <= start:
            return []
        if not self.clipped[start : stop + 1].any():
            return [[(float(c), float(r)) for c, r in self.px[start : stop + 1]]]
        lines = []
        for i in range(start, stop):
            part = clip_segment(self.px[i], self.px[i + 1], self.lo, self.hi)
            if part is not None:
                lines.append([(float(part[0][0]), float(part[0][1])), (float(part[1][0]), float(part[1][1]))])
        return lines

    def head(self, step: int) -> tuple[float, float] | None:
        """Where the run is at ``step`` (its last drawn point once it stopped), or None if that is off the map."""
        point = self.px[min(step, self.last)]
        return None if self.clipped[min(step, self.last)] else (float(point[0]), float(point[1]))


def surface_picture(grid: LossGrid, box: MapBox) -> tuple[Image.Image, LossScale]:
    """The banded surface of ``grid`` stretched over ``box`` (cell centres on their coordinates), and its scale.

    Same colour scale and bands as the page's map (:func:`charts.raster.banded_pixels`); undefined
    cells are hatched grey as there.
    """
    scale = LossScale.fit(defined_values(grid.z))
    pixels, defined = banded_pixels(scale.apply(grid.z))
    n_y, n_x = defined.shape
    rows = pixels[::-1].astype(np.uint8)  # picture rows run top down, y upward
    # Cell j is centred on xs[j]: source pixel j spans [j, j + 1], so the domain is [0.5, n - 0.5].
    crop = (0.5, 0.5, n_x - 0.5, n_y - 0.5)
    picture = Image.fromarray(rows, "RGB").resize((box.width, box.height), Image.Resampling.BILINEAR, box=crop)
    if not defined.all():
        mask = Image.fromarray((~defined[::-1]).astype(np.uint8) * 255, "L")
        mask = mask.resize((box.width, box.height), Image.Resampling.NEAREST, box=crop)
        r, c = np.indices((box.height, box.width))
        hatch = np.where(((r + c) % HATCH_PERIOD < 2)[..., None], HATCH_RGBA[:3], rgb(BACKGROUND)).astype(np.uint8)
        picture.paste(Image.fromarray(hatch, "RGB"), (0, 0), mask)
    return picture, scale


def star(centre: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    """A five-pointed star's outline around ``centre``."""
    cx, cy = centre
    points = []
    for k in range(10):
        angle = -math.pi / 2 + k * math.pi / 5
        r = radius if k % 2 == 0 else radius * 0.45
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def hourglass(centre: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    """An hourglass (two triangles meeting at ``centre``), the page's saddle-point marker."""
    cx, cy = centre
    r = radius
    return [(cx - r, cy - r), (cx + r, cy - r), (cx, cy), (cx + r, cy + r), (cx - r, cy + r), (cx, cy)]


def draw_axes(draw: ImageDraw.ImageDraw, box: MapBox) -> None:
    """The map's frame, and round ticks with their values on x (below) and y (left)."""
    small = font(13)
    right, bottom = box.left + box.width, box.top + box.height
    draw.rectangle((box.left - 1, box.top - 1, right, bottom), outline=AXIS)
    for value in nice_ticks(*box.x_range):
        col = float(box.pixels(np.array([[value, box.y_range[0]]]))[0, 0])
        draw.line((col, bottom, col, bottom + 5), fill=AXIS)
        draw.text((col, bottom + 7), tick_label(value), fill=MUTED, font=small, anchor="mt")
    for value in nice_ticks(*box.y_range):
        row = float(box.pixels(np.array([[box.x_range[0], value]]))[0, 1])
        draw.line((box.left - 6, row, box.left - 1, row), fill=AXIS)
        draw.text((box.left - 9, row), tick_label(value), fill=MUTED, font=small, anchor="rm")
    draw.text((box.left + box.width / 2, bottom + 26), "x", fill=TEXT, font=font(14), anchor="mt")
    draw.text((14, box.top + box.height / 2), "y", fill=TEXT, font=font(14), anchor="mm")


def draw_colour_bar(draw: ImageDraw.ImageDraw, image: Image.Image, scale: LossScale, z: np.ndarray, x: int, y: int):
    """The colour bar of the surface at (``x``, ``y``): Viridis over the plotted range, ticks in loss units."""
    finite = defined_values(z)
    lo_loss, hi_loss = float(finite.min()), float(finite.max())
    lo, hi = (float(v) for v in scale.apply(np.array([lo_loss, hi_loss])))
    height, width = 150, 14
    ramp = viridis(np.linspace(1.0, 0.0, height))[:, None, :].repeat(width, axis=1).astype(np.uint8)
    image.paste(Image.fromarray(ramp, "RGB"), (x, y + 22))
    title = _("loss (log scale)") if scale.log else _("loss")
    draw.text((x, y), title, fill=TEXT, font=font(14))
    ticks = scale.ticks(finite) if scale.log else None
    if ticks is None:
        values = nice_ticks(lo_loss, hi_loss, 5)
        ticks = ([float(p) for p in scale.apply(np.array(values))] if values else [], [tick_label(v) for v in values])
    for pos, label in zip(*ticks, strict=True):
        if hi <= lo:
            break
        row = y + 22 + (hi - pos) / (hi - lo) * (height - 1)
        draw.line((x + width, row, x + width + 4, row), fill=MUTED)
        draw.text((x + width + 7, row), label, fill=MUTED, font=font(12), anchor="lm")


def legend_text(draw: ImageDraw.ImageDraw, label: str, diverged_at: int | None, room: float) -> str:
    """A run's legend entry in ``room`` pixels: its label, cut with an ellipsis if need be, and where it
    diverged if it did (that part is never cut)."""
    face = font(LEGEND_SIZE)

    def entry(text: str) -> str:
        if diverged_at is None:
            return text
        return _("{label} (diverged at step {step})").format(label=text, step=diverged_at)

    if draw.textlength(entry(label), font=face) <= room:
        return entry(label)
    while label and draw.textlength(entry(label + "…"), font=face) > room:
        label = label[:-1]
    return entry(label + "…")


def fit_text(draw: ImageDraw.ImageDraw, text: str, size: int, room: float) -> str:
    """``text`` cut with an ellipsis to fit ``room`` pixels at ``size``."""
    face = font(size)
    if draw.textlength(text, font=face) <= room:
        return text
    while text and draw.textlength(text + "…", font=face) > room:
        text = text[:-1]
    return text + "…"


def static_picture(
    landscape: Landscape,
    values: Mapping[str, float],
    grid: LossGrid,
    runs: Sequence[Trajectory],
    start: Sequence[float] | None,
    box: MapBox,
    title: str,
    labels: Sequence[str],
) -> Image.Image:
    """Everything that does not move, in RGB: background, surface, axes, title, legend and colour bar."""
    image = Image.new("RGB", box.size, BACKGROUND)
    surface, scale = surface_picture(grid, box)
    image.paste(surface, (box.left, box.top))
    draw = ImageDraw.Draw(image)
    draw_axes(draw, box)
    draw.text((box.left, 14), fit_text(draw, title, 17, box.width - 150), fill=TEXT, font=font(17))
    x = box.left + box.width + 20
    room = box.size[0] - x - 8
    row = box.top
    for i, run in enumerate(runs):
        draw.line((x, row + 9, x + 22, row + 9), fill=run_colour(i), width=PATH_WIDTH + 1)
        entry = legend_text(draw, labels[i], run.diverged_at, room - 30)
        draw.text((x + 30, row), entry, fill=TEXT, font=font(LEGEND_SIZE))
        row += 22
    if start is not None:
        draw.ellipse((x + 5, row + 3, x + 17, row + 15), outline=MARKER, width=2)
        draw.text((x + 30, row), _(START_LABEL), fill=TEXT, font=font(14))
        row += 22
    if len(np.asarray(landscape.minima(values)).reshape(-1, 2)):
        draw.polygon(star((x + 11, row + 9), 8), fill=MARKER, outline=OUTLINE)
        draw.text((x + 30, row), _(MINIMUM_LABEL), fill=TEXT, font=font(14))
        row += 22
    if len(np.asarray(landscape.saddles(values)).reshape(-1, 2)):
        draw.polygon(hourglass((x + 11, row + 9), 6), fill=MARKER, outline=OUTLINE)
        draw.text((x + 30, row), _(SADDLE_LABEL), fill=TEXT, font=font(14))
        row += 22
    draw_colour_bar(draw, image, scale, grid.z, x, row + 16)
    return image


def shared_palette(picture: Image.Image) -> Image.Image:
    """A palette image: :data:`FIXED_COLOURS` exactly, then the colours that best fit ``picture``."""
    fixed = [channel for colour in FIXED_COLOURS for channel in rgb(colour)]
    fitted = picture.quantize(256 - len(FIXED_COLOURS), method=Image.Quantize.MEDIANCUT).getpalette() or []
    entries = (fixed + fitted)[: 256 * 3]
    palette = Image.new("P", (1, 1))
    palette.putpalette(entries + [0] * (256 * 3 - len(entries)))
    return palette


def on_palette(picture: Image.Image, palette: Image.Image) -> Image.Image:
    """``picture`` (RGB) on ``palette``: nearest entries, and :data:`FIXED_COLOURS` exactly.

    Pillow maps colours to a palette through a cache of reduced precision, so pure white
    may land on a fitted near-white; the legend's swatches must keep the run colours exactly.
    """
    image = picture.quantize(palette=palette, dither=Image.Dither.NONE)
    pixels = np.asarray(picture, np.uint32)
    keys = pixels[..., 0] << 16 | pixels[..., 1] << 8 | pixels[..., 2]
    indices = np.array(image)
    for index, colour in enumerate(FIXED_COLOURS):
        r, g, b = rgb(colour)
        if FIXED_COLOURS.index(colour) == index:  # white is listed twice (a run colour and the markers')
            indices[keys == (r << 16 | g << 8 | b)] = index
    exact = Image.fromarray(indices, "P")
    exact.putpalette(palette.getpalette() or [])
    return exact


def animation_frames(
    landscape: Landscape,
    values: Mapping[str, float],
    grid: LossGrid,
    runs: Sequence[Trajectory],
    start: Sequence[float] | None = None,
    *,
    title: str | None = None,
    labels: Sequence[str] | None = None,
    max_frames: int = MAX_FRAMES,
) -> Animation:
    """The frames of the map of ``landscape`` at ``values`` (surface ``grid``, as the engine computed it)
    with ``runs`` growing from step 0 to their last step, on round steps, at most ``max_frames`` + 1.

    ``title`` (the surface's name by default) and the runs' legend ``labels`` (their own labels by
    default) are the caller's, already in the reader's language.
    """
    box = MapBox.fit(landscape.domain)
    names = list(labels) if labels is not None else [run.label for run in runs]
    picture = static_picture(landscape, values, grid, runs, start, box, title or landscape.name, names)
    palette = shared_palette(picture)
    index = {colour: FIXED_COLOURS.index(colour) for colour in FIXED_COLOURS}
    canvas = on_palette(picture, palette)
    paths = [PathPixels(run, box) for run in runs]
    total = max((run.steps for run in runs), default=0)
    steps = [int(s) for s in frame_steps(total, max_frames)]
    minima = box.pixels(np.asarray(landscape.minima(values), np.float64).reshape(-1, 2))
    saddles = box.pixels(np.asarray(landscape.saddles(values), np.float64).reshape(-1, 2))
    start_px = None if start is None else box.pixels(np.asarray(start, np.float64))[0]
    counter_box = (box.left + box.width - 170, 8, box.left + box.width, 40)
    counter_base = picture.crop(counter_box)
    trails = ImageDraw.Draw(canvas)
    frames = []
    previous = 0
    for step in steps:
        for i, path in enumerate(paths):
            for line in path.stretch(previous, step):
                trails.line(line, fill=index[run_colour(i)], width=PATH_WIDTH, joint="curve")
        previous = step
        frame = canvas.copy()
        draw = ImageDraw.Draw(frame)
        for (c, r), inside in zip(minima, box.inside(minima), strict=True):
            if inside:
                draw.polygon(star((c, r), 8), fill=index[MARKER], outline=index[OUTLINE])
        for (c, r), inside in zip(saddles, box.inside(saddles), strict=True):
            if inside:
                draw.polygon(hourglass((c, r), 6), fill=index[MARKER], outline=index[OUTLINE])
        if start_px is not None and box.inside(start_px[None])[0]:
            c, r = start_px
            draw.ellipse((c - 7, r - 7, c + 7, r + 7), outline=index[MARKER], width=2)
        for i, (path, run) in enumerate(zip(paths, runs, strict=True)):
            head = path.head(step)
            if head is None or not box.inside(np.array([head]))[0]:
                continue
            c, r = head
            if run.diverged_at is not None and step >= path.last:
                draw.line((c - 6, r - 6, c + 6, r + 6), fill=index[OUTLINE], width=5)
                draw.line((c - 6, r + 6, c + 6, r - 6), fill=index[OUTLINE], width=5)
                draw.line((c - 5, r - 5, c + 5, r + 5), fill=index[run_colour(i)], width=3)
                draw.line((c - 5, r + 5, c + 5, r - 5), fill=index[run_colour(i)], width=3)
            else:
                draw.ellipse((c - 5, r - 5, c + 5, r + 5), fill=index[run_colour(i)], outline=index[OUTLINE])
        counter = counter_base.copy()
        text = _("Step {step} of {steps}").format(step=step, steps=total)
        ImageDraw.Draw(counter).text((counter.width, 8), text, fill=TEXT, font=font(15), anchor="ra")
        frame.paste(on_palette(counter, palette), counter_box[:2])
        frames.append(frame)
    return Animation(frames=tuple(frames), steps=tuple(steps), box=box)
