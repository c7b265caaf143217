"""Snakemake step: PSNR (RGB model) and mask IoU (fine-tuned model) on held-out views; count vs truth."""

import csv
import gc
import json
from pathlib import Path

import numpy as np

from invnerf_seg.evaluation import count_report, image_scores, mask_scores, mask_sheet, render_eval_views
from invnerf_seg.mask_colours import read_classes
from invnerf_seg.nerf_data import CLASSES_FILE
from invnerf_seg.nerf_model import load_run
from invnerf_seg.nerf_train import run_dir
from invnerf_seg.step import start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "evaluate")
    scene = snakemake.wildcards.scene
    rgb_run = load_run(run_dir(Path(snakemake.input.rgb_run), scene) / "config.yml")
    psnr_per_view = image_scores(render_eval_views(rgb_run))
    del rgb_run
    gc.collect()
    seg_run = load_run(run_dir(Path(snakemake.input.seg_run), scene) / "config.yml")
    mask_views = render_eval_views(seg_run)
    classes = read_classes(Path(snakemake.input.mask_dataset) / CLASSES_FILE)
    iou_per_view = mask_scores(mask_views, classes, snakemake.params.mask_threshold)
    mask_sheet(mask_views, Path(snakemake.output.picture))

    count = json.loads(Path(snakemake.input.counts).read_text())
    truth = json.loads(Path(snakemake.input.truth).read_text()) if "truth" in snakemake.input.keys() else None
    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    metrics = {
        "scene": scene,
        "method": "invnerf-seg",
        "held_out_views": len(psnr_per_view),
        "psnr_mean": float(np.mean(list(psnr_per_view.values()))),
        "iou_mean": float(np.mean(list(iou_per_view.values()))),
        "mask_threshold": snakemake.params.mask_threshold,
        "lpips": None,  # not evaluated: LPIPS needs AlexNet weights, which the workflow never downloads
        **count_report(count, truth, transforms, same_world=snakemake.params.posed),
    }
    Path(snakemake.output.metrics).write_text(json.dumps(metrics, indent=2))
    with open(snakemake.output.views, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["view", "psnr_rgb", "iou_mask"])
        for stem in psnr_per_view:
            writer.writerow([stem, f"{psnr_per_view[stem]:.3f}", f"{iou_per_view[stem]:.4f}"])
    logger.info(
        "PSNR %.2f dB, IoU %.3f over %d held-out views; count %s / %s",
        metrics["psnr_mean"], metrics["iou_mean"], metrics["held_out_views"], metrics["count_predicted"], metrics.get("count_true", "?"),
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
