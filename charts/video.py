"""An :class:`charts.animation.Animation` as files: an animated GIF (Pillow) and an H.264 MP4 (imageio + ffmpeg).

Both encode the same frames, so a slide shows exactly what the frames hold. The GIF keeps the
frames' shared palette (no re-quantizing: the run colours stay exact) and loops forever; the
MP4 is H.264 in yuv420p (what slide software and browsers play) at the animation's frame
rate, its last frame repeated for the hold. imageio-ffmpeg ships its own ffmpeg binary, so
nothing needs installing beside the Python packages.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path

import imageio.v2 as imageio
import numpy as np

from charts.animation import Animation

MP4_QUALITY = ("-preset", "veryfast", "-crf", "23", "-movflags", "+faststart")
"""x264 settings: fast to encode on two cores, sharp for flat colours, playable before it has fully loaded."""


def gif_bytes(animation: Animation) -> bytes:
    """The animation as a GIF that loops forever, the last frame held :attr:`Animation.hold_seconds`."""
    frame_ms = round(1000 / animation.fps)
    durations = [frame_ms] * (len(animation.frames) - 1) + [round(1000 * animation.hold_seconds)]
    out = io.BytesIO()
    first, *rest = animation.frames
    # optimize=False: the frames already share one palette; Pillow still stores each frame as its
    # changed rectangle only.
    first.save(out, "GIF", save_all=True, append_images=rest, duration=durations, loop=0, optimize=False, disposal=1)
    return out.getvalue()


def mp4_bytes(animation: Animation) -> bytes:
    """The animation as an H.264 MP4 (yuv420p) at :attr:`Animation.fps`, the last frame repeated for the hold."""
    with tempfile.TemporaryDirectory(prefix="descent-lab-") as folder, warnings.catch_warnings():
        # ffmpeg runs as a subprocess (started at the first frame): a fork followed at once by an
        # exec, which the warning JAX's threads raise about fork does not concern.
        warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
        path = Path(folder) / "animation.mp4"
        writer = imageio.get_writer(
            path,
            format="FFMPEG",
            mode="I",
            fps=animation.fps,
            codec="libx264",
            pixelformat="yuv420p",
            macro_block_size=2,
            ffmpeg_log_level="error",
            ffmpeg_params=list(MP4_QUALITY),
        )
        try:
            for frame in animation.frames:
                writer.append_data(np.asarray(frame.convert("RGB")))
            last = np.asarray(animation.frames[-1].convert("RGB"))
            for _ in range(animation.hold_frames):
                writer.append_data(last)
        finally:
            writer.close()
        return path.read_bytes()
