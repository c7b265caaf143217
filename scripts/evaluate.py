"""Snakemake step: one method's held-out views (PSNR of its RGB model, IoU of its rendered masks) and its count vs truth."""

import json
from pathlib import Path

from invnerf_seg import evaluation
from invnerf_seg.held_out_renders import read_renders
from invnerf_seg.mask_colours import BINARY_CLASS, CLASSES_FILE, WHITE, read_classes
from invnerf_seg.methods import METHODS, method_function
from invnerf_seg.step import fail, start_step
from invnerf_seg.truth import TruthError, read_truth


def main(snakemake) -> None:
    method = METHODS[snakemake.wildcards.method]
    logger = start_step(snakemake.log[0], snakemake.rule)
    mask_dataset = Path(snakemake.input.mask_dataset)
    classes = read_classes(mask_dataset / CLASSES_FILE)
    mask_classes = {BINARY_CLASS: WHITE} if method.one_class else classes  # what the method's masks are coloured in
    try:  # before any rendering, so that a bad truth file costs nothing
        truth = read_truth(Path(snakemake.input.truth)) if "truth" in snakemake.input.keys() else None
    except TruthError as error:
        fail(logger, error)
    renders = {name.removesuffix("_renders"): read_renders(Path(path)) for name, path in snakemake.input.items() if name.endswith("_renders")}
    cloud = Path(snakemake.input.cloud) if "cloud" in snakemake.input.keys() else None
    score_views = method_function(method.views)
    psnr_per_view, masks = score_views(renders, mask_dataset, cloud, snakemake.params.settings)
    # A one-class method (FruitNeRF) has, on a multi-class scene, the one-class IoU only.
    scores = evaluation.mask_scores(masks, mask_classes, snakemake.params.iou_threshold, per_class=not method.one_class or len(classes) == 1)
    evaluation.mask_sheet(masks, Path(snakemake.output.picture))
    evaluation.write_rendered_masks(Path(snakemake.output.rendered_masks), masks)
    evaluation.write_view_scores(Path(snakemake.output.views), psnr_per_view, scores)
    count = json.loads(Path(snakemake.input.counts).read_text())
    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    metrics = {
        "scene": snakemake.wildcards.scene, "method": method.name,
        **evaluation.held_out_metrics(psnr_per_view, scores, evaluation.object_colour_match(masks, mask_classes)),
        "iou_threshold": snakemake.params.iou_threshold,
        "lpips": None,  # not evaluated: LPIPS needs AlexNet weights, which the workflow never downloads
        **evaluation.count_report(count, truth, transforms, same_world=snakemake.params.posed),
    }
    metrics["warning"] = evaluation.unlearnt_warning(method.name, metrics)
    Path(snakemake.output.metrics).write_text(json.dumps(metrics, indent=2))
    iou = "n/a" if metrics["iou_mean"] is None else f"{metrics['iou_mean']:.3f}"
    logger.info("%s: PSNR %.2f dB, IoU %s (one class %.3f) over %d held-out views; count %s / %s", method.name, metrics["psnr_mean"], iou,
                metrics["iou_one_class_mean"], metrics["held_out_views"], metrics["count_predicted"], metrics.get("count_true", "?"))
    if metrics["warning"]:
        logger.warning(metrics["warning"])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
