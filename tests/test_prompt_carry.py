"""Prompt carrying: projection checked against known poses, lifting and carrying on a toy sparse model."""

import numpy as np
import pytest

from invnerf_seg.cameras import project
from invnerf_seg.demo_scene import SceneSpec, build_scene, focal_length, orbit_camera_to_world, render
from invnerf_seg.masks import MaskError
from invnerf_seg.prompt_carry import (
    CarrySettings,
    KeyObject,
    LiftedObject,
    SparseModel,
    carried_object,
    lift_objects,
    points_inside_mask,
    spread_points,
    triangulate_object,
)

CAMERA = {"fl_x": 100.0, "fl_y": 100.0, "cx": 64.0, "cy": 48.0, "w": 128, "h": 96}


def looking_down(height: float = 5.0) -> np.ndarray:
    """OpenGL camera-to-world of a camera at (0, 0, height) looking down the world's -z."""
    c2w = np.eye(4)
    c2w[2, 3] = height
    return c2w


def test_a_point_projects_where_the_pinhole_model_says():
    pixels, depth = project(np.array([[0.1, 0.2, 0.0], [0.0, 0.0, 6.0]]), looking_down(), CAMERA)
    assert depth[0] == pytest.approx(5.0) and depth[1] < 0  # the second point is behind the camera
    # x right stays right; world +y (OpenGL camera up) is up in the image, so v decreases.
    assert pixels[0] == pytest.approx([64 + 100 * 0.02, 48 - 100 * 0.04])


def test_radial_distortion_moves_points_outward():
    undistorted, _ = project(np.array([[1.0, 0.5, 0.0]]), looking_down(), CAMERA)
    distorted, _ = project(np.array([[1.0, 0.5, 0.0]]), looking_down(), {**CAMERA, "k1": 0.1})
    r2 = 0.2**2 + 0.1**2
    assert distorted[0] - [64, 48] == pytest.approx((undistorted[0] - [64, 48]) * (1 + 0.1 * r2))


def test_fruit_centres_project_onto_their_own_fruit_in_a_rendered_view():
    spec = SceneSpec(seed=3, n_fruits=8, width=160, height=120, supersampling=1)
    scene = build_scene(spec)
    c2w = orbit_camera_to_world(scene, spec, 0.3)
    _, instances = render(scene, spec, c2w)
    camera = {"fl_x": focal_length(spec), "fl_y": focal_length(spec), "cx": spec.width / 2, "cy": spec.height / 2, "w": spec.width, "h": spec.height}
    pixels, depth = project(scene.fruit_centres, c2w, camera)
    hits = [instances[int(v), int(u)] == index + 1 for index, (u, v) in enumerate(pixels) if 0 <= u < spec.width and 0 <= v < spec.height]
    assert (depth > 0).all() and len(hits) >= 6
    assert np.mean(hits) >= 0.75  # the rest are hidden behind leaves or other fruits


def test_points_inside_mask_and_spread():
    mask = np.zeros((10, 10), dtype=bool)
    mask[2:5, 2:5] = True
    xy = np.array([[3.5, 3.5], [8.2, 8.9], [2.0, 4.9]])
    assert points_inside_mask(xy, np.array([7, 8, 9]), mask).tolist() == [7, 9]
    spread = spread_points(np.array([[0.0, 0], [1, 0], [10, 0], [5, 0], [9, 0]]), 3)
    assert spread[0].tolist() == [5, 0] and {tuple(p) for p in spread[1:]} == {(0, 0), (10, 0)}


def toy_sparse() -> SparseModel:
    """Four object points around (0.2, 0, 0), one background point, seen by a key frame looking down from z=5."""
    points = {1: np.array([0.2, 0.0, 0.0]), 2: np.array([0.25, 0.05, 0.0]), 3: np.array([0.15, -0.05, 0.0]), 4: np.array([0.2, 0.05, 0.05]), 9: np.array([-1.0, 0.0, 0.0])}
    pixels, _ = project(np.array(list(points.values())), looking_down(), CAMERA)
    return SparseModel(points, {"key.png": (pixels, np.array(list(points))), "other.png": (pixels[:2], np.array([1, 2]))})


def test_lifting_takes_the_points_inside_the_key_mask_and_snaps_background_prompts():
    sparse = toy_sparse()
    mask = np.zeros((96, 128), dtype=bool)
    mask[40:52, 64:74] = True  # around the object's pixels (64 + 100 * x / 5, 48 - 100 * y / 5)
    background = sparse.seen["key.png"][0][-1]
    key = KeyObject("key.png", {"id": 3, "points": [[68, 46], background.tolist()], "labels": [1, 0]}, mask)
    lifted = lift_objects([key], sparse, {"key.png": (looking_down(), CAMERA)}, CarrySettings(), "prompts.json")
    assert lifted == {3: LiftedObject([1, 2, 3, 4], [9], CarrySettings().box_margin)}


