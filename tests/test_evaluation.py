"""Count against truth: COLMAP's world is aligned to the truth's through the camera centres."""

import numpy as np
import pytest

from invnerf_seg.evaluation import (
    binary_target,
    cloud_spacing,
    count_report,
    mask_scores,
    object_colour_match,
    semantic_mask_image,
    surface_mask_image,
    unlearnt_warning,
)
from invnerf_seg.mask_colours import BINARY_CLASS, WHITE


def rotation_z(angle):
    return np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])


def test_detections_are_matched_in_the_truth_frame():
    rng = np.random.default_rng(0)
    true_cameras = rng.normal(size=(6, 3)) * 2
    true_centres = np.array([[0.0, 0, 0.3], [0.3, 0.1, 0.5], [-0.2, 0.2, 0.4]])
    # The reconstruction's world: scaled by 1/3, rotated and shifted.
    rotation, scale, shift = rotation_z(1.1), 1 / 3, np.array([5.0, -1.0, 2.0])

    def to_colmap(points):
        return scale * points @ rotation.T + shift

    frames = []
    truth_cameras = {}
    for i, centre in enumerate(true_cameras):
        name = f"frame_{i + 1:05d}.png"
        c2w, true_c2w = np.eye(4), np.eye(4)
        c2w[:3, 3], true_c2w[:3, 3] = to_colmap(centre[None])[0], centre
        frames.append({"file_path": f"images/{name}", "transform_matrix": c2w.tolist()})
        truth_cameras[name] = true_c2w.tolist()
    detections = to_colmap(true_centres[:2] + 0.01)  # two of three fruits found, 1.7 cm off
    # Sizes in the reconstruction's units: the first found 10% too large; the second's length exact.
    sizes = [{"diameter": 1.1 * 0.1 * scale, "length": 0.3 * scale}, {"diameter": 0.08 * scale, "length": 0.24 * scale}]
    count = {"count": 2, "objects": [{"centre": c.tolist(), **size} for c, size in zip(detections, sizes)]}
    truth = {"count": 3, "centres": true_centres.tolist(), "cameras": truth_cameras, "object_diameter": 0.1,
             "radii": [0.05, 0.04, 0.05], "lengths": [0.33, 0.24, 0.3]}
    report = count_report(count, truth, {"frames": frames})
    assert report["count_error"] == -1
    assert report["camera_alignment_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert report["camera_alignment_scale"] == pytest.approx(1 / scale)
    assert report["matching"]["true_positives"] == 2 and report["matching"]["false_negatives"] == 1
    assert report["matching"]["mean_centre_error"] == pytest.approx(np.sqrt(3) * 0.01)
    assert report["matching"]["pairs"] == [[0, 0], [1, 1]]
    assert report["sizes"]["diameter_error_median"] == pytest.approx(0.05)  # the median of 10% and 0%
    assert report["sizes"]["length_error_median"] == pytest.approx(0.5 * (0.03 / 0.33))
    assert report["sizes"]["diameter_ratio_median_as_stated"] == pytest.approx(1.05 * scale)  # in the reconstruction's units


def test_without_truth_only_the_prediction_is_reported():
    assert count_report({"count": 4, "objects": [], "per_class": {"255": 4}}, None, {"frames": []}) == {"count_predicted": 4, "count_per_class": {"255": 4}}


def test_rendered_masks_are_thresholded():
    target = np.zeros((4, 4, 3))
    target[:2] = 1.0
    rendered = np.full((4, 4, 3), 0.2)
    rendered[:2] = 0.45
    white = {BINARY_CLASS: WHITE}
    assert mask_scores([("frame_00001", rendered, target)], white, 0.25) == {"frame_00001": {"iou": 1.0, "iou_one_class": 1.0}}
    assert mask_scores([("frame_00001", rendered, target)], white, 0.5) == {"frame_00001": {"iou": 0.0, "iou_one_class": 0.0}}


def test_multiclass_iou_counts_a_pixel_of_the_wrong_class_as_wrong():
    classes = {1: (1.0, 0.0, 0.0), 2: (0.0, 1.0, 0.0)}
    target = np.zeros((2, 4, 3))
    target[:, :2] = classes[1]
    target[:, 2:] = classes[2]
    right = target * 0.9
    swapped = right[:, ::-1]
    assert mask_scores([("v", right, target)], classes, 0.25) == {"v": {"iou": 1.0, "iou_one_class": 1.0}}
    # Wrong class everywhere: no class IoU, yet every object pixel is object (the one-class IoU a one-class method has too).
    assert mask_scores([("v", swapped, target)], classes, 0.25) == {"v": {"iou": 0.0, "iou_one_class": 1.0}}
    assert mask_scores([("v", swapped, target)], classes, 0.25, per_class=False) == {"v": {"iou": None, "iou_one_class": 1.0}}


def test_a_cloud_is_seen_where_the_rendered_surface_lies_on_it():
    cloud = np.array([[0.0, 0.0, 0.0], [0.1, 0.0, 0.0]])
    colours = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    surface = np.array([[[0.01, 0.0, 0.0], [0.09, 0.0, 0.0]], [[0.5, 0.0, 0.0], [0.0, 0.5, 0.0]]])
    image = surface_mask_image(surface, cloud, colours, radius=0.02)
    assert image[0, 0].tolist() == [1.0, 0.0, 0.0] and image[0, 1].tolist() == [0.0, 1.0, 0.0]
    assert (image[1] == 0).all()
    assert cloud_spacing(np.array([[0.0, 0, 0], [0.1, 0, 0], [0.3, 0, 0]])) == pytest.approx(0.1)


def test_fruitnerf_masks_are_its_probability_in_grey_and_its_truth_has_every_class_white():
    assert semantic_mask_image(np.array([[[0.2], [0.7]]])).tolist() == [[[0.2, 0.2, 0.2], [0.7, 0.7, 0.7]]]
    target = np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]])
    assert binary_target(target).tolist() == [[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]]


