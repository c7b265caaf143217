"""Comparing methods on the same held-out views: paired two-tailed t-tests and the comparison table."""

from __future__ import annotations

import numpy as np
from scipy import stats

REFERENCE_METHOD = "invnerf"
# The per-view scores the comparison averages and tests: class IoU, one-class IoU, PSNR of the RGB model.
SCORES = ("iou", "iou_one_class", "psnr")


def paired_t_test(reference: list[float], other: list[float]) -> dict:
    """Two-tailed paired t-test of two methods' scores on the same views (scipy's ttest_rel).

    Views are paired because both methods render the very same held-out
    cameras. With all differences equal, scipy has no variance to divide
    by: identical scores give p = 1 and constant non-zero differences p = 0,
    the limits of the test, and the table says which happened.
    """
    reference, other = np.asarray(reference, dtype=float), np.asarray(other, dtype=float)
    if reference.shape != other.shape or len(reference) < 2:
        raise ValueError(f"a paired t-test needs the same views, at least two: got {len(reference)} and {len(other)}")
    differences = reference - other
    mean_difference = float(differences.mean())
    if np.allclose(differences, differences[0], rtol=0, atol=1e-12):
        return {"t": 0.0 if mean_difference == 0 else float("inf") * np.sign(mean_difference), "p": 1.0 if mean_difference == 0 else 0.0,
                "n": len(reference), "mean_difference": mean_difference, "note": "identical scores" if mean_difference == 0 else "constant difference"}
    result = stats.ttest_rel(reference, other)
    return {"t": float(result.statistic), "p": float(result.pvalue), "n": len(reference), "mean_difference": mean_difference}


def comparison_rows(per_view: dict[str, dict[str, dict[str, float | None]]], metrics: dict[str, dict]) -> list[dict]:
    """One row per method: count against truth, F1, mean IoUs and PSNR, and p-values against InvNeRF-Seg.

    `per_view`: method -> view -> {"psnr", "iou", "iou_one_class"}; `metrics`:
    method -> its metrics.json. Views are matched by name, so the tests pair the
    same views. A score a method lacks (FruitNeRF's class IoU on a multi-class
    scene) is None and is not tested: only like is compared with like.
    """
    rows = []
    reference = per_view.get(REFERENCE_METHOD)
    for method, views in per_view.items():
        row = {
            "method": method,
            "count_predicted": metrics[method].get("count_predicted"),
            "count_true": metrics[method].get("count_true"),
            "f1": metrics[method].get("matching", {}).get("f1"),
            "held_out_views": len(views),
        }
        for score in SCORES:
            values = [v.get(score) for v in views.values()]
            row[f"{score}_mean"] = None if None in values else float(np.mean(values))
            row[f"p_{score}_vs_invnerf"] = row[f"t_{score}_vs_invnerf"] = None
            if reference is None or method == REFERENCE_METHOD or row[f"{score}_mean"] is None:
                continue
            shared = sorted(set(reference) & set(views))
            reference_values = [reference[v].get(score) for v in shared]
            if None not in reference_values:
                test = paired_t_test(reference_values, [views[v][score] for v in shared])
                row[f"p_{score}_vs_invnerf"], row[f"t_{score}_vs_invnerf"] = test["p"], test["t"]
        rows.append(row)
    return rows