def test_lifting_refuses_an_unposed_key_frame_and_an_object_it_cannot_place():
    sparse = toy_sparse()
    poses = {"key.png": (looking_down(), CAMERA)}
    with pytest.raises(MaskError, match="prompts.json: key frame missing.png has no COLMAP pose"):
        lift_objects([KeyObject("missing.png", {"id": 1}, np.ones((96, 128), bool))], sparse, poses, CarrySettings(), "prompts.json")
    empty = np.zeros((96, 128), bool)
    empty[0:5, 0:5] = True
    with pytest.raises(MaskError, match="object 1 covers 0 COLMAP sparse point.*second key frame"):
        lift_objects([KeyObject("key.png", {"id": 1}, empty)], sparse, poses, CarrySettings(), "prompts.json")


def disc_mask(centre: np.ndarray, radius: float, c2w: np.ndarray) -> np.ndarray:
    """The image of a sphere as a disc of its projected radius."""
    (u, v), depth = (value[0] for value in project(centre[None], c2w, CAMERA))
    rows, cols = np.mgrid[0:96, 0:128]
    return (cols + 0.5 - u) ** 2 + (rows + 0.5 - v) ** 2 <= (CAMERA["fl_x"] * radius / depth) ** 2


def test_an_object_without_sparse_points_is_triangulated_from_two_key_frames():
    centre, radius = np.array([0.3, -0.2, 0.1]), 0.15
    left, right = looking_down(), looking_down()
    left[0, 3], right[0, 3] = -1.0, 1.0
    views = [(disc_mask(centre, radius, c2w), c2w, CAMERA) for c2w in (left, right)]
    found_centre, found_radius = triangulate_object(views, CarrySettings())
    assert np.linalg.norm(found_centre - centre) < 0.02 and found_radius == pytest.approx(radius, rel=0.1)
    assert triangulate_object(views[:1], CarrySettings()) is None  # one view cannot place it
    sparse = SparseModel.without_points(["a.png", "b.png", "c.png"])  # a posed dataset: no sparse points at all
    keys = [KeyObject(name, {"id": 2}, mask) for name, (mask, _, _) in zip(["a.png", "b.png"], views)]
    lifted = lift_objects(keys, sparse, {"a.png": (left, CAMERA), "b.png": (right, CAMERA)}, CarrySettings(), "p")
    assert len(lifted[2].points) == 25 and all(i < 0 for i in lifted[2].points)  # stand-ins, never observed
    middle = looking_down(4.0)
    prompt = carried_object(lifted[2], sparse, "c.png", middle, CAMERA, CarrySettings())
    truth = disc_mask(centre, radius, middle)
    assert all(truth[int(v), int(u)] for u, v in prompt["points"])
    rows, cols = np.nonzero(truth)
    x0, y0, x1, y1 = prompt["box"]
    assert x0 <= cols.min() and x1 >= cols.max() + 1 and y0 <= rows.min() and y1 >= rows.max() + 1


def test_carried_prompt_lands_on_the_object_in_another_view():
    sparse = toy_sparse()
    c2w = looking_down(4.0)
    c2w[0, 3] = 0.3  # moved sideways and closer
    obj = LiftedObject([1, 2, 3, 4], [9], 0.5)
    prompt = carried_object(obj, sparse, "other.png", c2w, CAMERA, CarrySettings(max_points=2))
    truth, _ = project(np.array([sparse.points[i] for i in (1, 2, 3, 4)]), c2w, CAMERA)
    positives = [p for p, label in zip(prompt["points"], prompt["labels"]) if label == 1]
    assert len(positives) == 2  # the two points COLMAP matched in this view are preferred
    expected_seen, _ = project(np.array([sparse.points[1], sparse.points[2]]), c2w, CAMERA)
    assert sorted(map(tuple, np.round(positives, 6))) == sorted(map(tuple, np.round(expected_seen, 6)))
    x0, y0, x1, y1 = prompt["box"]
    assert x0 < truth[:, 0].min() and x1 > truth[:, 0].max() and y0 < truth[:, 1].min() and y1 > truth[:, 1].max()
    assert prompt["labels"].count(0) == 1  # the background point is in view: carried as a negative
    away = looking_down(4.0)
    away[0, 3] = 30.0  # the object is out of this view
    assert carried_object(LiftedObject([1, 2], [], 0.15), sparse, "other.png", away, CAMERA, CarrySettings()) is None
