"""One row of traits per counted object: where it is, how big and how long, how many points, its colour, in which unit.

This is the table phenotyping tools end in (PlantCV, DIRT/3D: one row per
object). Sizes come from counting (`clustering.describe_objects`); the
principal extents (`clustering.principal_extents`) say how long, wide and
thick an object is, which a single diameter cannot (a pod is long, not
round); the colour is read from the
frames where the object's points fall inside the object masks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from invnerf_seg.cameras import posed_cameras, project
from invnerf_seg.clustering import NOISE
from invnerf_seg.masks import read_labels

TRAIT_COLUMNS = [
    "object_id", "class", "centre_x", "centre_y", "centre_z", "diameter", "volume", "length", "width", "thickness", "points",
    "colour_r", "colour_g", "colour_b", "unit",
]


def object_colours(points: np.ndarray, labels: np.ndarray, count: int, transforms: dict, frames_dir: Path, masks_dir: Path,
                   max_views: int = 12) -> np.ndarray:
    """Mean RGB (0 to 255) of each object in the frames: the pixels its points project to that the masks mark as object.

    Up to `max_views` frames spread over the sequence are read. An object
    with no such pixel gets NaN.
    """
    cameras = posed_cameras(transforms)
    names = [name for name in sorted(cameras) if (frames_dir / name).is_file() and (masks_dir / name).is_file()]
    sums, hits = np.zeros((count, 3)), np.zeros(count)
    keep = labels != NOISE
    for name in names[:: max(1, len(names) // max_views)][:max_views]:
        c2w, camera = cameras[name]
        frame = np.asarray(Image.open(frames_dir / name).convert("RGB"), dtype=float)
        mask = read_labels(masks_dir / name, frame.shape[1::-1]) > 0  # the masks stage's id images
        pixels, depth = project(points[keep], c2w, camera)
        columns, rows = np.floor(pixels[:, 0]).astype(int), np.floor(pixels[:, 1]).astype(int)
        inside = (depth > 0) & (columns >= 0) & (rows >= 0) & (columns < frame.shape[1]) & (rows < frame.shape[0])
        inside[inside] &= mask[rows[inside], columns[inside]]
        np.add.at(sums, labels[keep][inside], frame[rows[inside], columns[inside]])
        np.add.at(hits, labels[keep][inside], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / hits[:, None]


def traits_rows(objects: list[dict], colours: np.ndarray, unit: str) -> list[dict]:
    """One row per counted object (`objects` as counting describes them) with its colour."""
    rows = []
    for obj, colour in zip(objects, colours):
        rows.append({
            "object_id": obj["id"], "class": obj.get("class", ""), **dict(zip(("centre_x", "centre_y", "centre_z"), obj["centre"])),
            "diameter": obj["diameter"], "volume": obj["volume"], "length": obj["length"], "width": obj["width"], "thickness": obj["thickness"],
            "points": obj["points"], **{key: ("" if np.isnan(value) else round(float(value))) for key, value in zip(("colour_r", "colour_g", "colour_b"), colour)},
            "unit": unit,
        })
    return rows
