"""The two nerfstudio datasets of InvNeRF-Seg: RGB frames, and masks given as RGB images.

Both get a byte-identical transforms.json: nerfstudio normalises poses over
the whole frame list, so the fine-tuned model only loads the RGB checkpoint
when both stages see the same frames in the same order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from invnerf_seg.cameras import frame_camera
from invnerf_seg.mask_colours import CLASSES_FILE, class_colours, colour_image, write_classes
from invnerf_seg.masks import read_labels


class DatasetError(ValueError):
    """Frames, masks and poses do not fit together."""


def scaled_intrinsics(camera: dict, factor: float) -> dict:
    """Intrinsics for images resized by `factor`; keys a frame does not override stay absent.

    Distortion coefficients act on normalised coordinates, so they do not scale.
    """
    scaled = dict(camera)
    for key in ("fl_x", "fl_y", "cx", "cy"):
        if key in camera:
            scaled[key] = camera[key] * factor
    for key in ("w", "h"):
        if key in camera:
            scaled[key] = int(round(camera[key] * factor))
    return scaled


def resize_factor(width: int, max_width: int | None) -> float:
    """How much to shrink images so that they are at most `max_width` wide."""
    return 1.0 if not max_width or width <= max_width else max_width / width


def frame_stems(transforms: dict) -> list[str]:
    """The frame stems a transforms.json lists, in its order."""
    if not transforms.get("frames"):
        raise DatasetError("transforms.json lists no frames")
    return [Path(frame["file_path"]).stem for frame in transforms["frames"]]


def mask_classes(masks_dir: Path, stems: list[str], multiclass: bool) -> dict[int, tuple[float, float, float]]:
    """The class colours of a scene's masks: white alone, or one colour per mask value over all frames."""
    if not multiclass:
        return class_colours([], multiclass=False)
    values: set[int] = set()
    for stem in stems:
        mask_path = masks_dir / f"{stem}.png"
        if mask_path.is_file():
            values.update(int(v) for v in np.unique(read_labels(mask_path)))
    return class_colours(sorted(values), multiclass=True)


def build_datasets(transforms: dict, frames_dir: Path, masks_dir: Path, rgb_dir: Path, mask_dir: Path, max_width: int | None, multiclass: bool = False) -> dict:
    """Write the RGB and the mask dataset folders; return their shared transforms.

    Every frame that has a pose must have a frame image and a mask of the same
    size; anything else stops here, naming the file, before hours of training.
    The mask dataset's images are the masks in their class colours, and its
    classes.json says which colour is which mask value.
    """
    stems = frame_stems(transforms)
    classes = mask_classes(masks_dir, stems, multiclass)
    shared = scaled_intrinsics({key: value for key, value in transforms.items() if key != "frames"}, resize_factor(int(transforms.get("w", 0)), max_width))
    shared["frames"] = []
    for directory in (rgb_dir, mask_dir):
        (directory / "images").mkdir(parents=True, exist_ok=True)
    for stem, frame in zip(stems, transforms["frames"]):
        frame_path = frames_dir / f"{stem}.png"
        mask_path = masks_dir / f"{stem}.png"
        if not frame_path.is_file():
            raise DatasetError(f"frame {frame_path} listed in transforms.json is missing")
        if not mask_path.is_file():
            raise DatasetError(f"mask {mask_path} is missing for frame {stem}")
        camera = frame_camera(transforms, frame)
        image = Image.open(frame_path).convert("RGB")
        if image.size != (camera["w"], camera["h"]):
            raise DatasetError(f"frame {frame_path} is {image.size[0]}x{image.size[1]}, transforms.json says {camera['w']}x{camera['h']}")
        factor = resize_factor(int(camera["w"]), max_width)
        size = (int(round(camera["w"] * factor)), int(round(camera["h"] * factor)))
        labels = read_labels(mask_path, expected_size=image.size)
        image.resize(size, Image.BOX).save(rgb_dir / "images" / f"{stem}.png")
        Image.fromarray(colour_image(labels, classes)).resize(size, Image.BOX).save(mask_dir / "images" / f"{stem}.png")
        per_frame = {key: value for key, value in frame.items() if key not in ("file_path", "transform_matrix")}
        entry = {"file_path": f"images/{stem}.png", "transform_matrix": frame["transform_matrix"]}
        shared["frames"].append({**entry, **scaled_intrinsics(per_frame, factor)})
    text = json.dumps(shared, indent=2)
    for directory in (rgb_dir, mask_dir):
        (directory / "transforms.json").write_text(text)
    write_classes(mask_dir / CLASSES_FILE, classes)
    return shared
