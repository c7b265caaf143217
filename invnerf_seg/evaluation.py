"""Held-out views rendered by a trained run, and the count checked against the truth file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

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


def mask_scores(views: list[tuple[str, np.ndarray, np.ndarray]], threshold: float) -> dict[str, float]:
    """IoU per held-out view of the rendered mask (mean grey > threshold) with the true mask (> 0.5)."""
    return {stem: iou(rendered.mean(axis=2) > threshold, target.mean(axis=2) > 0.5) for stem, rendered, target in views}


def mask_sheet(views: list[tuple[str, np.ndarray, np.ndarray]], path: Path, max_views: int = 4) -> None:
    """True mask above rendered mask, for a few held-out views side by side."""
    chosen = views[:: max(1, len(views) // max_views)][:max_views]
    columns = [np.concatenate([target, rendered], axis=0) for _, rendered, target in chosen]
    Image.fromarray((np.concatenate(columns, axis=1) * 255).astype(np.uint8)).save(path)


def count_report(count: dict, truth: dict | None, transforms: dict, same_world: bool = False) -> dict:
    """Predicted against true count; with true centres, detections matched to objects.

    `same_world` says the detections are already in the truth's world (posed
    input keeps its own frame). Otherwise (video scenes, COLMAP's world) the
    camera centres known in both worlds give the similarity transform to it.
    """
    report = {"count_predicted": count["count"]}
    if truth is None:
        return report
    report["count_true"] = truth["count"]
    report["count_error"] = count["count"] - truth["count"]
    if not truth.get("centres"):
        return report
    detections = np.array([obj["centre"] for obj in count["objects"]]).reshape(-1, 3)
    if not same_world:
        estimated, known = [], []
        for frame in transforms["frames"]:
            name = Path(frame["file_path"]).name
            if name in truth.get("cameras", {}):
                estimated.append(np.asarray(frame["transform_matrix"])[:3, 3])
                known.append(np.asarray(truth["cameras"][name])[:3, 3])
        if len(estimated) < 3:
            return report
        scale, rotation, translation = similarity_transform(np.array(estimated), np.array(known))
        aligned_cameras = scale * np.array(estimated) @ rotation.T + translation
        detections = scale * detections @ rotation.T + translation
        report["camera_alignment_rmse"] = float(np.sqrt(((aligned_cameras - np.array(known)) ** 2).sum(axis=1).mean()))
    radius = truth.get("object_diameter", 0.0) / 2 or float(np.median(truth.get("radii", [0.05])))
    report["matching"] = match_objects(detections, np.array(truth["centres"]), max_distance=radius)
    return report
