"""Snakemake step: one method's held-out views (PSNR of its RGB model, IoU of its rendered masks) and its count vs truth."""

import csv
import json
from pathlib import Path

import numpy as np

from invnerf_seg.evaluation import count_report, held_out_views, mask_scores, mask_sheet, object_colour_match
from invnerf_seg.mask_colours import BINARY_CLASS, CLASSES_FILE, WHITE, read_classes
from invnerf_seg.methods import METHODS
from invnerf_seg.step import fail, start_step
from invnerf_seg.truth import TruthError, read_truth


def mean_or_none(values: list) -> float | None:
    """The mean, or None when the scores were not measured."""
    return None if any(value is None for value in values) else float(np.mean(values))


def main(snakemake) -> None:
    method = snakemake.wildcards.method
    logger = start_step(snakemake.log[0], f"evaluate {method}")
    scene = snakemake.wildcards.scene
    mask_dataset = Path(snakemake.input.mask_dataset)
    classes = read_classes(mask_dataset / CLASSES_FILE)
    one_class = METHODS[method].one_class
    mask_classes = {BINARY_CLASS: WHITE} if one_class else classes  # what the method's masks are coloured in
    try:  # before any rendering, so that a bad truth file costs nothing
        truth = read_truth(Path(snakemake.input.truth)) if "truth" in snakemake.input.keys() else None
    except TruthError as error:
        fail(logger, error)
    runs = {name.removesuffix("_run"): Path(path) for name, path in snakemake.input.items() if name.endswith("_run")}
    cloud = Path(snakemake.input.cloud) if "cloud" in snakemake.input.keys() else None
    psnr_per_view, masks = held_out_views(method, runs, cloud, scene, mask_dataset, snakemake.params.sa3d_radius_spacings)
    # A one-class method (FruitNeRF) has, on a multi-class scene, the one-class IoU only.
    scores = mask_scores(masks, mask_classes, snakemake.params.mask_threshold, per_class=not one_class or len(classes) == 1)
    mask_sheet(masks, Path(snakemake.output.picture))
    np.savez_compressed(
        snakemake.output.rendered_masks, stems=np.array([stem for stem, _, _ in masks]),
        rendered=np.stack([rendered for _, rendered, _ in masks]).astype(np.float16), true=np.stack([true for _, _, true in masks]).astype(np.float16),
    )

    count = json.loads(Path(snakemake.input.counts).read_text())
    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    metrics = {
        "scene": scene,
        "method": method,
        "held_out_views": len(psnr_per_view),
        "psnr_mean": float(np.mean(list(psnr_per_view.values()))),
        "iou_mean": mean_or_none([score["iou"] for score in scores.values()]),
        "iou_one_class_mean": float(np.mean([score["iou_one_class"] for score in scores.values()])),
        "object_colour_match": object_colour_match(masks, mask_classes),
        "mask_threshold": snakemake.params.mask_threshold,
        "lpips": None,  # not evaluated: LPIPS needs AlexNet weights, which the workflow never downloads
        **count_report(count, truth, transforms, same_world=snakemake.params.posed),
    }
    Path(snakemake.output.metrics).write_text(json.dumps(metrics, indent=2))
    with open(snakemake.output.views, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["view", "psnr_rgb", "iou_mask", "iou_one_class"])
        for stem in psnr_per_view:
            iou = scores[stem]["iou"]
            writer.writerow([stem, f"{psnr_per_view[stem]:.3f}", "" if iou is None else f"{iou:.4f}", f"{scores[stem]['iou_one_class']:.4f}"])
    logger.info(
        "%s: PSNR %.2f dB, IoU %s (one class %.3f) over %d held-out views; count %s / %s", method, metrics["psnr_mean"],
        "n/a" if metrics["iou_mean"] is None else f"{metrics['iou_mean']:.3f}", metrics["iou_one_class_mean"], metrics["held_out_views"],
        metrics["count_predicted"], metrics.get("count_true", "?"),
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
