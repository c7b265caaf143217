"""Carry MobileSAM prompts from a few key frames to every frame with the COLMAP geometry.

A user prompts each object on one or a few key frames. MobileSAM segments the
key frame; the COLMAP sparse points that the key frame sees inside an
object's mask are that object's 3D points. Projected into another frame with
its pose, they become that frame's point prompts, with a box from their
spread. Points COLMAP matched in that frame are known to be visible there and
are preferred; projections alone may fall on a leaf in front of the fruit.
Background (label 0) prompts are carried through the sparse point nearest to
them in the key frame, when one lies close enough.

Smooth fruits often carry no SIFT feature at all (the demo's carry none).
Such an object, prompted on two or more key frames, is triangulated instead:
the rays through its mask centroids meet at its centre, and its mask area
gives its radius; points on a smaller sphere stand in for its sparse points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invnerf_seg.cameras import project
from invnerf_seg.masks import MaskError


@dataclass(frozen=True)
class CarrySettings:
    """How carried prompts are made (config `mobilesam`)."""

    max_points: int = 3          # positive points per object and frame
    box_margin: float = 0.15     # box grown by this fraction of its size on each side
    negative_snap_px: float = 8  # a background prompt is carried when a sparse point is this close to it
    min_object_points: int = 3   # fewer sparse points inside an object's key masks: triangulate it instead
    min_ray_angle_deg: float = 3.0  # key-frame rays closer than this cannot triangulate an object


@dataclass
class SparseModel:
    """COLMAP sparse points and, per frame, the points it sees at which pixel."""

    points: dict[int, np.ndarray]
    seen: dict[str, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def from_json(cls, data: dict) -> "SparseModel":
        """From the poses stage's sparse.json."""
        points = {int(k): np.asarray(v, dtype=float) for k, v in data["points"].items()}
        seen = {
            name: (np.asarray(entry["xy"], dtype=float).reshape(-1, 2), np.asarray(entry["ids"], dtype=int))
            for name, entry in data["images"].items()
        }
        return cls(points, seen)

    @classmethod
    def without_points(cls, frame_names: list[str]) -> "SparseModel":
        """Posed frames with no sparse points (a posed dataset): every object must be triangulated."""
        return cls({}, {name: (np.zeros((0, 2)), np.zeros(0, dtype=int)) for name in frame_names})


