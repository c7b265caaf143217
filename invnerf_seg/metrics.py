"""Evaluation measures: image quality, mask overlap, and counts and positions against truth."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def psnr(predicted: np.ndarray, target: np.ndarray) -> float:
    """Peak signal-to-noise ratio of images in [0, 1]."""
    mse = float(np.mean((np.asarray(predicted, dtype=np.float64) - np.asarray(target, dtype=np.float64)) ** 2))
    return float("inf") if mse == 0 else -10.0 * np.log10(mse)


def iou(predicted: np.ndarray, target: np.ndarray) -> float:
    """Intersection over union of two boolean masks (1 when both are empty)."""
    union = np.logical_or(predicted, target).sum()
    return 1.0 if union == 0 else float(np.logical_and(predicted, target).sum() / union)


def similarity_transform(source: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale, rotation and translation with target ~ scale * R @ source + t (Umeyama, least squares).

    COLMAP's world has its own scale and orientation; the camera centres seen
    in both frames tie it to the truth's frame.
    """
    source, target = np.asarray(source, dtype=np.float64), np.asarray(target, dtype=np.float64)
    mean_s, mean_t = source.mean(axis=0), target.mean(axis=0)
    centred_s, centred_t = source - mean_s, target - mean_t
    covariance = centred_t.T @ centred_s / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.eye(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[2, 2] = -1
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(singular) @ sign) / (centred_s**2).sum(axis=1).mean())
    return scale, rotation, mean_t - scale * rotation @ mean_s


def match_objects(predicted: np.ndarray, true: np.ndarray, max_distance: float) -> dict:
    """One-to-one matching of detected to true centres (Hungarian), a match within `max_distance`."""
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1, 3)
    true = np.asarray(true, dtype=np.float64).reshape(-1, 3)
    matched_distances: list[float] = []
    pairs: list[list[int]] = []
    if len(predicted) and len(true):
        distances = np.linalg.norm(predicted[:, None] - true[None], axis=2)
        rows, cols = linear_sum_assignment(distances)
        pairs = [[int(r), int(c)] for r, c in zip(rows, cols) if distances[r, c] <= max_distance]
        matched_distances = [float(distances[r, c]) for r, c in pairs]
    tp = len(matched_distances)
    precision = tp / len(predicted) if len(predicted) else 0.0
    recall = tp / len(true) if len(true) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "true_positives": tp,
        "false_positives": len(predicted) - tp,
        "false_negatives": len(true) - tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "mean_centre_error": float(np.mean(matched_distances)) if matched_distances else None,
        "max_match_distance": max_distance,
        "pairs": pairs,  # [detection index, true object index] of each match
    }
