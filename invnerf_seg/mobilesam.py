"""Masks from MobileSAM: segment-anything's predictor running the MobileSAM `vit_t` model.

The user prompts objects on one or a few key frames in a JSON file:

    {"frames": {"frame_00001.png": [
        {"id": 1, "points": [[120, 80], [40, 200]], "labels": [1, 0], "box": [100, 60, 150, 110]},
        {"id": 2, "points": [[210, 95]], "labels": [1]}
    ]}}

Each entry is one object: `labels` says which points are on it (1) or on the
background (0); `box` (x0, y0, x1, y1) is optional; `id` (1-254, default its
place in the list) names the object across key frames and is its grey value
in the masks. Frames without prompts get prompts carried from the key frames
through the COLMAP sparse points (prompt_carry). The checkpoint is never
downloaded: its path comes from the config.
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

from invnerf_seg.cameras import posed_cameras
from invnerf_seg.frames import frame_size, list_frames
from invnerf_seg.masks import MaskError, is_point, write_labels
from invnerf_seg.prompt_carry import CarrySettings, KeyObject, SparseModel, carry_prompts, lift_objects


def load_predictor(checkpoint: Path | None) -> SamPredictor:
    """The MobileSAM predictor on the available device; `None` builds an untrained model (tests)."""
    if checkpoint is not None and not checkpoint.is_file():
        raise MaskError(f"MobileSAM checkpoint not found: {checkpoint} (get weights/mobile_sam.pt from the MobileSAM project)")
    try:
        model = sam_model_registry["vit_t"](checkpoint=str(checkpoint) if checkpoint else None)
    except Exception as error:  # torch's unpickler and load_state_dict raise many kinds on a file that is not these weights
        raise MaskError(
            f"cannot load MobileSAM checkpoint {checkpoint} ({type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}); "
            "it must be weights/mobile_sam.pt from the MobileSAM project"
        ) from error
    model.to("cuda" if torch.cuda.is_available() else "cpu").eval()
    return SamPredictor(model)


def _check_object(obj: dict, where: str, width: int, height: int) -> None:
    """Refuse prompts that do not fit the frame, naming the frame and the prompt."""
    if not isinstance(obj.get("id"), int) or not 1 <= obj["id"] <= 254:
        raise MaskError(f"{where}: id must be an integer from 1 to 254")
    points = obj.get("points", [])
    labels = obj.get("labels", [])
    if not points and "box" not in obj:
        raise MaskError(f"{where}: an object needs points or a box")
    if len(points) != len(labels) or any(label not in (0, 1) for label in labels):
        raise MaskError(f"{where}: give one label (1 object, 0 background) per point")
    if not all(is_point(point) for point in points):
        raise MaskError(f"{where}: every point must be two numbers [x, y] (pixels), got {points}")
    if "box" in obj and not (isinstance(obj["box"], list) and len(obj["box"]) == 4 and is_point(obj["box"][:2]) and is_point(obj["box"][2:])):
        raise MaskError(f"{where}: a box is four numbers [x0, y0, x1, y1] (pixels), got {obj['box']}")
    for x, y in points:
        if not (0 <= x < width and 0 <= y < height):
            raise MaskError(f"{where}: point ({x}, {y}) lies outside the {width}x{height} image")
    if "box" in obj:
        x0, y0, x1, y1 = obj["box"]
        if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise MaskError(f"{where}: box {obj['box']} is not inside the {width}x{height} image")


def read_prompts(path: Path, frame_sizes: dict[str, tuple[int, int]], every_frame: bool) -> dict[str, list[dict]]:
    """Prompts per key frame, checked against the frame's size, each object with its `id`.

    With `every_frame` (no geometry to carry prompts with) every frame needs its own.
    """
    try:
        prompts = json.loads(Path(path).read_text())["frames"]
        if not isinstance(prompts, dict) or not all(isinstance(objects, list) for objects in prompts.values()):
            raise TypeError("'frames' must map frame names to lists of objects")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MaskError(f"cannot read prompts file {path}: expected JSON with a 'frames' object ({error})") from error
    prompts = {name: objects for name, objects in prompts.items() if objects}
    if not prompts:
        raise MaskError(f"prompts file {path} prompts no object on any frame")
    missing = [name for name in frame_sizes if name not in prompts]
    if every_frame and missing:
        raise MaskError(f"prompts file {path} has no prompts for {len(missing)} frame(s): {', '.join(missing[:5])} (without COLMAP points, every frame needs prompts)")
    for name, objects in prompts.items():
        if name not in frame_sizes:
            raise MaskError(f"prompts file {path} names {name}, which is not a frame of this scene")
        for index, obj in enumerate(objects):
            obj.setdefault("id", index + 1)
            _check_object(obj, f"{path}, {name}, object {index + 1}", *frame_sizes[name])
    return prompts


def segment_objects(predictor: SamPredictor, image: np.ndarray, objects: list[dict]) -> list[np.ndarray]:
    """One boolean mask per prompted object on one RGB frame (the image is encoded once)."""
    predictor.set_image(image)
    masks = []
    for obj in objects:
        points = np.asarray(obj["points"], dtype=np.float32) if obj.get("points") else None
        labels = np.asarray(obj["labels"], dtype=np.int64) if obj.get("points") else None
        box = np.asarray(obj["box"], dtype=np.float32) if "box" in obj else None
        predicted, _, _ = predictor.predict(point_coords=points, point_labels=labels, box=box, multimask_output=False)
        masks.append(predicted[0])
    return masks


def object_labels(shape: tuple[int, int], objects: list[dict], masks: list[np.ndarray]) -> np.ndarray:
    """The id image of a frame: each object's mask painted with its id (later objects on top)."""
    labels = np.zeros(shape, dtype=np.uint8)
    for obj, mask in zip(objects, masks):
        labels[mask] = obj["id"]
    return labels


