"""Each method's held-out views (PSNR, rendered against true masks, their IoU), and the count checked against the truth file."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

from invnerf_seg.held_out_renders import RenderedView
from invnerf_seg.mask_colours import class_scores, classify, is_object
from invnerf_seg.metrics import iou, match_objects, psnr, similarity_transform


def read_image(path: Path) -> np.ndarray:
    """An image as RGB floats in [0, 1]."""
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255.0


def true_mask(mask_dataset: Path, stem: str) -> np.ndarray:
    """The true mask image of a held-out view, as the mask dataset holds it."""
    return read_image(mask_dataset / "images" / f"{stem}.png")


def psnr_per_view(views: list[RenderedView]) -> dict[str, float]:
    """PSNR of each rendered held-out view against its training image."""
    return {view.stem: psnr(view.rgb, read_image(view.image_path)) for view in views}


def invnerf_views(renders: dict[str, list[RenderedView]], mask_dataset: Path, cloud_path: Path | None, settings: dict):
    """PSNR per view from the RGB model; (stem, rendered mask, true mask) from the fine-tuned model."""
    masks = [(view.stem, view.rgb, true_mask(mask_dataset, view.stem)) for view in renders["seg"]]
    return psnr_per_view(renders["rgb"]), masks


def semantic_mask_image(probability: np.ndarray) -> np.ndarray:
    """FruitNeRF's rendered semantic probability [H, W, 1] as a grey mask image (white: 1).

    Left grey, not thresholded here: the IoU then reads it at the same
    `iou_threshold` as InvNeRF-Seg's rendered masks, so both methods are held
    to one rule.
    """
    return np.repeat(np.asarray(probability[..., :1], dtype=np.float64), 3, axis=-1)


def binary_target(target: np.ndarray) -> np.ndarray:
    """A true mask image with every object white: the target of a one-class method (FruitNeRF) on any masks."""
    return np.repeat(is_object(target)[..., None].astype(np.float64), 3, axis=-1)


def cloud_spacing(points: np.ndarray) -> float:
    """Median distance from a cloud's points to their nearest neighbour: its sampling step."""
    from scipy.spatial import cKDTree

    distances, _ = cKDTree(points).query(points, k=2)
    return float(np.median(distances[:, 1]))


def surface_mask_image(surface_points: np.ndarray, cloud: np.ndarray, cloud_colours: np.ndarray, radius: float) -> np.ndarray:
    """A rendered mask of a 3D point set: each pixel whose surface point [H, W, 3] lies within `radius` of the set takes its nearest point's colour.

    This is how a 3D segmentation that is a cloud (SA3D's) is seen from a
    view: the surface the RGB model renders there belongs to it or not.
    """
    from scipy.spatial import cKDTree

    height, width = surface_points.shape[:2]
    image = np.zeros((height * width, 3))
    if len(cloud):
        distances, nearest = cKDTree(cloud).query(surface_points.reshape(-1, 3), distance_upper_bound=radius)
        hit = np.isfinite(distances)
        image[hit] = cloud_colours[nearest[hit]]
    return image.reshape(height, width, 3)


def class_iou(rendered: np.ndarray, target: np.ndarray, classes: dict, threshold: float) -> float:
    """IoU of a rendered mask with the true one, averaged over the classes either shows.

    A rendered pixel is of a class when its colour matches the class colour
    better than `threshold` (the workflow's `iou_threshold`); a true pixel when it does
    better than 0.5. With one class this is the object IoU.
    """
    predicted, true = classify(rendered, classes, threshold), classify(target, classes, 0.5)
    shown = [value for value in classes if (predicted == value).any() or (true == value).any()]
    if not shown:
        return 1.0
    return float(np.mean([iou(predicted == value, true == value) for value in shown]))


def one_class_iou(rendered: np.ndarray, target: np.ndarray, classes: dict, threshold: float) -> float:
    """IoU of "object of any class" between a rendered and a true mask: the measure a one-class method (FruitNeRF) has too."""
    predicted, true = classify(rendered, classes, threshold) > 0, classify(target, classes, 0.5) > 0
    return iou(predicted, true) if predicted.any() or true.any() else 1.0


def object_colour_match(views: list[tuple[str, np.ndarray, np.ndarray]], classes: dict) -> float | None:
    """Median match of the rendered colour with the true class colour over every true object pixel of the views.

    Near 1: the objects render in their class colour; near 0.5: the grey
    plateau, where only a low `mask_threshold` still calls them object.
    None when the views show no object.
    """
    matches = []
    for _, rendered, target in views:
        true = classify(target, classes, 0.5)
        scores = class_scores(np.asarray(rendered, dtype=np.float32), classes)
        for index, value in enumerate(classes):
            matches.append(scores[..., index][true == value])
    matches = np.concatenate(matches) if matches else np.zeros(0)
    return float(np.median(matches)) if len(matches) else None


def mask_scores(views: list[tuple[str, np.ndarray, np.ndarray]], classes: dict, threshold: float, per_class: bool = True) -> dict[str, dict]:
    """Per held-out view: the class IoU ("iou"; None when the method sees one class of several: `per_class` False)
    and the one-class IoU ("iou_one_class"), so that every method has a measure to be compared on."""
    return {
        stem: {"iou": class_iou(rendered, target, classes, threshold) if per_class else None,
               "iou_one_class": one_class_iou(rendered, target, classes, threshold)}
        for stem, rendered, target in views
    }