def points_inside_mask(xy: np.ndarray, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The ids of the observed sparse points whose pixel lies inside a boolean mask."""
    if len(xy) == 0:
        return np.zeros(0, dtype=int)
    cols = np.clip(np.floor(xy[:, 0]).astype(int), 0, mask.shape[1] - 1)
    rows = np.clip(np.floor(xy[:, 1]).astype(int), 0, mask.shape[0] - 1)
    return np.unique(ids[mask[rows, cols]])


def nearest_point(xy: np.ndarray, ids: np.ndarray, target: np.ndarray, max_distance: float) -> int | None:
    """The id of the observed sparse point nearest a pixel, if within `max_distance` pixels."""
    if len(xy) == 0:
        return None
    distances = np.linalg.norm(xy - np.asarray(target, dtype=float), axis=1)
    best = int(np.argmin(distances))
    return int(ids[best]) if distances[best] <= max_distance else None


def pixel_ray(pixel: np.ndarray, c2w_opengl: np.ndarray, camera: dict) -> tuple[np.ndarray, np.ndarray]:
    """Origin and unit direction in the world of the ray through a pixel (distortion neglected)."""
    c2w = np.asarray(c2w_opengl, dtype=float)
    direction_camera = np.array([(pixel[0] - camera["cx"]) / camera["fl_x"], -(pixel[1] - camera["cy"]) / camera["fl_y"], -1.0])
    direction = c2w[:3, :3] @ direction_camera
    return c2w[:3, 3], direction / np.linalg.norm(direction)


def triangulate_object(views: list[tuple[np.ndarray, np.ndarray, dict]], settings: CarrySettings) -> tuple[np.ndarray, float] | None:
    """Centre and radius of an object from (mask, camera-to-world, camera) key views, or None.

    The centre is the least-squares meeting point of the rays through the
    mask centroids; the radius is the median of each view's disc radius
    (from the mask area) scaled by the centre's depth in that view.
    """
    rays = []
    for mask, c2w, camera in views:
        rows, cols = np.nonzero(mask)
        if len(rows):
            rays.append((*pixel_ray(np.array([cols.mean() + 0.5, rows.mean() + 0.5]), c2w, camera), len(rows), c2w, camera))
    if len(rays) < 2:
        return None
    directions = np.array([ray[1] for ray in rays])
    widest = np.degrees(np.arccos(np.clip(np.min(directions @ directions.T), -1, 1)))
    if widest < settings.min_ray_angle_deg:
        return None
    projectors = [np.eye(3) - np.outer(d, d) for d in directions]
    centre = np.linalg.solve(sum(projectors), sum(P @ ray[0] for P, ray in zip(projectors, rays)))
    radii = []
    for _, _, area, c2w, camera in rays:
        _, depth = project(centre[None], c2w, camera)
        radii.append(depth[0] * np.sqrt(area / np.pi) / camera["fl_x"])
    return centre, float(np.median(radii))


def sphere_points(centre: np.ndarray, radius: float, count: int = 24) -> np.ndarray:
    """The centre and `count` evenly spread points on a sphere around it (Fibonacci lattice)."""
    index = np.arange(count) + 0.5
    polar, azimuth = np.arccos(1 - 2 * index / count), np.pi * (1 + 5**0.5) * index
    unit = np.stack([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)], axis=1)
    return np.vstack([centre, centre + radius * unit])


def spread_points(pixels: np.ndarray, count: int) -> np.ndarray:
    """Up to `count` pixels spread over the set: farthest-point sampling from the most central one."""
    if len(pixels) <= count:
        return pixels
    chosen = [int(np.argmin(np.linalg.norm(pixels - np.median(pixels, axis=0), axis=1)))]
    distance = np.linalg.norm(pixels - pixels[chosen[0]], axis=1)
    while len(chosen) < count:
        chosen.append(int(np.argmax(distance)))
        distance = np.minimum(distance, np.linalg.norm(pixels - pixels[chosen[-1]], axis=1))
    return pixels[chosen]


def _in_view(pixels: np.ndarray, depth: np.ndarray, width: int, height: int) -> np.ndarray:
    return (depth > 0) & (pixels[:, 0] >= 0) & (pixels[:, 0] < width) & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)


@dataclass
class KeyObject:
    """One object as prompted on one key frame: its prompt and MobileSAM's mask of it."""

    frame: str
    prompt: dict
    mask: np.ndarray


@dataclass
class LiftedObject:
    """An object in 3D: ids of its (sparse or stand-in) points, of its background points, and its box margin."""

    points: list[int]
    negatives: list[int]
    box_margin: float


def lift_objects(key_objects: list[KeyObject], sparse: SparseModel, poses: dict[str, tuple[np.ndarray, dict]], settings: CarrySettings, where: str) -> dict[int, LiftedObject]:
    """Every prompted object in 3D, from all key frames that show it.

    An object's sparse points are those its key masks cover. With fewer than
    `min_object_points`, it is triangulated from its key frames and points on
    a sphere of half its radius stand in (added to `sparse` with negative ids,
    which no frame has observed); its box then grows to the full radius.
    """
    by_id: dict[int, list[KeyObject]] = {}
    for key in key_objects:
        if key.frame not in sparse.seen or key.frame not in poses:
            raise MaskError(f"{where}: key frame {key.frame} has no COLMAP pose, so its prompts cannot be carried; prompt a posed frame")
        by_id.setdefault(key.prompt["id"], []).append(key)
    lifted = {}
    for object_id, keys in sorted(by_id.items()):
        inside, negatives = set(), set()
        for key in keys:
            xy, ids = sparse.seen[key.frame]
            inside |= set(points_inside_mask(xy, ids, key.mask).tolist())
            for (x, y), label in zip(key.prompt.get("points", []), key.prompt.get("labels", [])):
                snapped = nearest_point(xy, ids, np.array([x, y]), settings.negative_snap_px) if label == 0 else None
                if snapped is not None:
                    negatives.add(snapped)
        margin = settings.box_margin
        if len(inside) < settings.min_object_points:
            solved = triangulate_object([(key.mask, *poses[key.frame]) for key in keys], settings)
            if solved is None:
                raise MaskError(
                    f"{where}: object {object_id} covers {len(inside)} COLMAP sparse point(s) in its key-frame mask(s) "
                    f"(smooth objects often have none) and cannot be triangulated: prompt it (same id) on a second key frame "
                    f"seen from at least {settings.min_ray_angle_deg:g} degrees away"
                )
            centre, radius = solved
            first = min(min(sparse.points, default=0), 0) - 1
            stand_ins = sphere_points(centre, radius / 2)
            for offset, point in enumerate(stand_ins):
                sparse.points[first - offset] = point
            inside = set(range(first - len(stand_ins) + 1, first + 1))
            margin = settings.box_margin + 0.5
        lifted[object_id] = LiftedObject(sorted(inside), sorted(negatives - inside), margin)
    return lifted


def carried_object(obj: LiftedObject, sparse: SparseModel, frame_name: str, c2w: np.ndarray, camera: dict, settings: CarrySettings) -> dict | None:
    """One object's prompt in a frame, or None when none of its points falls in the view."""
    object_ids, negative_ids = np.asarray(obj.points, dtype=int), np.asarray(obj.negatives, dtype=int)
    width, height = int(camera["w"]), int(camera["h"])
    xyz = np.array([sparse.points[i] for i in object_ids]).reshape(-1, 3)
    pixels, depth = project(xyz, c2w, camera)
    visible = _in_view(pixels, depth, width, height)
    if not visible.any():
        return None
    seen_ids = set(sparse.seen.get(frame_name, (None, np.zeros(0, dtype=int)))[1].tolist())
    observed = visible & np.array([i in seen_ids for i in object_ids])
    candidates = pixels[observed] if observed.any() else pixels[visible]
    positives = spread_points(candidates, settings.max_points)
    low, high = pixels[visible].min(axis=0), pixels[visible].max(axis=0)
    margin = np.maximum((high - low) * obj.box_margin, 2.0)
    low, high = np.maximum(low - margin, 0), np.minimum(high + margin, [width, height])
    points, labels = positives.tolist(), [1] * len(positives)
    if len(negative_ids):
        negatives, negative_depth = project(np.array([sparse.points[i] for i in negative_ids]), c2w, camera)
        for pixel in negatives[_in_view(negatives, negative_depth, width, height)]:
            points.append(pixel.tolist())
            labels.append(0)
    return {"points": points, "labels": labels, "box": [float(low[0]), float(low[1]), float(high[0]), float(high[1])]}


def carry_prompts(lifted: dict[int, LiftedObject], sparse: SparseModel, cameras: dict[str, tuple[np.ndarray, dict]], frame_names: list[str], settings: CarrySettings) -> dict[str, list[dict]]:
    """Prompts for every posed frame from the lifted objects (frames without a pose get none)."""
    carried = {}
    for name in frame_names:
        if name not in cameras:
            continue
        objects = []
        for object_id, obj in sorted(lifted.items()):
            prompt = carried_object(obj, sparse, name, *cameras[name], settings)
            if prompt is not None:
                objects.append({"id": object_id, **prompt})
        carried[name] = objects
    return carried
