"""Frame extraction from a video with ffmpeg (the binary shipped by imageio-ffmpeg).

Frames are named frame_00001.png, frame_00002.png, ... in time order, as
nerfstudio's own video processing names them, so that masks, poses and the
NeRF datasets can all refer to a frame by one stem.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import ffmpeg
import imageio_ffmpeg
from PIL import Image

# Below this much free space after a failed extraction, the disk is the likely cause.
LOW_DISK_BYTES = 16 * 2**20


class VideoError(ValueError):
    """The video cannot give the frames the workflow needs."""


def frame_name(index: int) -> str:
    """Name of the `index`-th extracted frame, counted from 1."""
    return f"frame_{index:05d}.png"


def list_frames(frames_dir: Path) -> list[Path]:
    """The frame images of a scene, in name order (video frames sort in time order)."""
    return sorted(Path(frames_dir).glob("*.png"))


def frame_size(frame: Path) -> tuple[int, int]:
    """(width, height) of a frame image, read from its header."""
    with Image.open(frame) as image:
        return image.size


def probe_video(video: Path) -> tuple[int, float]:
    """Number of frames and duration in seconds, or a clear error naming the file."""
    if not video.is_file():
        raise VideoError(f"video not found: {video}")
    try:
        n_frames, duration = imageio_ffmpeg.count_frames_and_secs(str(video))
    except (RuntimeError, OSError, StopIteration) as error:
        said = [line.strip() for line in str(error).splitlines() if line.strip() not in ("", ")")]
        raise VideoError(f"cannot read video {video}: not a video ffmpeg can decode ({said[-1] if said else type(error).__name__})") from error
    if n_frames == 0:
        raise VideoError(f"video {video} holds no frames")
    return n_frames, duration


def extract_frames(video: Path, out_dir: Path, fps: float, max_width: int | None = None, min_frames: int = 3) -> list[Path]:
    """Extract frames at `fps` into `out_dir`; refuse videos too short to give `min_frames`.

    `max_width` downscales (keeping the aspect ratio, even sizes) so that
    COLMAP and NeRF training do not pay for pixels they do not need.
    """
    _, duration = probe_video(video)
    out_dir.mkdir(parents=True, exist_ok=True)
    stream = ffmpeg.input(str(video)).filter("fps", fps=fps)
    if max_width:
        stream = stream.filter("scale", f"min({max_width},iw)", -2)
    stream = stream.output(str(out_dir / "frame_%05d.png"), start_number=1)
    try:
        stream.run(cmd=imageio_ffmpeg.get_ffmpeg_exe(), quiet=True, overwrite_output=True)
    except ffmpeg.Error as error:
        message = error.stderr.decode(errors="replace").strip().splitlines()[-1:] if error.stderr else []
        if shutil.disk_usage(out_dir).free < LOW_DISK_BYTES:
            raise VideoError(f"ffmpeg failed on {video}: the disk of {out_dir} is full; free some space and rerun") from error
        raise VideoError(f"ffmpeg failed on {video}: {' '.join(message)}") from error
    frames = sorted(out_dir.glob("frame_*.png"))
    if len(frames) < min_frames:
        raise VideoError(
            f"video {video} lasts {duration:.2f} s and gave {len(frames)} frame(s) at {fps} fps; "
            f"at least {min_frames} are needed (use a longer video or a higher fps)"
        )
    return frames
