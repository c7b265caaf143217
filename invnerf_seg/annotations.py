"""LabelMe / AnyLabeling polygon annotations rasterised into the workflow's masks.

Both tools save one JSON per image:

    {"imageWidth": 640, "imageHeight": 480, "imagePath": "frame_00001.png",
     "shapes": [{"label": "pod", "shape_type": "polygon", "points": [[x, y], ...]}, ...]}

Each label name becomes one class id, numbered in sorted name order over the
whole annotation set so that an id means the same class in every frame; the
mapping is written next to the masks (label_ids.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from invnerf_seg.frames import frame_size
from invnerf_seg.masks import MaskError, frames_covered_by, is_point, write_labels

SHAPE_TYPES = ("polygon", "rectangle", "circle")
LABEL_IDS_FILE = "label_ids.json"  # beside the masks: label name -> the grey value it was drawn with


def read_annotation(path: Path) -> dict:
    """One annotation file, with the fields rasterisation needs checked."""
    try:
        annotation = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise MaskError(f"cannot read annotation {path}: {error}") from error
    if not isinstance(annotation, dict) or not isinstance(annotation.get("shapes"), list):
        raise MaskError(f"annotation {path} has no 'shapes' list (expected a LabelMe / AnyLabeling JSON)")
    for index, shape in enumerate(annotation["shapes"]):
        if not isinstance(shape, dict):
            raise MaskError(f"annotation {path}, shape {index + 1}: a shape is an object with label and points, not {type(shape).__name__}")
        kind = shape.get("shape_type") or "polygon"
        points = shape.get("points")
        if kind not in SHAPE_TYPES:
            raise MaskError(f"annotation {path}, shape {index + 1}: shape_type {kind!r} is not one of {SHAPE_TYPES}")
        needed = 3 if kind == "polygon" else 2
        if not isinstance(points, list) or len(points) < needed or not shape.get("label"):
            raise MaskError(f"annotation {path}, shape {index + 1}: a {kind} needs a label and at least {needed} points")
        if not all(is_point(point) for point in points):
            raise MaskError(f"annotation {path}, shape {index + 1}: every point must be two numbers [x, y] (pixels)")
    return annotation


def class_ids(annotations: list[dict]) -> dict[str, int]:
    """One id per label name (1, 2, ... in sorted order) over the whole annotation set."""
    names = sorted({shape["label"] for annotation in annotations for shape in annotation["shapes"]})
    if len(names) > 254:
        raise MaskError(f"{len(names)} label names do not fit in 8-bit class masks")
    return {name: index + 1 for index, name in enumerate(names)}


def rasterize(annotation: dict, size: tuple[int, int], ids: dict[str, int], where: Path) -> np.ndarray:
    """The class-id image of one annotation at the frame size (width, height); later shapes overdraw."""
    declared = (annotation.get("imageWidth"), annotation.get("imageHeight"))
    if None not in declared and tuple(declared) != tuple(size):
        raise MaskError(f"annotation {where} is for a {declared[0]}x{declared[1]} image but its frame is {size[0]}x{size[1]}")
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    for index, shape in enumerate(annotation["shapes"]):
        points = [tuple(map(float, point)) for point in shape["points"]]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        if shape.get("shape_type") != "circle" and (max(xs) < 0 or max(ys) < 0 or min(xs) >= size[0] or min(ys) >= size[1]):
            raise MaskError(
                f"annotation {where}, shape {index + 1}: {shape['label']!r} lies wholly outside the {size[0]}x{size[1]} image "
                "(points are pixels of the frame)"
            )
        value = ids[shape["label"]]
        kind = shape.get("shape_type") or "polygon"
        if kind == "polygon":
            draw.polygon(points, fill=value)
        elif kind == "rectangle":
            (x0, y0), (x1, y1) = points[:2]
            draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], fill=value)
        else:
            (cx, cy), (px, py) = points[:2]
            radius = float(np.hypot(px - cx, py - cy))
            draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=value)
    return np.asarray(canvas)


def import_annotations(source_dir: Path, frames_dir: Path, out_dir: Path) -> tuple[list[Path], dict[str, int]]:
    """Rasterise the annotation of every frame into class-coded masks; write label_ids.json beside them."""
    frames = frames_covered_by(source_dir, frames_dir, ".json", "annotation")
    annotations = [read_annotation(source_dir / f"{frame.stem}.json") for frame in frames]
    ids = class_ids(annotations)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame, annotation in zip(frames, annotations):
        labels = rasterize(annotation, frame_size(frame), ids, source_dir / f"{frame.stem}.json")
        write_labels(labels, out_dir / frame.name)
        written.append(out_dir / frame.name)
    (out_dir / LABEL_IDS_FILE).write_text(json.dumps(ids, indent=2))
    return written, ids
