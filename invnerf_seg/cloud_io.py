"""Point clouds on disk (PLY, via open3d) and as pictures (matplotlib, headless)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import open3d as o3d  # noqa: E402

# Distinct colours for clusters (tab20), noise in grey.
PALETTE = plt.get_cmap("tab20")(np.arange(20))[:, :3]
NOISE_GREY = np.array([0.6, 0.6, 0.6])


PLY_VERTEX = np.dtype([("x", "<f8"), ("y", "<f8"), ("z", "<f8"), ("red", "u1"), ("green", "u1"), ("blue", "u1")])


def write_ply(path: Path, points: np.ndarray, colours: np.ndarray | None = None) -> None:
    """Write points (N x 3) and colours in [0, 1] as a binary PLY; an empty cloud is a valid file.

    (open3d refuses to write a cloud with no points, yet "no object found" is
    a result a later stage must be able to read.)
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    colours = np.zeros_like(points) if colours is None or len(colours) == 0 else np.asarray(colours, dtype=np.float64)
    vertices = np.empty(len(points), dtype=PLY_VERTEX)
    for axis, name in enumerate("xyz"):
        vertices[name] = points[:, axis]
    for channel, name in enumerate(("red", "green", "blue")):
        vertices[name] = np.clip(np.round(colours[:, channel] * 255), 0, 255).astype(np.uint8)
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(points)}\n"
        "property double x\nproperty double y\nproperty double z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
    )
    with Path(path).open("wb") as handle:
        handle.write(header.encode("ascii"))
        handle.write(vertices.tobytes())


def read_ply(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Points and colours in [0, 1] (zeros when the file has none) of a PLY file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"point cloud not found: {path}")
    cloud = o3d.io.read_point_cloud(str(path))
    points = np.asarray(cloud.points)
    colours = np.asarray(cloud.colors) if cloud.has_colors() else np.zeros_like(points)
    return points, colours


@dataclass
class ObjectCloud:
    """A method's object points with, per point, its class colour (what counting sorts by) and its colour in the RGB model.

    The appearance is what the object looks like (a red or a green fruit),
    read from a field trained on the frames at the point itself, so an
    object hidden behind another in some views still gets its own colour.
    """

    points: np.ndarray  # [N, 3]
    colours: np.ndarray  # [N, 3] in [0, 1]: the class colour
    appearance: np.ndarray  # [N, 3] in [0, 1]: the RGB model's colour

    def subset(self, keep: np.ndarray) -> ObjectCloud:
        return ObjectCloud(self.points[keep], self.colours[keep], self.appearance[keep])


def write_object_cloud(cloud: ObjectCloud, cloud_path: Path, appearance_path: Path, picture_path: Path, title: str) -> None:
    """A method's cloud as its stage leaves it: class colours (what counting reads), the RGB model's colours, and a picture in those."""
    write_ply(cloud_path, cloud.points, cloud.colours)
    write_ply(appearance_path, cloud.points, cloud.appearance)
    cloud_picture(picture_path, cloud.points, cloud.appearance, title)


def label_colours(labels: np.ndarray) -> np.ndarray:
    """One palette colour per cluster label, grey for noise (-1)."""
    colours = PALETTE[np.mod(labels, len(PALETTE))]
    colours[labels < 0] = NOISE_GREY
    return colours


VIEWPOINTS = [(20, -60, "side"), (89, -90, "top")]  # (elevation, azimuth, name): fixed, so pictures of runs compare


def cloud_box(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and half side of the cube that holds `points`: equal scale on every axis."""
    low, high = points.min(axis=0), points.max(axis=0)
    return (low + high) / 2, max(float((high - low).max()) / 2, 1e-6)


def draw_cloud(
    axes, points: np.ndarray, colours: np.ndarray, viewpoint: tuple[float, float, str], title: str,
    extra: np.ndarray | None = None, box: tuple[np.ndarray, float] | None = None,
) -> None:
    """One cloud on 3D axes from a fixed viewpoint; `extra` points drawn as crosses.

    `box` (centre, half side) fixes the axes, so that clouds drawn side by side share one scale;
    by default the cube around the cloud.
    """
    elevation, azimuth, name = viewpoint
    if len(points):
        step = max(1, len(points) // 30000)
        axes.scatter(*points[::step].T, c=colours[::step], s=1.5, depthshade=False)
    if extra is not None and len(extra):
        axes.scatter(*np.asarray(extra).T, c="black", marker="x", s=40)
    axes.view_init(elev=elevation, azim=azimuth)
    axes.set_title(f"{title} ({name})", fontsize=9)
    if box is None and len(points):
        box = cloud_box(points)
    if box is not None:
        centre, half = box
        axes.set_xlim(centre[0] - half, centre[0] + half)
        axes.set_ylim(centre[1] - half, centre[1] + half)
        axes.set_zlim(centre[2] - half, centre[2] + half)


def cloud_picture(path: Path, points: np.ndarray, colours: np.ndarray, title: str, extra: np.ndarray | None = None) -> None:
    """The cloud seen from the side and from above; `extra` points (e.g. centres) drawn as crosses."""
    figure = plt.figure(figsize=(10, 5))
    for index, viewpoint in enumerate(VIEWPOINTS):
        draw_cloud(figure.add_subplot(1, 2, index + 1, projection="3d"), points, colours, viewpoint, title, extra)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def clouds_sheet(path: Path, clouds: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Several clouds side by side (one column each), from the same fixed viewpoints (one row each).

    Every panel has the same axes (the cube around all the clouds), so sizes and strays compare at a glance.
    """
    non_empty = [points for points, _ in clouds.values() if len(points)]
    box = cloud_box(np.concatenate(non_empty)) if non_empty else None
    figure = plt.figure(figsize=(4.5 * len(clouds), 8))
    for column, (title, (points, colours)) in enumerate(clouds.items()):
        for row, viewpoint in enumerate(VIEWPOINTS):
            axes = figure.add_subplot(len(VIEWPOINTS), len(clouds), row * len(clouds) + column + 1, projection="3d")
            draw_cloud(axes, points, colours, viewpoint, title, box=box)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
