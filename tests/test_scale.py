"""Metric scale: ArUco markers found in rendered frames give the scene's metres per unit; a camera distance does too."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.demo_scene import SceneSpec, build_scene, focal_length, orbit_camera_to_world, render
from invnerf_seg.scale import (
    ScaleError,
    camera_distance_scale,
    closest_point,
    detect_markers,
    image_centre,
    marker_scale,
    markers_sheet,
    scaled_transforms,
)

UNITS_PER_METRE = 2.7  # the scene's world is the demo's metres times this, as COLMAP's arbitrary scale would make it


@pytest.fixture(scope="module")
def marked_scene(tmp_path_factory) -> tuple[Path, dict]:
    """Twelve frames of a demo plant with its four 20 cm ground markers, and their true cameras in a scaled world."""
    folder = tmp_path_factory.mktemp("marked")
    spec = SceneSpec(seed=3, n_fruits=3, width=320, height=240, supersampling=2, marker_size=0.2)
    scene = build_scene(spec)
    focal = focal_length(spec)
    transforms = {"fl_x": focal, "fl_y": focal, "cx": spec.width / 2, "cy": spec.height / 2, "w": spec.width, "h": spec.height, "frames": []}
    for index in range(12):
        c2w = orbit_camera_to_world(scene, spec, index / 12)
        image, _ = render(scene, spec, c2w)
        name = f"frame_{index + 1:05d}.png"
        Image.fromarray(image).save(folder / name)
        scaled = c2w.copy()
        scaled[:3, 3] *= UNITS_PER_METRE
        transforms["frames"].append({"file_path": f"images/{name}", "transform_matrix": scaled.tolist()})
    return folder, transforms


def test_markers_give_the_scale_and_its_spread(marked_scene, tmp_path: Path):
    frames, transforms = marked_scene
    detections = detect_markers(sorted(frames.glob("*.png")), "DICT_4X4_50", [0, 1, 2, 3])
    assert len({d.frame for d in detections}) >= 6  # four markers around the plant: most views see one beside it
    scale = marker_scale(detections, transforms, size=0.2)
    assert scale["metres_per_unit"] == pytest.approx(1 / UNITS_PER_METRE, rel=0.02)
    assert scale["estimates"] == len(detections) and scale["spread"]["relative_half_range"] < 0.05
    metric = scaled_transforms(transforms, scale["metres_per_unit"])
    first = np.asarray(metric["frames"][0]["transform_matrix"])
    assert np.linalg.norm(first[:3, 3] - [0, 0, 0.38]) == pytest.approx(1.7, rel=0.02)  # the demo's orbit radius, in metres again
    markers_sheet(frames, detections, tmp_path / "markers.png")
    assert Image.open(tmp_path / "markers.png").size[0] == 3 * 320


def test_other_markers_and_too_few_views_are_refused(marked_scene):
    frames, transforms = marked_scene
    assert detect_markers(sorted(frames.glob("*.png")), "DICT_4X4_50", [7]) == []
    with pytest.raises(ScaleError, match=r"found in 0 posed frame\(s\), at least 3"):
        marker_scale([], transforms, size=0.2)
    with pytest.raises(ScaleError, match="unknown ArUco dictionary 'DICT_9X9'"):
        detect_markers([], "DICT_9X9", None)


def test_a_known_camera_distance_gives_the_scale(marked_scene):
    _, transforms = marked_scene
    a, b = (np.asarray(frame["transform_matrix"])[:3, 3] for frame in transforms["frames"][:2])
    metres = float(np.linalg.norm(a - b)) / UNITS_PER_METRE
    scale = camera_distance_scale(transforms, ["frame_00001.png", "frame_00002.png"], metres)
    assert scale["metres_per_unit"] == pytest.approx(1 / UNITS_PER_METRE)
    with pytest.raises(ScaleError, match="frame_00099.png, which COLMAP did not pose"):
        camera_distance_scale(transforms, ["frame_00001.png", "frame_00099.png"], 1.0)


def test_a_squares_centre_is_where_its_diagonals_cross_and_rays_meet_at_a_point():
    corners = np.array([[0.0, 0.0], [4.0, 0.0], [3.0, 2.0], [1.0, 2.0]])  # a square seen in perspective: a trapezoid
    assert image_centre(corners) == pytest.approx([2.0, 4 / 3])
    origins = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0]])
    target = np.array([0.3, 0.4, 2.0])
    directions = (target - origins) / np.linalg.norm(target - origins, axis=1, keepdims=True)
    assert closest_point(origins, directions) == pytest.approx(target)


def test_the_demo_truth_names_its_markers():
    from invnerf_seg.demo_scene import scene_truth

    truth = scene_truth(build_scene(SceneSpec(seed=1, n_fruits=2, marker_size=0.2)))
    assert truth["markers"] == {"dictionary": "DICT_4X4_50", "ids": [0, 1, 2, 3], "size": 0.2}
    assert "markers" not in scene_truth(build_scene(SceneSpec(seed=1, n_fruits=2)))
    json.dumps(truth)
