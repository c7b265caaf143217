"""COLMAP poses: conversions checked by hand, and a real SfM run on rendered demo frames."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg import colmap_poses
from invnerf_seg.cameras import posed_cameras, project
from invnerf_seg.demo_scene import SceneSpec, build_scene, focal_length, orbit_camera_to_world, render
from invnerf_seg.metrics import similarity_transform
from invnerf_seg.prompt_carry import CarrySettings, KeyObject, SparseModel, carried_object, lift_objects


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


def test_sfm_on_shrunk_frames_recovers_the_cameras_and_carries_prompts(tmp_path: Path):
    """Real COLMAP on 480x360 renders shrunk to 320 wide: full-size intrinsics, poses, and prompts carried.

    The demo's smooth fruits carry no SIFT point, so fruits prompted on two
    key frames are triangulated; carried with COLMAP's own poses into other
    frames, their prompts must land on the true fruit and their boxes hold it.
    """
    spec = SceneSpec(seed=2, n_fruits=4, width=480, height=360, supersampling=1)
    scene = build_scene(spec)
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    truth, instances = [], {}
    for i in range(14):
        c2w = orbit_camera_to_world(scene, spec, i / 40)
        image, instances[f"frame_{i + 1:05d}.png"] = render(scene, spec, c2w)
        Image.fromarray(image).save(frames_dir / f"frame_{i + 1:05d}.png")
        truth.append(c2w[:3, 3])
    image_dir, scale = colmap_poses.sfm_images(frames_dir, tmp_path / "colmap", max_width=320)
    assert scale == pytest.approx(2 / 3) and Image.open(image_dir / "frame_00001.png").size == (320, 240)
    reconstruction = colmap_poses.run_sfm(image_dir, tmp_path / "colmap", "SIMPLE_RADIAL", "sequential", 6)
    transforms = colmap_poses.reconstruction_to_transforms(reconstruction, (480, 360), scale)
    assert len(transforms["frames"]) == 14 and (transforms["w"], transforms["h"]) == (480, 360)
    assert transforms["fl_x"] == pytest.approx(focal_length(spec), rel=0.03)
    assert transforms["cx"] == pytest.approx(240, abs=3)
    estimated = np.array([f["transform_matrix"] for f in transforms["frames"]])[:, :3, 3]
    scale_to_truth, rotation, translation = similarity_transform(estimated, np.array(truth))
    aligned = scale_to_truth * estimated @ rotation.T + translation
    assert np.abs(aligned - np.array(truth)).max() < 0.02 * spec.orbit_radius

    sparse = SparseModel.from_json(json.loads(json.dumps(colmap_poses.sparse_observations(reconstruction, scale))))  # as sparse.json
    posed = {Path(f["file_path"]).name: np.asarray(f["transform_matrix"]) for f in transforms["frames"]}
    xy, ids = sparse.seen["frame_00002.png"]
    reprojected, _ = project(np.array([sparse.points[i] for i in ids]), posed["frame_00002.png"], transforms)
    assert np.median(np.linalg.norm(reprojected - xy, axis=1)) < 1.0  # frame pixels, through the shrink

    cameras = posed_cameras(transforms)
    unoccluded = sorted(range(1, 5), key=lambda k: -min((labels == k).sum() for labels in instances.values()))[:2]
    keys = [KeyObject(name, {"id": k}, instances[name] == k) for name in ("frame_00002.png", "frame_00008.png") for k in unoccluded]
    lifted = lift_objects(keys, sparse, cameras, CarrySettings(), "prompts")
    for k in unoccluded:
        for name in ("frame_00004.png", "frame_00012.png"):
            prompt = carried_object(lifted[k], sparse, name, *cameras[name], CarrySettings())
            truth_mask = instances[name] == k
            assert np.mean([truth_mask[int(v), int(u)] for u, v in prompt["points"]]) >= 0.8
            rows, cols = np.nonzero(truth_mask)
            x0, y0, x1, y1 = prompt["box"]
            assert np.mean((cols >= x0) & (cols <= x1) & (rows >= y0) & (rows <= y1)) >= 0.9


def test_unregistered_frames_are_reported_as_dropped():
    transforms = {"frames": [{"file_path": "images/frame_00001.png"}, {"file_path": "images/frame_00003.png"}]}
    report = colmap_poses.registration_report(["frame_00001.png", "frame_00002.png", "frame_00003.png"], transforms)
    assert report == {"frames": 3, "registered": 2, "dropped": ["frame_00002.png"]}
