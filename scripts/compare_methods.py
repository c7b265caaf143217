"""Snakemake step: the methods side by side on one scene: table with paired t-tests, masks and clouds pictures."""

import csv
import json
from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import clouds_sheet, read_ply
from invnerf_seg.cloud_view import interactive_clouds
from invnerf_seg.evaluation import methods_mask_sheet
from invnerf_seg.statistics import comparison_rows
from invnerf_seg.step import start_step

COLUMNS = [
    "method", "count_predicted", "count_true", "f1", "iou_mean", "iou_one_class_mean", "psnr_mean", "held_out_views",
    "p_iou_vs_invnerf", "t_iou_vs_invnerf", "p_iou_one_class_vs_invnerf", "t_iou_one_class_vs_invnerf", "p_psnr_vs_invnerf", "t_psnr_vs_invnerf",
]


def read_views(path: Path) -> dict[str, dict[str, float]]:
    """view -> {"psnr", "iou", "iou_one_class"} from a method's views.csv (an empty cell: not measured, None)."""
    with Path(path).open() as handle:
        return {
            row["view"]: {"psnr": float(row["psnr_rgb"]), "iou": float(row["iou_mask"]) if row["iou_mask"] else None, "iou_one_class": float(row["iou_one_class"])}
            for row in csv.DictReader(handle)
        }


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    methods = snakemake.params.methods
    metrics = {method: json.loads(Path(path).read_text()) for method, path in zip(methods, snakemake.input.metrics)}
    per_view = {method: read_views(path) for method, path in zip(methods, snakemake.input.views)}
    rows = comparison_rows(per_view, metrics)
    with open(snakemake.output.csv, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    Path(snakemake.output.json).write_text(json.dumps({"scene": snakemake.wildcards.scene, "methods": rows}, indent=2))
    for row in rows:
        logger.info(
            "%s: %s/%s objects, IoU %s (p %s), one-class IoU %.3f (p %s), PSNR %.2f dB (p %s)", row["method"], row["count_predicted"],
            row["count_true"], row["iou_mean"], row["p_iou_vs_invnerf"], row["iou_one_class_mean"], row["p_iou_one_class_vs_invnerf"],
            row["psnr_mean"], row["p_psnr_vs_invnerf"],
        )

    masks = {method: np.load(path) for method, path in zip(methods, snakemake.input.rendered_masks)}
    first = masks[methods[0]]
    methods_mask_sheet(list(first["true"].astype(float)), {m: list(masks[m]["rendered"].astype(float)) for m in methods}, Path(snakemake.output.masks))
    clusters = {method: read_ply(Path(path)) for method, path in zip(methods, snakemake.input.clusters)}
    clouds_sheet(Path(snakemake.output.clouds), {f"{m}: {metrics[m]['count_predicted']} objects": clusters[m] for m in methods})
    counts = {method: json.loads(Path(path).read_text()) for method, path in zip(methods, snakemake.input.counts)}
    interactive_clouds(Path(snakemake.output.view), {m: (*clusters[m], counts[m]["objects"]) for m in methods},
                       f"{snakemake.wildcards.scene}: clustered clouds", counts[methods[0]].get("unit", "scene units"))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
