"""Held-out views rendered by a trained run, and the count checked against the truth file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from invnerf_seg.mask_colours import classify
from invnerf_seg.metrics import iou, match_objects, psnr, similarity_transform
from invnerf_seg.nerf_model import LoadedRun


@torch.no_grad()
def render_eval_views(run: LoadedRun) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(frame stem, rendered RGB, ground-truth RGB) in [0, 1] for every held-out view."""
    model = run.pipeline.model
    model.eval()
    views = []
    for index, image_path in enumerate(run.eval_image_paths):
        outputs = model.get_outputs_for_camera(run.eval_cameras[index : index + 1])
        rendered = outputs["rgb"].clamp(0, 1).cpu().numpy()
        target = np.asarray(Image.open(image_path).convert("RGB"), dtype=np.float64) / 255.0
        views.append((image_path.stem, rendered, target))
    return views


def image_scores(views: list[tuple[str, np.ndarray, np.ndarray]]) -> dict[str, float]:
    """PSNR per held-out view."""
    return {stem: psnr(rendered, target) for stem, rendered, target in views}


def class_iou(rendered: np.ndarray, target: np.ndarray, classes: dict, threshold: float) -> float:
    """IoU of a rendered mask with the true one, averaged over the classes either shows.

    A rendered pixel is of a class when its colour matches the class colour
    better than `threshold` (as in the export); a true pixel when it does
    better than 0.5. With one class this is the object IoU.
    """
    predicted, true = classify(rendered, classes, threshold), classify(target, classes, 0.5)
    shown = [value for value in classes if (predicted == value).any() or (true == value).any()]
    if not shown:
        return 1.0
    return float(np.mean([iou(predicted == value, true == value) for value in shown]))


def mask_scores(views: list[tuple[str, np.ndarray, np.ndarray]], classes: dict, threshold: float) -> dict[str, float]:
    """Class IoU per held-out view of the rendered mask with the true mask."""
    return {stem: class_iou(rendered, target, classes, threshold) for stem, rendered, target in views}


def mask_sheet(views: list[tuple[str, np.ndarray, np.ndarray]], path: Path, max_views: int = 4) -> None:
    """True mask above rendered mask, for a few held-out views side by side."""
    chosen = views[:: max(1, len(views) // max_views)][:max_views]
    columns = [np.concatenate([target, rendered], axis=0) for _, rendered, target in chosen]
    Image.fromarray((np.concatenate(columns, axis=1) * 255).astype(np.uint8)).save(path)


def truth_alignment(transforms: dict, truth: dict) -> tuple[float, np.ndarray, np.ndarray, float] | None:
    """Similarity (scale, rotation, translation) from the scene's world to the truth's, and its camera RMSE.

    COLMAP's world has its own scale and orientation: the camera centres
    known in both worlds tie them. None when fewer than 3 cameras are shared.
    """
    estimated, known = [], []
    for frame in transforms["frames"]:
        name = Path(frame["file_path"]).name
        if name in truth.get("cameras", {}):
            estimated.append(np.asarray(frame["transform_matrix"])[:3, 3])
            known.append(np.asarray(truth["cameras"][name])[:3, 3])
    if len(estimated) < 3:
        return None
    scale, rotation, translation = similarity_transform(np.array(estimated), np.array(known))
    aligned_cameras = scale * np.array(estimated) @ rotation.T + translation
    rmse = float(np.sqrt(((aligned_cameras - np.array(known)) ** 2).sum(axis=1).mean()))
    return scale, rotation, translation, rmse


def count_report(count: dict, truth: dict | None, transforms: dict, same_world: bool = False) -> dict:
    """Predicted against true count; with true centres, detections matched to objects.

    `same_world` says the detections are already in the truth's world (posed
    input keeps its own frame); otherwise the cameras align the two worlds.
    A detection matches a true object when its centre lies within the true
    object's radius of it: inside the object, whatever the object's size.
    """
    report = {"count_predicted": count["count"], "count_per_class": count.get("per_class", {})}
    if truth is None:
        return report
    report["count_true"] = truth["count"]
    report["count_error"] = count["count"] - truth["count"]
    if not truth.get("centres"):
        return report
    detections = np.array([obj["centre"] for obj in count["objects"]]).reshape(-1, 3)
    if not same_world:
        alignment = truth_alignment(transforms, truth)
        if alignment is None:
            return report
        scale, rotation, translation, report["camera_alignment_rmse"] = alignment
        detections = scale * detections @ rotation.T + translation
    radius = truth.get("object_diameter", 0.0) / 2 or float(np.median(truth.get("radii", [0.05])))
    report["matching"] = match_objects(detections, np.array(truth["centres"]), max_distance=radius)
    return report
