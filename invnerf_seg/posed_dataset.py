"""Posed input in the FruitNeRF dataset layout: transforms.json + images/ (+ semantics/).

The dataset's cameras are taken as given: intrinsics (top-level or per
frame), distortion and the OpenGL camera-to-world matrices. Its world frame is
kept, so every 3D output of the workflow is in the dataset's own coordinates.
Only the keys below are carried over; anything nerfstudio would use to move
the poses (applied_transform, applied_scale, orientation_override) is left
out on purpose, because it would change the world frame of the outputs.
Segmentation masks come from `semantics/` through each frame's
`semantic_path` (pixels > 127 are object), never from nerfstudio's
`mask_path`, which nerfstudio reads as a loss mask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from invnerf_seg.cameras import DISTORTION_KEYS, INTRINSIC_KEYS, frame_camera
from invnerf_seg.masks import MaskError, read_labels, write_labels

# Camera models of nerfstudio's transforms.json that the NeRF stages can train on.
CAMERA_MODELS = ("SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV", "OPENCV_FISHEYE")


class PosedDatasetError(ValueError):
    """The posed dataset cannot be used as it is."""


@dataclass
class PosedFrame:
    """One posed image: where it is, its mask (if any) and its camera."""

    stem: str
    image: Path
    semantic: Path | None
    transform_matrix: list[list[float]]
    camera: dict = field(default_factory=dict)


def _read_transforms(root: Path) -> dict:
    path = root / "transforms.json"
    if not root.is_dir():
        raise PosedDatasetError(f"posed dataset folder not found: {root}")
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise PosedDatasetError(f"posed dataset {root} has no transforms.json") from error
    except (OSError, ValueError) as error:
        raise PosedDatasetError(f"cannot read {path}: {error}") from error
    if not isinstance(meta, dict) or not meta.get("frames"):
        raise PosedDatasetError(f"{path} lists no frames")
    model = meta.get("camera_model", "OPENCV")
    if model not in CAMERA_MODELS:
        raise PosedDatasetError(f"{path}: camera_model {model!r} is not supported; use one of {', '.join(CAMERA_MODELS)}")
    return meta


def _frame_camera(meta: dict, frame: dict, where: str) -> dict:
    """The frame's intrinsics (per-frame values override the top-level ones), all present."""
    camera = frame_camera(meta, frame)
    missing = [key for key, value in camera.items() if value is None]
    if missing:
        raise PosedDatasetError(f"{where}: no {', '.join(missing)} (neither per frame nor at the top level)")
    return camera


def inside(root: Path, relative: str, where: str) -> Path:
    """`relative` under the dataset folder, refused when it leads outside it (`..`, an absolute path, a link out)."""
    path = root / relative
    if not path.resolve().is_relative_to(root.resolve()):
        raise PosedDatasetError(f"{where}: {relative!r} lies outside the dataset folder {root}; images and masks must be inside it")
    return path


def _semantic_path(root: Path, frame: dict, image: Path, where: str) -> Path | None:
    """The frame's mask: its `semantic_path`, else semantics/ with the image's stem, else none."""
    if frame.get("semantic_path"):
        return inside(root, frame["semantic_path"], where)
    candidates = sorted((root / "semantics").glob(f"{image.stem}.*")) if (root / "semantics").is_dir() else []
    return candidates[0] if candidates else None


def read_posed_dataset(root: Path) -> tuple[dict, list[PosedFrame]]:
    """The dataset's shared camera keys and its frames, every file and camera checked."""
    root = Path(root)
    meta = _read_transforms(root)
    path = root / "transforms.json"
    frames, seen = [], {}
    for index, frame in enumerate(meta["frames"]):
        where = f"{path}, frame {index + 1}"
        if "file_path" not in frame or "transform_matrix" not in frame:
            raise PosedDatasetError(f"{where}: needs file_path and transform_matrix")
        try:
            matrix = np.asarray(frame["transform_matrix"], dtype=float)
        except (TypeError, ValueError):
            matrix = np.full(1, np.nan)
        if matrix.shape != (4, 4) or not np.isfinite(matrix).all():
            raise PosedDatasetError(f"{where}: transform_matrix is not a finite 4x4 matrix of numbers")
        if abs(np.linalg.det(matrix[:3, :3])) < 1e-6:
            raise PosedDatasetError(f"{where}: transform_matrix has a singular rotation (an all-zero or flat 3x3 block), so the camera has no direction")
        image = inside(root, frame["file_path"], where)
        if not image.is_file():
            raise PosedDatasetError(f"{where}: image {image} is missing")
        if image.stem in seen:
            raise PosedDatasetError(f"{where}: image name {image.stem} is used twice ({seen[image.stem]} and {image}); names must be unique")
        seen[image.stem] = image
        camera = _frame_camera(meta, frame, where)
        try:
            with Image.open(image) as opened:
                opened.load()
                size = opened.size
        except (OSError, ValueError) as error:
            raise PosedDatasetError(f"cannot read image {image}: {error}") from error
        if size != (int(camera["w"]), int(camera["h"])):
            raise PosedDatasetError(f"image {image} is {size[0]}x{size[1]}, {path} says {camera['w']}x{camera['h']}")
        per_frame = {key: frame[key] for key in INTRINSIC_KEYS + DISTORTION_KEYS if key in frame}
        frames.append(PosedFrame(image.stem, image, _semantic_path(root, frame, image, where), matrix.tolist(), per_frame))
    shared = {"camera_model": meta.get("camera_model", "OPENCV")}
    shared.update({key: meta[key] for key in INTRINSIC_KEYS + DISTORTION_KEYS if key in meta})
    return shared, frames


def import_posed_dataset(root: Path, frames_dir: Path, transforms_path: Path) -> dict:
    """Copy the images as PNG frames named by their stems and write the workflow's transforms.json."""
    shared, frames = read_posed_dataset(root)
    frames_dir.mkdir(parents=True, exist_ok=True)
    transforms = dict(shared)
    transforms["frames"] = []
    for frame in sorted(frames, key=lambda f: f.stem):
        Image.open(frame.image).convert("RGB").save(frames_dir / f"{frame.stem}.png")
        entry = {"file_path": f"images/{frame.stem}.png", "transform_matrix": frame.transform_matrix}
        entry.update(frame.camera)
        transforms["frames"].append(entry)
    transforms_path.parent.mkdir(parents=True, exist_ok=True)
    transforms_path.write_text(json.dumps(transforms, indent=2))
    return transforms


def import_semantics(root: Path, out_dir: Path) -> list[Path]:
    """The dataset's semantic masks as workflow masks (> 127 is object); every frame needs one."""
    _, frames = read_posed_dataset(root)
    without = [frame.image.name for frame in frames if frame.semantic is None]
    if without:
        shown = ", ".join(without[:5]) + (" ..." if len(without) > 5 else "")
        raise MaskError(f"{len(without)} image(s) of {root} have no semantic mask (no semantic_path, nothing in semantics/): {shown}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in frames:
        if not frame.semantic.is_file():
            raise MaskError(f"semantic mask {frame.semantic} of image {frame.image.name} is missing")
        with Image.open(frame.image) as image:
            size = image.size
        write_labels(read_labels(frame.semantic, expected_size=size, encoding="binary"), out_dir / f"{frame.stem}.png")
        written.append(out_dir / f"{frame.stem}.png")
    return sorted(written)
