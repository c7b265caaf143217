"""Metric scale for a COLMAP scene: printed ArUco markers of known size lying in it, or a known distance between two cameras.

COLMAP's world has an arbitrary scale, so a diameter of "0.29" cannot be
compared between plants or with a caliper. A scale reference fixes it; the
scene's cameras are then rescaled to metres before the NeRF datasets are
made, so that every 3D output (clouds, centres, diameters, volumes, traits)
is in metres.

Markers: each frame's ArUco markers of the configured dictionary and ids are
detected (OpenCV). A marker's centre is triangulated in the scene's world from
the rays through its image centre in every frame that sees it. In each of those
frames, the marker's pose from its four corners (a square of known side,
OpenCV's IPPE) gives the camera's distance to the centre in metres; over the
same distance in scene units it is one estimate of metres per unit. The scale
is their median, and their spread is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from invnerf_seg.cameras import posed_cameras

# Frames with a marker needed at the least: fewer give no spread worth the name.
MIN_MARKER_VIEWS = 3


class ScaleError(ValueError):
    """The scale reference cannot be found or used."""


@dataclass(frozen=True)
class MarkerDetection:
    """One marker seen in one frame: its id and its four corners in pixels (OpenCV's order: clockwise from top left)."""

    frame: str
    marker_id: int
    corners: np.ndarray


def aruco_dictionary(name: str):
    """OpenCV's predefined ArUco dictionary of that name (DICT_4X4_50, DICT_5X5_100, ...)."""
    if not name.startswith("DICT_") or not hasattr(cv2.aruco, name):
        known = ", ".join(sorted(key for key in dir(cv2.aruco) if key.startswith("DICT_") and "ARUCO" not in key)[:8])
        raise ScaleError(f"unknown ArUco dictionary {name!r}; OpenCV's are named like {known} ...")
    return cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name))


def detect_markers(frames: list[Path], dictionary: str, ids: list[int] | None) -> list[MarkerDetection]:
    """The markers of `dictionary` (only `ids`, when given) in every frame."""
    parameters = cv2.aruco.DetectorParameters()
    # AprilTag's edge-fitted corners: on 15 to 35 pixel markers of rendered plants, the distances they gave were 0.5% short
    # (spread 0.2%), against 3.5% too far without refinement and 1.7% with OpenCV's sub-pixel corners.
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_APRILTAG
    detector = cv2.aruco.ArucoDetector(aruco_dictionary(dictionary), parameters)
    detections = []
    for frame in frames:
        grey = np.asarray(Image.open(frame).convert("L"))
        corners, found, _ = detector.detectMarkers(grey)
        for marker_corners, marker_id in zip(corners, [] if found is None else found.ravel()):
            if ids is None or int(marker_id) in ids:
                detections.append(MarkerDetection(frame.name, int(marker_id), marker_corners.reshape(4, 2).astype(float)))
    return detections


def camera_matrix(camera: dict) -> tuple[np.ndarray, np.ndarray]:
    """OpenCV's camera matrix and distortion (k1, k2, p1, p2, k3) from a transforms.json camera."""
    matrix = np.array([[camera["fl_x"], 0, camera["cx"]], [0, camera["fl_y"], camera["cy"]], [0, 0, 1]], dtype=float)
    distortion = np.array([float(camera.get(key, 0.0)) for key in ("k1", "k2", "p1", "p2", "k3")])
    return matrix, distortion


def pixel_ray(pixel: np.ndarray, c2w_opengl: np.ndarray, camera: dict) -> tuple[np.ndarray, np.ndarray]:
    """The world ray (origin, unit direction) through a pixel of an OpenGL-posed camera, lens distortion removed."""
    matrix, distortion = camera_matrix(camera)
    x, y = cv2.undistortPoints(np.asarray(pixel, dtype=float).reshape(1, 1, 2), matrix, distortion).ravel()
    direction = np.asarray(c2w_opengl)[:3, :3] @ np.array([x, -y, -1.0])  # OpenCV -> OpenGL camera axes
    return np.asarray(c2w_opengl)[:3, 3], direction / np.linalg.norm(direction)


