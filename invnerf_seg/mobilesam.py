"""Masks from MobileSAM: segment-anything's predictor running the MobileSAM `vit_t` model.

The user gives point and box prompts per frame in a JSON file:

    {"frames": {"frame_00001.png": [
        {"points": [[120, 80], [40, 200]], "labels": [1, 0], "box": [100, 60, 150, 110]},
        {"points": [[210, 95]], "labels": [1]}
    ]}}

Each entry of a frame is one object: `labels` says which points are on it (1)
or on the background (0); `box` (x0, y0, x1, y1) is optional. The frame's mask
is the union of its objects. The checkpoint is never downloaded: its path
comes from the config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from mobile_sam import sam_model_registry
from PIL import Image
from segment_anything import SamPredictor

from invnerf_seg.masks import MaskError, write_mask


def load_predictor(checkpoint: Path | None) -> SamPredictor:
    """The MobileSAM predictor on the available device; `None` builds an untrained model (tests)."""
    if checkpoint is not None and not checkpoint.is_file():
        raise MaskError(f"MobileSAM checkpoint not found: {checkpoint} (get weights/mobile_sam.pt from the MobileSAM project)")
    model = sam_model_registry["vit_t"](checkpoint=str(checkpoint) if checkpoint else None)
    model.to("cuda" if torch.cuda.is_available() else "cpu").eval()
    return SamPredictor(model)


def _check_object(obj: dict, where: str, width: int, height: int) -> None:
    """Refuse prompts that do not fit the frame, naming the frame and the prompt."""
    points = obj.get("points", [])
    labels = obj.get("labels", [])
    if not points and "box" not in obj:
        raise MaskError(f"{where}: an object needs points or a box")
    if len(points) != len(labels) or any(label not in (0, 1) for label in labels):
        raise MaskError(f"{where}: give one label (1 object, 0 background) per point")
    for x, y in points:
        if not (0 <= x < width and 0 <= y < height):
            raise MaskError(f"{where}: point ({x}, {y}) lies outside the {width}x{height} image")
    if "box" in obj:
        x0, y0, x1, y1 = obj["box"]
        if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise MaskError(f"{where}: box {obj['box']} is not inside the {width}x{height} image")


def read_prompts(path: Path, frame_sizes: dict[str, tuple[int, int]]) -> dict[str, list[dict]]:
    """Prompts per frame name, checked against every frame's size; every frame needs prompts."""
    try:
        prompts = json.loads(Path(path).read_text())["frames"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MaskError(f"cannot read prompts file {path}: expected JSON with a 'frames' object ({error})") from error
    missing = [name for name in frame_sizes if not prompts.get(name)]
    if missing:
        raise MaskError(f"prompts file {path} has no prompts for {len(missing)} frame(s): {', '.join(missing[:5])}")
    for name, objects in prompts.items():
        if name not in frame_sizes:
            raise MaskError(f"prompts file {path} names {name}, which is not an extracted frame")
        for index, obj in enumerate(objects):
            _check_object(obj, f"{path}, {name}, object {index + 1}", *frame_sizes[name])
    return prompts


def segment_frame(predictor: SamPredictor, image: np.ndarray, objects: list[dict]) -> np.ndarray:
    """The union of the objects' masks on one RGB frame."""
    predictor.set_image(image)
    union = np.zeros(image.shape[:2], dtype=bool)
    for obj in objects:
        points = np.asarray(obj["points"], dtype=np.float32) if obj.get("points") else None
        labels = np.asarray(obj["labels"], dtype=np.int64) if obj.get("points") else None
        box = np.asarray(obj["box"], dtype=np.float32) if "box" in obj else None
        masks, _, _ = predictor.predict(point_coords=points, point_labels=labels, box=box, multimask_output=False)
        union |= masks[0]
    return union


def segment_frames_with_prompts(checkpoint: Path | None, prompts_path: Path, frames_dir: Path, out_dir: Path, progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """A mask per frame from MobileSAM and the user's prompts, written like provided masks."""
    frames = sorted(frames_dir.glob("frame_*.png"))
    sizes = {frame.name: Image.open(frame).size for frame in frames}
    prompts = read_prompts(prompts_path, sizes)
    predictor = load_predictor(checkpoint)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index, frame in enumerate(frames):
        mask = segment_frame(predictor, np.asarray(Image.open(frame).convert("RGB")), prompts[frame.name])
        write_mask(mask, out_dir / frame.name)
        written.append(out_dir / frame.name)
        if progress is not None:
            progress(index + 1, len(frames))
    return written