def test_one_iou_threshold_holds_a_rendered_mask_and_a_semantic_probability_to_the_same_rule():
    """A fruit rendered at 0.4 by InvNeRF-Seg and at probability 0.4 by FruitNeRF is object for both, or for neither."""
    target = np.zeros((4, 4, 3))
    target[1:3, 1:3] = 1.0
    level = np.where(target[..., :1] > 0, 0.4, 0.0)  # the object at 0.4, the background at 0
    rendered, semantic = np.repeat(level, 3, axis=-1), semantic_mask_image(level)
    classes = {BINARY_CLASS: WHITE}
    for threshold, expected in ((0.5, 0.0), (0.25, 1.0)):
        scores = [mask_scores([("v", image, target)], classes, threshold)["v"]["iou"] for image in (rendered, semantic)]
        assert scores == [expected, expected]


def test_object_colour_match_is_the_median_over_true_object_pixels():
    target = np.zeros((4, 4, 3))
    target[:2, :2] = 1.0
    rendered = np.zeros((4, 4, 3))
    rendered[:2, :2] = [0.9, 0.5, 0.95]  # darkest channel 0.5: grey on the object
    rendered[3, 3] = 1.0  # a white background pixel does not count
    assert object_colour_match([("a", rendered, target)], {BINARY_CLASS: WHITE}) == pytest.approx(0.5)
    classes = {1: (1.0, 0.0, 0.0), 2: (0.0, 1.0, 0.0)}
    target = np.zeros((2, 2, 3))
    target[0, 0], target[1, 1] = [1, 0, 0], [0, 1, 0]
    rendered = np.zeros((2, 2, 3))
    rendered[0, 0], rendered[1, 1] = [0.8, 0.1, 0.0], [0.0, 0.7, 0.4]
    assert object_colour_match([("a", rendered, target)], classes) == pytest.approx(0.7)
    assert object_colour_match([("a", rendered, np.zeros((2, 2, 3)))], classes) is None


def test_a_method_whose_held_out_masks_miss_the_given_ones_is_flagged_without_truth():
    # The 0.26% plant whose RGB model lost the fruits: the fine-tuning stayed black (IoU 0.00, colour match 0.05).
    warning = unlearnt_warning("invnerf", {"iou_one_class_mean": 0.0})
    assert warning is not None and warning.startswith("invnerf did not learn the masks: its held-out masks overlap the given ones by IoU 0.00")
    assert "cpu_small_objects" in warning
    fruitnerf = unlearnt_warning("fruitnerf", {"iou_one_class_mean": 0.16})
    assert fruitnerf is not None and fruitnerf.startswith("fruitnerf did not learn the masks") and "IoU 0.16" in fruitnerf
    assert unlearnt_warning("invnerf", {"iou_one_class_mean": 0.68}) is None
