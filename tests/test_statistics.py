"""Paired t-tests and the comparison table, on numbers worked out by hand."""

import pytest

from invnerf_seg.statistics import comparison_rows, paired_t_test


def test_paired_t_test_matches_the_hand_computed_value():
    # Differences 1, 2, 3, 4: mean 2.5, sd 1.291, t = 2.5 / (1.291 / 2) = 3.873 with 3 degrees of freedom, two-tailed p = 0.0305.
    result = paired_t_test([2.0, 4.0, 6.0, 8.0], [1.0, 2.0, 3.0, 4.0])
    assert result["t"] == pytest.approx(3.873, abs=1e-3)
    assert result["p"] == pytest.approx(0.0305, abs=5e-4)
    assert result["n"] == 4 and result["mean_difference"] == 2.5


def test_identical_and_constantly_shifted_scores_are_the_limits_of_the_test():
    assert paired_t_test([0.9, 0.8, 0.7], [0.9, 0.8, 0.7])["p"] == 1.0
    shifted = paired_t_test([0.9, 0.8, 0.7], [0.8, 0.7, 0.6])
    assert shifted["p"] == 0.0 and shifted["note"] == "constant difference"


def test_views_must_pair():
    with pytest.raises(ValueError, match="same views"):
        paired_t_test([1.0, 2.0], [1.0, 2.0, 3.0])


def test_comparison_table_tests_each_baseline_against_invnerf_on_shared_views():
    per_view = {
        "invnerf": {"a": {"iou": 0.9, "psnr": 25.0}, "b": {"iou": 0.8, "psnr": 24.0}, "c": {"iou": 0.85, "psnr": 26.0}},
        "sa3d": {"a": {"iou": 0.7, "psnr": 25.0}, "b": {"iou": 0.5, "psnr": 24.0}, "c": {"iou": 0.75, "psnr": 26.0}},
    }
    for views in per_view.values():
        for scores in views.values():
            scores["iou_one_class"] = scores["iou"]
    metrics = {"invnerf": {"count_predicted": 6, "count_true": 6, "matching": {"f1": 1.0}}, "sa3d": {"count_predicted": 4, "count_true": 6}}
    rows = {row["method"]: row for row in comparison_rows(per_view, metrics)}
    assert rows["invnerf"]["p_iou_vs_invnerf"] is None and rows["invnerf"]["f1"] == 1.0
    assert rows["sa3d"]["iou_mean"] == pytest.approx(0.65) and rows["sa3d"]["count_predicted"] == 4
    assert rows["sa3d"]["p_psnr_vs_invnerf"] == 1.0  # same RGB model, same PSNR
    # IoU differences 0.2, 0.3, 0.1: mean 0.2, sd 0.1, t = 0.2 / (0.1 / sqrt 3) = 3.464, two-tailed p = 0.0742 (2 dof).
    assert rows["sa3d"]["t_iou_vs_invnerf"] == pytest.approx(3.464, abs=1e-3)
    assert rows["sa3d"]["p_iou_vs_invnerf"] == pytest.approx(0.0742, abs=5e-4)


def test_a_score_a_method_lacks_is_not_tested():
    """FruitNeRF on a multi-class scene: no class IoU, so only its one-class IoU is compared with InvNeRF-Seg's."""
    per_view = {
        "invnerf": {v: {"iou": 0.8, "iou_one_class": x, "psnr": 25.0} for v, x in zip("abc", (0.9, 0.8, 0.85))},
        "fruitnerf": {v: {"iou": None, "iou_one_class": x, "psnr": 24.0} for v, x in zip("abc", (0.7, 0.5, 0.75))},
    }
    rows = {row["method"]: row for row in comparison_rows(per_view, {"invnerf": {}, "fruitnerf": {}})}
    assert rows["fruitnerf"]["iou_mean"] is None and rows["fruitnerf"]["p_iou_vs_invnerf"] is None
    assert rows["fruitnerf"]["iou_one_class_mean"] == pytest.approx(0.65)
    assert rows["fruitnerf"]["p_iou_one_class_vs_invnerf"] == pytest.approx(0.0742, abs=5e-4)
