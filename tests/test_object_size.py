"""The expected object size from the masks and the cloud, in the scene's own units."""

import numpy as np
import pytest

from invnerf_seg.cameras import project
from invnerf_seg.masks import write_labels
from invnerf_seg.object_size import equivalent_diameter_px, mask_components, object_diameter_setting, object_sizes

WIDTH, HEIGHT, FOCAL = 160, 120, 150.0


def look_at(eye, target=(0.0, 0.0, 0.0)) -> np.ndarray:
    """OpenGL camera-to-world looking from `eye` at `target` (z up)."""
    forward = np.asarray(target, float) - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, (0.0, 0.0, 1.0))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    c2w = np.eye(4)
    c2w[:3, :3] = np.column_stack([right, up, -forward])
    c2w[:3, 3] = eye
    return c2w


def scene(tmp_path, scale: float):
    """Two balls of diameter 0.1 x scale seen by four cameras; true masks drawn by projecting their surfaces."""
    rng = np.random.default_rng(1)
    centres = np.array([[-0.15, 0.0, 0.0], [0.15, 0.0, 0.0]]) * scale
    radius = 0.05 * scale
    directions = rng.normal(size=(4000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    cloud = np.concatenate([c + radius * directions for c in centres])
    camera = {"fl_x": FOCAL, "fl_y": FOCAL, "cx": WIDTH / 2, "cy": HEIGHT / 2, "w": WIDTH, "h": HEIGHT}
    frames = []
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    for index, angle in enumerate(np.linspace(-0.6, 0.6, 4)):
        c2w = look_at(scale * np.array([np.sin(angle), -np.cos(angle), 0.2]) * 1.5)
        labels = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
        for value, centre in enumerate(centres, start=1):
            (u, v), (depth,) = project(centre[None], c2w, camera)[0][0], project(centre[None], c2w, camera)[1]
            labels[(cols - u) ** 2 + (rows - v) ** 2 <= (FOCAL * radius / depth) ** 2] = value
        name = f"frame_{index:05d}.png"
        write_labels(labels, tmp_path / name)
        frames.append({"file_path": f"images/{name}", "transform_matrix": c2w.tolist()})
    return cloud, {**camera, "frames": frames}


@pytest.mark.parametrize("scale", [1.0, 7.3])
def test_size_is_measured_in_the_scene_units(tmp_path, scale):
    cloud, transforms = scene(tmp_path, scale)
    sizes = object_sizes(cloud, transforms, tmp_path)
    assert len(sizes) == 8
    assert np.median(sizes) == pytest.approx(0.1 * scale, rel=0.1)
    assert object_diameter_setting("auto", cloud, transforms, tmp_path)[1] == "masks"


def test_the_config_size_wins_and_no_measure_falls_back_to_the_cloud(tmp_path):
    cloud, transforms = scene(tmp_path, 1.0)
    assert object_diameter_setting(0.2, cloud, transforms, tmp_path) == (0.2, "config")
    assert object_diameter_setting("auto", cloud, transforms, tmp_path / "no_masks") == (None, "cloud")


def test_components_cut_by_the_border_or_tiny_are_not_measured():
    labels = np.zeros((40, 40), dtype=np.uint8)
    labels[10:20, 10:20] = 1   # measured
    labels[0:10, 25:35] = 1    # touches the border
    labels[30:32, 5:7] = 2     # too small
    components = mask_components(labels)
    assert len(components) == 1 and equivalent_diameter_px(components[0]) == pytest.approx(2 * np.sqrt(100 / np.pi))