def segment_frames_with_prompts(
    checkpoint: Path | None,
    prompts_path: Path,
    frames_dir: Path,
    out_dir: Path,
    geometry: tuple[dict, SparseModel] | None = None,
    settings: CarrySettings = CarrySettings(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Path], dict[str, list[dict]]]:
    """An id mask per frame from MobileSAM; returns the masks and the prompts each frame used.

    Key frames use the user's prompts. With `geometry` (transforms, sparse
    model) the other posed frames get carried prompts; frames without a pose
    get no mask, as they are dropped from training too.
    """
    frames = list_frames(frames_dir)
    sizes = {frame.name: frame_size(frame) for frame in frames}
    key_prompts = read_prompts(prompts_path, sizes, every_frame=geometry is None)
    predictor = load_predictor(checkpoint)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = {frame.name: frame for frame in frames}
    used = dict(key_prompts)
    key_objects = []
    written = []

    def segment(name: str, objects: list[dict]) -> list[np.ndarray]:
        image = np.asarray(Image.open(images[name]).convert("RGB"))
        masks = segment_objects(predictor, image, objects) if objects else []
        write_labels(object_labels(image.shape[:2], objects, masks), out_dir / name)
        written.append(out_dir / name)
        if progress is not None:
            progress(len(written), len(frames))
        return masks

    for name in sorted(key_prompts):
        masks = segment(name, key_prompts[name])
        key_objects += [KeyObject(name, prompt, mask) for prompt, mask in zip(key_prompts[name], masks)]
    others = [frame.name for frame in frames if frame.name not in key_prompts]
    if geometry is not None and others:
        transforms, sparse = geometry
        cameras = posed_cameras(transforms)
        lifted = lift_objects(key_objects, sparse, cameras, settings, str(prompts_path))
        carried = carry_prompts(lifted, sparse, cameras, others, settings)
        used.update(carried)
        for name, objects in sorted(carried.items()):
            segment(name, objects)
    return sorted(written), used
