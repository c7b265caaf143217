"""Evaluation measures on numbers worked out by hand."""

import numpy as np
import pytest

from invnerf_seg.metrics import iou, match_objects, psnr, similarity_transform


def test_psnr_of_a_known_error():
    assert psnr(np.full((4, 4), 0.1), np.zeros((4, 4))) == pytest.approx(20.0)


def test_iou_counts_overlap():
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    a[:2], b[1:3] = True, True
    assert iou(a, b) == pytest.approx(4 / 12)
    assert iou(np.zeros((2, 2), bool), np.zeros((2, 2), bool)) == 1.0


def test_similarity_transform_recovers_scale_rotation_translation():
    rng = np.random.default_rng(1)
    source = rng.normal(size=(20, 3))
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    target = 2.5 * source @ rotation.T + np.array([1.0, -2.0, 0.5])
    scale, found_rotation, translation = similarity_transform(source, target)
    assert scale == pytest.approx(2.5)
    assert np.allclose(found_rotation, rotation)
    assert np.allclose(translation, [1.0, -2.0, 0.5])


def test_matching_scores_detections():
    true = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0]], dtype=float)
    predicted = np.array([[0.01, 0, 0], [1.02, 0, 0], [5, 5, 5], [6, 6, 6]])
    result = match_objects(predicted, true, max_distance=0.05)
    assert (result["true_positives"], result["false_positives"], result["false_negatives"]) == (2, 2, 1)
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert result["mean_centre_error"] == pytest.approx(0.015)


def test_matching_with_nothing_found():
    result = match_objects(np.zeros((0, 3)), np.zeros((2, 3)), 0.1)
    assert result["f1"] == 0.0 and result["false_negatives"] == 2
