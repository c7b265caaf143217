"""COLMAP poses: conversions checked by hand, and a real SfM run on rendered demo frames."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg import colmap_poses
from invnerf_seg.demo_scene import SceneSpec, build_scene, focal_length, orbit_camera_to_world, render
from invnerf_seg.metrics import similarity_transform


def test_world_to_camera_becomes_opengl_camera_to_world():
    # A camera at (0, 0, 5) looking down -z of the world, OpenCV axes: x right, y down, z forward.
    cam_from_world = np.array([[1.0, 0, 0, 0], [0, -1, 0, 0], [0, 0, -1, 5]])
    c2w = colmap_poses.camera_to_world_opengl(cam_from_world)
    assert np.allclose(c2w[:3, 3], [0, 0, 5])
    assert np.allclose(-c2w[:3, 2], [0, 0, -1])  # OpenGL cameras look down their -z axis
    assert np.allclose(c2w[:3, 1], [0, 1, 0])  # and y is up


def test_intrinsics_of_each_model():
    simple = colmap_poses.intrinsics_from_camera("SIMPLE_RADIAL", np.array([300.0, 160, 120, 0.01]), 320, 240)
    assert (simple["fl_x"], simple["fl_y"], simple["cx"], simple["k1"], simple["w"]) == (300.0, 300.0, 160.0, 0.01, 320)
    opencv = colmap_poses.intrinsics_from_camera("OPENCV", np.array([300.0, 310, 160, 120, 0.1, 0.2, 0.3, 0.4]), 320, 240)
    assert (opencv["fl_y"], opencv["p2"]) == (310.0, 0.4)
    with pytest.raises(colmap_poses.PoseError, match="FISHEYE"):
        colmap_poses.intrinsics_from_camera("FISHEYE", np.zeros(4), 1, 1)


def test_too_few_registered_frames_say_how_many():
    with pytest.raises(colmap_poses.PoseError, match="registered only 5 of 20 frames"):
        colmap_poses.check_registration(5, 20, 0.9, Path("frames"))
    colmap_poses.check_registration(19, 20, 0.9, Path("frames"))


def test_sfm_on_rendered_orbit_recovers_the_cameras(tmp_path: Path):
    spec = SceneSpec(seed=2, n_fruits=4, width=320, height=240, supersampling=1)
    scene = build_scene(spec)
    truth = []
    for i in range(14):
        c2w = orbit_camera_to_world(scene, spec, i / 40)
        image, _ = render(scene, spec, c2w)
        Image.fromarray(image).save(tmp_path / f"frame_{i + 1:05d}.png")
        truth.append(c2w[:3, 3])
    reconstruction = colmap_poses.run_sfm(tmp_path, tmp_path / "colmap", "SIMPLE_RADIAL", "sequential", 6)
    transforms = colmap_poses.reconstruction_to_transforms(reconstruction)
    assert len(transforms["frames"]) == 14
    assert transforms["fl_x"] == pytest.approx(focal_length(spec), rel=0.03)
    estimated = np.array([f["transform_matrix"] for f in transforms["frames"]])[:, :3, 3]
    scale, rotation, translation = similarity_transform(estimated, np.array(truth))
    aligned = scale * estimated @ rotation.T + translation
    assert np.abs(aligned - np.array(truth)).max() < 0.02 * spec.orbit_radius