def held_out_metrics(psnr_per_view: dict[str, float], scores: dict[str, dict], colour_match: float | None) -> dict:
    """The scene-level held-out numbers: mean PSNR and IoUs (the class IoU None where the method has only the one-class one)."""
    ious = [score["iou"] for score in scores.values()]
    return {
        "held_out_views": len(psnr_per_view),
        "psnr_mean": float(np.mean(list(psnr_per_view.values()))),
        "iou_mean": None if any(value is None for value in ious) else float(np.mean(ious)),
        "iou_one_class_mean": float(np.mean([score["iou_one_class"] for score in scores.values()])),
        "object_colour_match": colour_match,
    }


# Below this held-out one-class IoU a method has not learnt the masks. Every benchmark scene a method learnt scored
# 0.68 or more; a fine-tuning left black (a 0.26% plant whose RGB model lost the fruits) scored 0.00, one left in a
# haze over the background 0.16 (docs/small_objects.md).
LEARNT_MIN_IOU = 0.5


def unlearnt_warning(method: str, metrics: dict) -> str | None:
    """What to tell a user whose method's held-out masks barely overlap the given ones: its cloud and count are not to be trusted.

    Needs no truth beyond the masks, so it speaks on the user's own scenes,
    where a count of 0 or 90 would otherwise read as a result.
    """
    iou_mean = metrics["iou_one_class_mean"]
    if iou_mean >= LEARNT_MIN_IOU:
        return None
    return (
        f"{method} did not learn the masks: its held-out masks overlap the given ones by IoU {iou_mean:.2f} (under {LEARNT_MIN_IOU}), "
        "so its cloud and count are not to be trusted. Look at its eval/masks.png, the RGB model's held-out views and analysis/training_curves.png: "
        "objects under about 3% of each frame need the cpu_small_objects preset, and objects a few pixels across can be missing "
        "from the RGB model itself (film closer, or keep more of the frame's width) (docs/small_objects.md)"
    )


def write_view_scores(path: Path, psnr_per_view: dict[str, float], scores: dict[str, dict]) -> None:
    """One row per held-out view: its PSNR, class IoU (empty where not measured) and one-class IoU."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["view", "psnr_rgb", "iou_mask", "iou_one_class"])
        for stem, value in psnr_per_view.items():
            iou = scores[stem]["iou"]
            writer.writerow([stem, f"{value:.3f}", "" if iou is None else f"{iou:.4f}", f"{scores[stem]['iou_one_class']:.4f}"])


def write_rendered_masks(path: Path, views: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
    """The rendered and true held-out masks (float16), which the comparison of methods reads back."""
    np.savez_compressed(
        path, stems=np.array([stem for stem, _, _ in views]),
        rendered=np.stack([rendered for _, rendered, _ in views]).astype(np.float16), true=np.stack([true for _, _, true in views]).astype(np.float16),
    )


def mask_sheet(views: list[tuple[str, np.ndarray, np.ndarray]], path: Path, max_views: int = 4) -> None:
    """True mask above rendered mask, for a few held-out views side by side."""
    chosen = views[:: max(1, len(views) // max_views)][:max_views]
    columns = [np.concatenate([target, rendered], axis=0) for _, rendered, target in chosen]
    Image.fromarray((np.concatenate(columns, axis=1) * 255).astype(np.uint8)).save(path)


def methods_mask_sheet(true_masks: list[np.ndarray], rendered: dict[str, list[np.ndarray]], path: Path, max_views: int = 4) -> None:
    """One row per held-out view (a few), columns: the true mask, then each method's rendered mask."""
    chosen = list(range(0, len(true_masks), max(1, len(true_masks) // max_views)))[:max_views]
    rows = [np.concatenate([true_masks[i]] + [masks[i] for masks in rendered.values()], axis=1) for i in chosen]
    Image.fromarray((np.clip(np.concatenate(rows, axis=0), 0, 1) * 255).astype(np.uint8)).save(path)


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
    scale = 1.0
    if not same_world:
        alignment = truth_alignment(transforms, truth)
        if alignment is None:
            return report
        scale, rotation, translation, report["camera_alignment_rmse"] = alignment
        report["camera_alignment_scale"] = scale
        detections = scale * detections @ rotation.T + translation
    radius = truth.get("object_diameter", 0.0) / 2 or float(np.median(truth.get("radii", [0.05])))
    report["matching"] = match_objects(detections, np.array(truth["centres"]), max_distance=radius)
    if truth.get("radii") and report["matching"]["pairs"]:
        report["sizes"] = size_errors(count["objects"], truth, report["matching"]["pairs"], scale)
    return report


def size_errors(objects: list[dict], truth: dict, pairs: list[list[int]], scale_to_truth: float) -> dict:
    """How far the matched objects' diameters (and lengths, when the truth has them) lie from the true ones: median relative errors.

    Each twice: after the camera alignment's scale (how well the shape is
    found, in any unit) and as the outputs state them (only meaningful when
    the scene is in the truth's unit: a metric scale, or a posed dataset).
    """
    report = {"matched": len(pairs)}
    measures = [("diameter", "diameter", [2.0 * radius for radius in truth["radii"]])]
    if truth.get("lengths"):
        measures.append(("length", "length", truth["lengths"]))
    for name, key, true_values in measures:
        true = np.array([true_values[j] for _, j in pairs])
        stated = np.array([objects[i].get(key, np.nan) for i, _ in pairs], dtype=float)
        report[f"{name}_error_median"] = float(np.median(np.abs(scale_to_truth * stated - true) / true))
        report[f"{name}_error_median_as_stated"] = float(np.median(np.abs(stated - true) / true))
        report[f"{name}_ratio_median_as_stated"] = float(np.median(stated / true))
    return report