def closest_point(origins: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """The point nearest to all the rays (least squares)."""
    projectors = np.eye(3)[None] - directions[:, :, None] * directions[:, None, :]
    return np.linalg.solve(projectors.sum(axis=0), np.einsum("nij,nj->i", projectors, origins))


def image_centre(corners: np.ndarray) -> np.ndarray:
    """Where a square's centre is seen: the crossing of its diagonals (its corners' mean is off under perspective)."""
    p0, p1, p2, p3 = corners
    d1, d2 = p2 - p0, p3 - p1

    def cross(a: np.ndarray, b: np.ndarray) -> float:
        return float(a[0] * b[1] - a[1] * b[0])

    return p0 + cross(p1 - p0, d2) / cross(d1, d2) * d1


def marker_distance(corners: np.ndarray, size: float, camera: dict) -> float | None:
    """The camera's distance to the marker's centre in metres, from the marker's pose (None when OpenCV finds none)."""
    half = size / 2
    square = np.array([[-half, half, 0], [half, half, 0], [half, -half, 0], [-half, -half, 0]], dtype=float)
    matrix, distortion = camera_matrix(camera)
    found, _, translation = cv2.solvePnP(square, corners.astype(float), matrix, distortion, flags=cv2.SOLVEPNP_IPPE_SQUARE)
    return float(np.linalg.norm(translation)) if found else None


def marker_scale(detections: list[MarkerDetection], transforms: dict, size: float) -> dict:
    """Metres per scene unit from the markers, with one estimate per detection and their spread."""
    cameras = posed_cameras(transforms)
    posed = [d for d in detections if d.frame in cameras]
    estimates, per_marker = [], {}
    for marker_id in sorted({d.marker_id for d in posed}):
        seen = [d for d in posed if d.marker_id == marker_id]
        if len(seen) < 2:
            continue  # one view cannot place it
        rays = [pixel_ray(image_centre(d.corners), *cameras[d.frame]) for d in seen]
        centre = closest_point(np.array([origin for origin, _ in rays]), np.array([direction for _, direction in rays]))
        ratios = []
        for detection in seen:
            c2w, camera = cameras[detection.frame]
            metres = marker_distance(detection.corners, size, camera)
            if metres is not None:
                ratios.append(metres / float(np.linalg.norm(centre - c2w[:3, 3])))
        per_marker[str(marker_id)] = {"frames": len(seen), "metres_per_unit": float(np.median(ratios)) if ratios else None}
        estimates += ratios
    if len(estimates) < MIN_MARKER_VIEWS:
        raise ScaleError(
            f"the scale markers were found in {len(estimates)} posed frame(s), at least {MIN_MARKER_VIEWS} are needed "
            f"(detections: {len(detections)}, of which {len(posed)} in posed frames): is the marker in view, flat, of the configured "
            "dictionary and ids, and at least about 30 pixels wide in the frames?"
        )
    scale = float(np.median(estimates))
    low, high = np.percentile(estimates, [10, 90])
    return {
        "metres_per_unit": scale,
        "estimates": len(estimates),
        "spread": {"p10": float(low), "p90": float(high), "relative_half_range": float((high - low) / 2 / scale)},
        "markers": per_marker,
    }


def camera_distance_scale(transforms: dict, frames: list[str], metres: float) -> dict:
    """Metres per scene unit from a known distance between the camera centres of two frames."""
    cameras = posed_cameras(transforms)
    missing = [name for name in frames if name not in cameras]
    if missing:
        raise ScaleError(f"scale.camera_distance names {', '.join(missing)}, which COLMAP did not pose (see poses/registration.json)")
    units = float(np.linalg.norm(cameras[frames[0]][0][:3, 3] - cameras[frames[1]][0][:3, 3]))
    if units == 0:
        raise ScaleError(f"frames {frames[0]} and {frames[1]} were posed at the same place: their distance cannot give a scale")
    return {"metres_per_unit": metres / units, "estimates": 1}


def scaled_transforms(transforms: dict, metres_per_unit: float) -> dict:
    """The same cameras in metres: every camera centre scaled about the world origin; rotations and intrinsics unchanged."""
    scaled = {**transforms, "frames": []}
    for frame in transforms["frames"]:
        matrix = np.asarray(frame["transform_matrix"], dtype=float).copy()
        matrix[:3, 3] *= metres_per_unit
        scaled["frames"].append({**frame, "transform_matrix": matrix.tolist()})
    return scaled


def markers_sheet(frames_dir: Path, detections: list[MarkerDetection], path: Path, max_frames: int = 6) -> None:
    """A few frames with their detected markers outlined and numbered: the check by eye of what the scale rests on."""
    names = sorted({d.frame for d in detections})
    chosen = names[:: max(1, len(names) // max_frames)][:max_frames] or sorted(p.name for p in frames_dir.glob("*.png"))[:1]
    tiles = []
    for name in chosen:
        image = Image.open(frames_dir / name).convert("RGB")
        draw = ImageDraw.Draw(image)
        for detection in (d for d in detections if d.frame == name):
            draw.polygon([tuple(point) for point in detection.corners], outline=(0, 255, 0), width=2)
            draw.text(tuple(detection.corners[0]), str(detection.marker_id), fill=(255, 255, 0))
        tiles.append(image)
    width, height = tiles[0].size
    columns = min(3, len(tiles))
    sheet = Image.new("RGB", (columns * width, -(-len(tiles) // columns) * height), "white")
    for index, tile in enumerate(tiles):
        sheet.paste(tile, ((index % columns) * width, (index // columns) * height))
    sheet.save(path)
