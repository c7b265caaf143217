"""The masks' support for a cluster: a fruit the masks show is kept, haze on background pixels is dropped."""

import numpy as np
import pytest

from invnerf_seg.cameras import project
from invnerf_seg.clustering import CountParams, count_by_class, count_objects
from invnerf_seg.mask_support import cluster_support, mask_views
from invnerf_seg.masks import write_labels
from tests.test_object_size import FOCAL, HEIGHT, WIDTH, look_at

CAMERA = {"fl_x": FOCAL, "fl_y": FOCAL, "cx": WIDTH / 2, "cy": HEIGHT / 2, "w": WIDTH, "h": HEIGHT}
RADIUS = 0.05
FRUIT, HAZE = np.array([-0.15, 0.0, 0.0]), np.array([0.15, 0.0, 0.0])


def ball(centre, rng, n=1500):
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return centre + RADIUS * directions


def posed_masks(tmp_path, hidden_in=(), views=4, fruit=FRUIT):
    """Four views of the scene whose masks show only the fruit (not in the views `hidden_in`, as if a leaf hid it)."""
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    frames = []
    for index, angle in enumerate(np.linspace(-0.6, 0.6, views)):
        c2w = look_at(np.array([np.sin(angle), -np.cos(angle), 0.2]) * 1.5)
        labels = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
        if index not in hidden_in:
            pixels, depths = project(fruit[None], c2w, CAMERA)
            (u, v), depth = pixels[0], depths[0]
            labels[(cols - u) ** 2 + (rows - v) ** 2 <= (FOCAL * RADIUS / depth) ** 2] = 255
        name = f"frame_{index:05d}.png"
        write_labels(labels, tmp_path / name)
        frames.append({"file_path": f"images/{name}", "transform_matrix": c2w.tolist()})
    return {**CAMERA, "frames": frames}


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_a_masked_fruit_has_full_support_and_haze_on_background_none(tmp_path, rng):
    views = mask_views(posed_masks(tmp_path), tmp_path, dilation_px=1)
    points = np.concatenate([ball(FRUIT, rng), ball(HAZE, rng)])
    labels = np.repeat([0, 1], 1500)
    support = cluster_support(points, labels, views)
    assert support[0] > 0.95
    assert support[1] < 0.05


def test_a_fruit_hidden_in_half_the_views_keeps_half_its_support(tmp_path, rng):
    views = mask_views(posed_masks(tmp_path, hidden_in=(1, 3)), tmp_path, dilation_px=1)
    support = cluster_support(ball(FRUIT, rng), np.zeros(1500, dtype=int), views)
    assert support[0] == pytest.approx(0.5, abs=0.05)


def test_a_cluster_no_view_sees_has_no_support(tmp_path, rng):
    views = mask_views(posed_masks(tmp_path), tmp_path, dilation_px=1)
    behind_the_cameras = ball(np.array([0.0, -5.0, 0.0]), rng)
    assert cluster_support(behind_the_cameras, np.zeros(1500, dtype=int), views)[0] == 0.0


def test_frames_without_a_mask_are_left_out_and_the_object_pixels_grow_by_the_dilation(tmp_path):
    transforms = posed_masks(tmp_path)
    (tmp_path / "frame_00002.png").unlink()
    plain, grown = mask_views(transforms, tmp_path, dilation_px=0), mask_views(transforms, tmp_path, dilation_px=2)
    assert len(plain) == 3
    assert grown[0].object_pixels.sum() > plain[0].object_pixels.sum()
    assert (grown[0].object_pixels | plain[0].object_pixels).sum() == grown[0].object_pixels.sum()


def test_counting_drops_the_haze_only_when_the_check_is_on(tmp_path, rng):
    views = mask_views(posed_masks(tmp_path), tmp_path, dilation_px=1)
    points = np.concatenate([ball(FRUIT, rng), ball(HAZE, rng)])
    _, labels_off, decided_off = count_objects(points, CountParams(object_diameter=2 * RADIUS))
    _, labels_on, decided_on = count_objects(points, CountParams(object_diameter=2 * RADIUS, min_mask_support=0.3), views)
    assert labels_off.max() + 1 == 2 and decided_off["dropped_without_mask_support"] == 0
    assert labels_on.max() + 1 == 1 and decided_on["dropped_without_mask_support"] == 1


def test_counted_objects_report_their_support(tmp_path, rng):
    views = mask_views(posed_masks(tmp_path), tmp_path, dilation_px=1)
    counted = count_by_class(ball(FRUIT, rng), np.ones((1500, 3)), {255: (1.0, 1.0, 1.0)}, CountParams(object_diameter=2 * RADIUS, min_mask_support=0.3), views)
    assert len(counted.objects) == 1
    assert counted.objects[0]["centre"] == pytest.approx(FRUIT, abs=0.01)
    assert counted.objects[0]["mask_support"] > 0.95


def test_the_check_without_masks_is_refused(rng):
    with pytest.raises(ValueError, match="min_mask_support needs the posed views' masks"):
        count_objects(ball(FRUIT, rng), CountParams(object_diameter=2 * RADIUS, min_mask_support=0.3))
