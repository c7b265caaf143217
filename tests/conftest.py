"""Shared test helpers: small images and videos made on the spot."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from invnerf_seg.nerf_data import build_datasets
from invnerf_seg.posed_dataset import import_posed_dataset, import_semantics
from tests.posed_data import write_posed_dataset

REPO = Path(__file__).resolve().parents[1]


def write_video(path: Path, frames: list[np.ndarray], fps: int = 30) -> Path:
    """An H.264 mp4 of the given RGB frames (sizes must be multiples of 16)."""
    height, width = frames[0].shape[:2]
    writer = imageio_ffmpeg.write_frames(str(path), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p", output_params=["-crf", "10"], macro_block_size=16)
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame).tobytes())
    writer.close()
    return path


@pytest.fixture
def numbered_video(tmp_path: Path) -> Path:
    """60 frames at 30 fps whose grey level encodes the frame index (4 levels per frame)."""
    frames = [np.full((48, 64, 3), (4 * i) % 256, dtype=np.uint8) for i in range(60)]
    return write_video(tmp_path / "numbered.mp4", frames)


def write_png(path: Path, array: np.ndarray) -> Path:
    """Save an array as PNG, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


# A nerfacto small enough to train tens of steps in seconds on a CPU.
TINY_MODEL = {
    "num_proposal_samples_per_ray": [16, 8], "num_nerf_samples_per_ray": 8, "num_levels": 4, "log2_hashmap_size": 12,
    "max_res": 64, "hidden_dim": 16, "hidden_dim_color": 16, "far_plane": 10.0,
}


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    """A 64x48, six-view nerfstudio dataset of a small demo plant."""
    root = tmp_path / "posed"
    write_posed_dataset(root)
    transforms = import_posed_dataset(root, tmp_path / "frames", tmp_path / "transforms.json")
    import_semantics(root, tmp_path / "masks")
    build_datasets(transforms, tmp_path / "frames", tmp_path / "masks", tmp_path / "data_rgb", tmp_path / "data_mask", None)
    return tmp_path / "data_rgb"
