"""Camera poses by COLMAP structure-from-motion (pycolmap), as a nerfstudio transforms.json.

The world frame of the output is COLMAP's own (no axis swap): every 3D result
of the workflow for a video input is expressed in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pycolmap
from PIL import Image

from invnerf_seg.frames import frame_size, list_frames

# Parameter order of the COLMAP camera models we accept, named as transforms.json names them.
CAMERA_PARAMETERS = {
    "SIMPLE_PINHOLE": ("f", "cx", "cy"),
    "PINHOLE": ("fl_x", "fl_y", "cx", "cy"),
    "SIMPLE_RADIAL": ("f", "cx", "cy", "k1"),
    "RADIAL": ("f", "cx", "cy", "k1", "k2"),
    "OPENCV": ("fl_x", "fl_y", "cx", "cy", "k1", "k2", "p1", "p2"),
}


class PoseError(RuntimeError):
    """Structure-from-motion did not give usable poses."""


def sfm_images(frames_dir: Path, work_dir: Path, max_width: int | None) -> tuple[Path, float]:
    """The images COLMAP runs on, and their scale relative to the frames.

    Wide frames are shrunk to `max_width` for speed (features and matching
    scale with pixels); poses do not change and intrinsics are scaled back.
    """
    frames = list_frames(frames_dir)
    if not frames:
        raise PoseError(f"no frames in {frames_dir}")
    width = frame_size(frames[0])[0]
    if not max_width or width <= max_width:
        return frames_dir, 1.0
    scale = max_width / width
    image_dir = work_dir / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    for frame in frames:
        with Image.open(frame) as image:
            size = (int(round(image.size[0] * scale)), int(round(image.size[1] * scale)))
            image.resize(size, Image.BOX).save(image_dir / frame.name)
    return image_dir, scale


def run_sfm(image_dir: Path, work_dir: Path, camera_model: str, matching: str, overlap: int) -> pycolmap.Reconstruction:
    """Features, matches and incremental mapping on the CPU; the largest model wins.

    One shared camera (the frames come from one video); sequential matching
    suits video order, exhaustive matching suits unordered photo sets.
    """
    if camera_model not in CAMERA_PARAMETERS:
        raise PoseError(f"unknown camera model {camera_model!r}; choose one of {sorted(CAMERA_PARAMETERS)}")
    work_dir.mkdir(parents=True, exist_ok=True)
    database = work_dir / "database.db"
    database.unlink(missing_ok=True)
    pycolmap.extract_features(
        database,
        image_dir,
        camera_mode=pycolmap.CameraMode.SINGLE,
        reader_options=pycolmap.ImageReaderOptions(camera_model=camera_model),
        device=pycolmap.Device.cpu,
    )
    if matching == "sequential":
        pycolmap.match_sequential(
            database, pairing_options=pycolmap.SequentialPairingOptions(overlap=overlap), device=pycolmap.Device.cpu
        )
    elif matching == "exhaustive":
        pycolmap.match_exhaustive(database, device=pycolmap.Device.cpu)
    else:
        raise PoseError(f"unknown matching {matching!r}; choose 'sequential' or 'exhaustive'")
    sparse_dir = work_dir / "sparse"
    sparse_dir.mkdir(exist_ok=True)
    reconstructions = pycolmap.incremental_mapping(database, image_dir, sparse_dir)
    if not reconstructions:
        raise PoseError(f"COLMAP registered no frames of {image_dir}: too little texture or overlap")
    return max(reconstructions.values(), key=lambda rec: rec.num_reg_images())


def camera_to_world_opengl(cam_from_world: np.ndarray) -> np.ndarray:
    """COLMAP's 3x4 world-to-camera (OpenCV axes) as a 4x4 OpenGL camera-to-world."""
    world_to_camera = np.eye(4)
    world_to_camera[:3, :4] = cam_from_world
    c2w = np.linalg.inv(world_to_camera)
    c2w[0:3, 1:3] *= -1
    return c2w


