"""Posed cameras of a transforms.json, projecting world points into them, and nerfstudio's frame back to the world.

Poses are nerfstudio's (OpenGL camera-to-world: the camera looks down -z, y
up); intrinsics and OPENCV distortion are shared keys, overridden per frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

INTRINSIC_KEYS = ("fl_x", "fl_y", "cx", "cy", "w", "h")
DISTORTION_KEYS = ("k1", "k2", "k3", "k4", "p1", "p2")


def frame_camera(transforms: dict, frame: dict) -> dict:
    """A frame's own size and intrinsics: per-frame keys override the shared ones (None where neither gives one)."""
    return {key: frame.get(key, transforms.get(key)) for key in INTRINSIC_KEYS}


def project(points: np.ndarray, c2w_opengl: np.ndarray, camera: dict) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions (N, 2) and depths (N,) of world points in an OpenGL-posed OPENCV camera."""
    c2w = np.asarray(c2w_opengl, dtype=float)
    in_camera = (np.asarray(points, dtype=float).reshape(-1, 3) - c2w[:3, 3]) @ c2w[:3, :3]
    x, y, depth = in_camera[:, 0], -in_camera[:, 1], -in_camera[:, 2]  # OpenGL -> OpenCV axes
    safe = np.where(np.abs(depth) < 1e-12, 1e-12, depth)
    xn, yn = x / safe, y / safe
    k1, k2, k3, p1, p2 = (float(camera.get(key, 0.0)) for key in ("k1", "k2", "k3", "p1", "p2"))
    r2 = xn**2 + yn**2
    radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    xd = xn * radial + 2 * p1 * xn * yn + p2 * (r2 + 2 * xn**2)
    yd = yn * radial + p1 * (r2 + 2 * yn**2) + 2 * p2 * xn * yn
    pixels = np.stack([camera["fl_x"] * xd + camera["cx"], camera["fl_y"] * yd + camera["cy"]], axis=1)
    return pixels, depth



def pixel_indices(points: np.ndarray, c2w_opengl: np.ndarray, camera: dict, height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns (nearest pixel), whether each point lies in front of the camera and inside a height x width image, and depths.

    What a mask or label image says about world points: `image[rows[inside], cols[inside]]`.
    """
    pixels, depths = project(points, c2w_opengl, camera)
    cols, rows = np.round(pixels[:, 0]).astype(int), np.round(pixels[:, 1]).astype(int)
    inside = (depths > 0) & (cols >= 0) & (rows >= 0) & (cols < width) & (rows < height)
    return rows, cols, inside, depths


def posed_cameras(transforms: dict) -> dict[str, tuple[np.ndarray, dict]]:
    """Per posed frame name, its OpenGL camera-to-world and its camera (shared keys, overridden per frame)."""
    shared = {key: value for key, value in transforms.items() if key != "frames"}
    return {
        Path(frame["file_path"]).name: (np.asarray(frame["transform_matrix"], dtype=float), {**shared, **frame})
        for frame in transforms["frames"]
    }


def to_world(points: np.ndarray, dataparser_transform: np.ndarray, dataparser_scale: float) -> np.ndarray:
    """Invert nerfstudio's normalisation p_ns = scale * (R p + t)."""
    rotation, translation = dataparser_transform[:3, :3], dataparser_transform[:3, 3]
    return (points / dataparser_scale - translation) @ rotation
