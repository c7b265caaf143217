"""One row of traits per counted object: where it is, how big and how long, how many points, its colour, in which unit.

This is the table phenotyping tools end in (PlantCV, DIRT/3D: one row per
object). Sizes come from counting (`clustering.describe_objects`); the
principal extents (`clustering.principal_extents`) say how long, wide and
thick an object is, which a single diameter cannot (a pod is long, not
round); the colour is the RGB model's at the object's own points, which a
frame cannot give where another object hides it.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from invnerf_seg.clustering import NOISE

TRAIT_COLUMNS = [
    "object_id", "class", "centre_x", "centre_y", "centre_z", "diameter", "volume", "length", "width", "thickness", "points",
    "colour_r", "colour_g", "colour_b", "unit",
]


def object_colours(points: np.ndarray, appearance: np.ndarray, clustered: np.ndarray, labels: np.ndarray, count: int, max_distance: float) -> np.ndarray:
    """Mean RGB (0 to 255) of each object in the RGB model, over every cloud point of it.

    Counting labels voxel-downsampled points (`clustered`); each cloud point
    takes the label of the nearest of them within `max_distance` (a voxel's
    diagonal), so points counting dropped as outliers or noise colour no
    object. `appearance` is the RGB model's colour of each cloud point (in
    [0, 1]). An object with no such point gets NaN.
    """
    point_labels = np.full(len(points), NOISE)
    if len(clustered) and len(points):
        distance, nearest = cKDTree(clustered).query(points, distance_upper_bound=max_distance)
        found = np.isfinite(distance)
        point_labels[found] = labels[nearest[found]]
    keep = point_labels != NOISE
    sums, hits = np.zeros((count, 3)), np.zeros(count)
    np.add.at(sums, point_labels[keep], 255.0 * appearance[keep])
    np.add.at(hits, point_labels[keep], 1)
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
