"""The procedural demo: fruits placed apart, masks true to the render, truth written."""

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.demo_scene import SceneSpec, build_scene, orbit_camera_to_world, render
from invnerf_seg.demo_video import write_demo

SMALL = SceneSpec(seed=3, n_fruits=5, width=64, height=48, duration_s=1.0, supersampling=1)


def test_fruits_do_not_touch():
    scene = build_scene(SceneSpec(seed=1, n_fruits=20))
    centres, radii = scene.fruit_centres, scene.fruit_radii
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            assert np.linalg.norm(centres[i] - centres[j]) > radii[i] + radii[j]


def test_pairs_are_a_round_fruit_and_a_pod_touching_it():
    """fruit_shape 'pairs': each round fruit has a pod hanging from it, tip on its surface; the pairs stay apart."""
    spec = SceneSpec(seed=69, n_fruits=8, fruit_shape="pairs", fruit_radius=(0.045, 0.06))
    scene = build_scene(spec)
    fruits, pods = scene.ellipsoids[-8::2], scene.ellipsoids[-7::2]
    for fruit, pod in zip(fruits, pods):
        radius = fruit.axes[0, 0]
        long_axis = pod.axes[:, 0]  # half the pod's length, along its axis
        tip = pod.centre - long_axis
        assert np.linalg.norm(tip - fruit.centre) == pytest.approx(radius)
        assert np.linalg.norm(long_axis) == pytest.approx(3 * 0.6 * radius)  # pod_elongation times its half width
        assert pod.centre[2] - np.linalg.norm(long_axis) > 0  # clear of the ground
    assert np.allclose(scene.fruit_lengths[1::2] / scene.fruit_lengths[::2], 1.8)
    for i, j in itertools.combinations(range(0, 8, 2), 2):  # pairs apart
        assert np.linalg.norm(scene.fruit_centres[i] - scene.fruit_centres[j]) > 2 * spec.fruit_radius[1]
    with pytest.raises(ValueError, match="even n_fruits"):
        build_scene(SceneSpec(seed=1, n_fruits=3, fruit_shape="pairs"))


def test_camera_looks_at_the_plant():
    scene = build_scene(SMALL)
    c2w = orbit_camera_to_world(scene, SMALL, 0.3)
    forward = -c2w[:3, 2]
    to_target = scene.look_at - c2w[:3, 3]
    assert np.dot(forward, to_target / np.linalg.norm(to_target)) > 0.999
    assert np.allclose(c2w[:3, :3] @ c2w[:3, :3].T, np.eye(3))


def test_close_up_orbit_centres_the_fruit_and_fills_more_of_the_frame():
    """orbit_centre 'fruits' circles the single fruit, as a video of one pod is filmed."""
    far = SceneSpec(seed=35, n_fruits=1, fruit_radius=(0.03, 0.035), width=96, height=80, supersampling=1)
    near = SceneSpec(**{**far.__dict__, "orbit_radius": 0.45, "orbit_centre": "fruits"})
    far_scene, near_scene = build_scene(far), build_scene(near)
    assert np.allclose(near_scene.look_at, near_scene.fruit_centres[0])
    far_image, far_fruit = render(far_scene, far, orbit_camera_to_world(far_scene, far, 0.0))
    near_image, near_fruit = render(near_scene, near, orbit_camera_to_world(near_scene, near, 0.0))
    rows, cols = np.nonzero(near_fruit)
    assert abs(rows.mean() - 40) < 3 and abs(cols.mean() - 48) < 3
    assert (near_fruit > 0).mean() > 5 * (far_fruit > 0).mean()


def test_unknown_orbit_centre_is_refused():
    with pytest.raises(ValueError, match="orbit_centre"):
        build_scene(SceneSpec(seed=1, n_fruits=2, orbit_centre="stem"))


def test_render_marks_fruit_pixels_red():
    spec = SceneSpec(seed=3, n_fruits=5, width=96, height=80, supersampling=2)
    scene = build_scene(spec)
    image, instances = render(scene, spec, orbit_camera_to_world(scene, spec, 0.0))
    assert image.shape == (80, 96, 3) and instances.shape == (80, 96)
    fruit = instances > 0
    assert 0.005 < fruit.mean() < 0.3
    red = image[fruit].astype(int)
    assert (red[:, 0] > red[:, 1] + 30).mean() > 0.9


def test_write_demo_gives_video_masks_and_truth(tmp_path: Path):
    truth = write_demo(SMALL, 5, tmp_path / "v.mp4", tmp_path / "masks", tmp_path / "truth.json", tmp_path / "p.png")
    assert (tmp_path / "v.mp4").stat().st_size > 0
    masks = sorted((tmp_path / "masks").glob("*.png"))
    assert [m.name for m in masks][:2] == ["frame_00001.png", "frame_00002.png"]
    assert len(masks) == len(truth["cameras"]) == 6  # 30 frames at 30 fps -> slots 0..5 at 5 fps
    assert Image.open(masks[0]).size == (64, 48)
    saved = json.loads((tmp_path / "truth.json").read_text())
    assert saved["count"] == 5 and len(saved["centres"]) == 5


def test_demo_masks_are_binary_or_carry_each_fruit_id():
    from invnerf_seg.demo_video import mask_image

    instances = np.array([[0, 1, 1], [0, 3, 2]])
    assert mask_image(instances, "binary").tolist() == [[0, 255, 255], [0, 255, 255]]
    assert mask_image(instances, "instance").tolist() == instances.tolist() and mask_image(instances, "instance").dtype == np.uint8
    with pytest.raises(ValueError, match="mask_values"):
        mask_image(instances, "rgb")
