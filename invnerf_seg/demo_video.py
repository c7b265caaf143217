"""The demo's inputs: an orbit video of the procedural plant, its fruit masks and the truth.

The masks are written for the frames that the frames stage will extract, named
as it names them, so they enter the workflow exactly as a user's own masks do.
"""

from __future__ import annotations

import json
import math
import multiprocessing
from pathlib import Path
from typing import Callable

import imageio_ffmpeg
import numpy as np
from PIL import Image

from invnerf_seg.demo_scene import Scene, SceneSpec, build_scene, focal_length, orbit_camera_to_world, render, scene_truth
from invnerf_seg.frames import frame_name

_worker_scene: tuple[Scene, SceneSpec, int] | None = None


def _init_worker(scene: Scene, spec: SceneSpec, n_frames: int) -> None:
    """Hand the scene to a render worker once, not with every frame."""
    global _worker_scene
    _worker_scene = (scene, spec, n_frames)


def _render_frame(index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Camera, image and fruit instances of video frame `index` (in a worker)."""
    scene, spec, n_frames = _worker_scene
    c2w = orbit_camera_to_world(scene, spec, index / n_frames)
    image, instances = render(scene, spec, c2w)
    return c2w, image, instances


def source_frame_index(output_index: int, video_fps: float, extract_fps: float) -> int:
    """Which video frame ffmpeg's fps filter emits as output frame `output_index` (from 0).

    With its default rounding (to nearest, halves away from zero) every input
    frame i gets the output slot round(i * extract_fps / video_fps), and the
    filter emits the last input frame of each slot.
    """
    ratio = extract_fps / video_fps
    last_in_slot = math.floor((output_index + 0.5) / ratio)
    while math.floor(last_in_slot * ratio + 0.5) > output_index:
        last_in_slot -= 1
    return last_in_slot


def extracted_frame_sources(n_video_frames: int, video_fps: float, extract_fps: float) -> list[int]:
    """Video frame index of every frame extraction can yield, clipped to the video."""
    ratio = extract_fps / video_fps
    last_slot = math.floor((n_video_frames - 1) * ratio + 0.5)
    return [min(source_frame_index(k, video_fps, extract_fps), n_video_frames - 1) for k in range(last_slot + 1)]


def mask_image(instances: np.ndarray, mask_values: str) -> np.ndarray:
    """The 8-bit mask of a frame's fruit-instance image: every fruit 255 ("binary"), or fruit k grey value k ("instance")."""
    if mask_values == "binary":
        return np.where(instances > 0, 255, 0).astype(np.uint8)
    if mask_values == "instance":
        if instances.max() > 255:
            raise ValueError(f"instance masks hold at most 255 fruits, not {instances.max()}")
        return instances.astype(np.uint8)
    raise ValueError(f"demo mask_values must be 'binary' or 'instance', not {mask_values!r}")


def write_demo(spec: SceneSpec, extract_fps: float, video_path: Path, masks_dir: Path, truth_path: Path, preview_path: Path, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> dict:
    """Render the orbit video (H.264, at spec.video_fps), the fruit masks and truth.json; return the truth.

    Frames render in `workers` processes and are written in order.
    """
    scene = build_scene(spec)
    n_frames = int(round(spec.duration_s * spec.video_fps))
    sources = extracted_frame_sources(n_frames, spec.video_fps, extract_fps)
    wanted = {source: k for k, source in enumerate(sources)}
    masks_dir.mkdir(parents=True, exist_ok=True)
    video_path.parent.mkdir(parents=True, exist_ok=True)
    writer = imageio_ffmpeg.write_frames(
        str(video_path), (spec.width, spec.height), fps=spec.video_fps, codec="libx264",
        pix_fmt_out="yuv420p", output_params=["-crf", "12"], macro_block_size=16,
    )
    writer.send(None)
    cameras = {}
    preview = None
    context = multiprocessing.get_context("fork")
    with context.Pool(max(1, workers), initializer=_init_worker, initargs=(scene, spec, n_frames)) as pool:
        for index, (c2w, image, instances) in enumerate(pool.imap(_render_frame, range(n_frames), chunksize=4)):
            writer.send(np.ascontiguousarray(image).tobytes())
            if index in wanted:
                name = frame_name(wanted[index] + 1)
                Image.fromarray(mask_image(instances, spec.mask_values)).save(masks_dir / name)
                cameras[name] = c2w.tolist()
            if preview is None:
                preview = image
            if progress is not None:
                progress(index + 1, n_frames)
    writer.close()
    Image.fromarray(preview).save(preview_path)
    truth = {
        **scene_truth(scene),
        "frame": "demo world (z up); cameras are OpenGL camera-to-world per extracted frame",
        "intrinsics": {"fl_x": focal_length(spec), "fl_y": focal_length(spec), "cx": spec.width / 2, "cy": spec.height / 2, "w": spec.width, "h": spec.height},
        "cameras": cameras,
    }
    truth_path.write_text(json.dumps(truth, indent=2))
    return truth