def intrinsics_from_camera(model_name: str, params: np.ndarray, width: int, height: int, scale: float = 1.0) -> dict:
    """transforms.json intrinsics (fl_x, fl_y, cx, cy, w, h, distortion) of a COLMAP camera.

    `scale` is the size of COLMAP's images relative to the frames; focal
    lengths and principal point are divided by it (distortion is scale-free).
    """
    if model_name not in CAMERA_PARAMETERS:
        raise PoseError(f"COLMAP camera model {model_name} is not supported; use one of {sorted(CAMERA_PARAMETERS)}")
    values = dict(zip(CAMERA_PARAMETERS[model_name], (float(p) for p in params)))
    if "f" in values:
        values["fl_x"] = values["fl_y"] = values.pop("f")
    for key in ("fl_x", "fl_y", "cx", "cy"):
        values[key] /= scale
    intrinsics = {"camera_model": "OPENCV", "w": int(width), "h": int(height)}
    intrinsics.update({key: values.get(key, 0.0) for key in ("fl_x", "fl_y", "cx", "cy", "k1", "k2", "p1", "p2")})
    return intrinsics


def reconstruction_to_transforms(reconstruction: pycolmap.Reconstruction, frame_size: tuple[int, int], scale: float = 1.0, image_prefix: str = "images") -> dict:
    """nerfstudio transforms.json content for the registered images, sorted by name.

    `frame_size` (width, height) is the frames' size; `scale` that of COLMAP's images relative to it.
    """
    cameras = {camera_id: camera for camera_id, camera in reconstruction.cameras.items()}
    if len(cameras) != 1:
        raise PoseError(f"expected one shared camera, COLMAP made {len(cameras)}")
    camera = next(iter(cameras.values()))
    transforms = intrinsics_from_camera(camera.model.name, np.asarray(camera.params), *frame_size, scale=scale)
    frames = []
    for image in sorted(reconstruction.images.values(), key=lambda im: im.name):
        if not image.has_pose:
            continue
        c2w = camera_to_world_opengl(np.asarray(image.cam_from_world().matrix()))
        frames.append({"file_path": f"{image_prefix}/{image.name}", "transform_matrix": c2w.tolist()})
    transforms["frames"] = frames
    return transforms


def check_registration(registered: int, total: int, min_fraction: float, image_dir: Path) -> None:
    """Stop with the numbers when too few frames found a pose."""
    if total == 0 or registered < min_fraction * total:
        raise PoseError(
            f"COLMAP registered only {registered} of {total} frames in {image_dir} "
            f"(at least {min_fraction:.0%} needed): the video needs more texture, overlap or frames"
        )


def write_transforms(transforms: dict, path: Path) -> None:
    """Write transforms.json (pretty, stable key order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(transforms, indent=2))


def registration_report(frame_names: list[str], transforms: dict) -> dict:
    """Which frames got a pose and which were dropped (they leave masks and training too)."""
    posed = {Path(frame["file_path"]).name for frame in transforms["frames"]}
    return {"frames": len(frame_names), "registered": len(posed), "dropped": [name for name in frame_names if name not in posed]}


def sparse_observations(reconstruction: pycolmap.Reconstruction, scale: float = 1.0) -> dict:
    """The sparse points and, per registered image, which of them it sees and where (frame pixels).

    This is what carries prompts from key frames to the other frames; image
    positions are divided by `scale` so that they are in the frames' pixels.
    """
    points = {int(point_id): [float(v) for v in point.xyz] for point_id, point in reconstruction.points3D.items()}
    images = {}
    for image in reconstruction.images.values():
        if not image.has_pose:
            continue
        observed = [p for p in image.points2D if p.has_point3D()]
        images[image.name] = {"xy": [(p.xy / scale).tolist() for p in observed], "ids": [int(p.point3D_id) for p in observed]}
    return {"points": points, "images": images}


def sparse_points(reconstruction: pycolmap.Reconstruction) -> tuple[np.ndarray, np.ndarray]:
    """The sparse 3D points and their colours, for pictures and prompt carrying."""
    points = reconstruction.points3D
    if not points:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.uint8)
    xyz = np.array([p.xyz for p in points.values()])
    rgb = np.array([p.color for p in points.values()], dtype=np.uint8)
    return xyz, rgb
