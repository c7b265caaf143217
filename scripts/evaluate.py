"""Snakemake step: one method's held-out views (PSNR of its RGB model, IoU of its rendered masks) and its count vs truth.

- invnerf: PSNR of the RGB model; masks rendered by the fine-tuned model.
- sa3d: the RGB model (SA3D trains nothing); a pixel is object when the
  surface the RGB model renders there lies on the SA3D cloud.
- fruitnerf: its own model renders both the RGB and the semantic mask.
"""

import csv
import gc
import json
from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import read_ply
from invnerf_seg.evaluation import (
    binary_target, cloud_spacing, count_report, mask_scores, object_colour_match, mask_sheet, read_image, render_eval_outputs, semantic_mask_image, surface_mask_image,
)
from invnerf_seg.export import to_world
from invnerf_seg.fruitnerf_method import FRUITNERF_METHOD
from invnerf_seg.mask_colours import BINARY_CLASS, CLASSES_FILE, WHITE, read_classes
from invnerf_seg.methods import METHODS
from invnerf_seg.metrics import psnr
from invnerf_seg.nerf_model import load_run
from invnerf_seg.step import fail, start_step
from invnerf_seg.truth import TruthError, read_truth


def true_mask(mask_dataset: Path, stem: str) -> np.ndarray:
    """The true mask image of a held-out view, as the mask dataset holds it."""
    return read_image(mask_dataset / "images" / f"{stem}.png")


def invnerf_views(inputs, scene: str, mask_dataset: Path):
    """PSNR per view from the RGB model; (stem, rendered mask, true mask) from the fine-tuned model."""
    rgb_run = load_run(Path(inputs.rgb_run), scene)
    psnr_per_view = {stem: psnr(out["rgb"], read_image(path)) for stem, path, out in render_eval_outputs(rgb_run, ("rgb",))}
    del rgb_run
    gc.collect()
    seg_run = load_run(Path(inputs.seg_run), scene)
    masks = [(stem, out["rgb"], true_mask(mask_dataset, stem)) for stem, _, out in render_eval_outputs(seg_run, ("rgb",))]
    return psnr_per_view, masks


def sa3d_views(inputs, scene: str, mask_dataset: Path, radius_spacings: float):
    """PSNR per view from the RGB model; masks where its rendered surface lies on the SA3D cloud."""
    run = load_run(Path(inputs.rgb_run), scene)
    cloud, colours = read_ply(Path(inputs.cloud))
    radius = radius_spacings * cloud_spacing(cloud) if len(cloud) > 1 else 0.0
    psnr_per_view, masks = {}, []
    for stem, path, out in render_eval_outputs(run, ("rgb", "depth", "origins", "directions")):
        psnr_per_view[stem] = psnr(out["rgb"], read_image(path))
        surface = out["origins"] + out["depth"] * out["directions"]
        world = to_world(surface.reshape(-1, 3), run.dataparser_transform, run.dataparser_scale).reshape(surface.shape)
        masks.append((stem, surface_mask_image(world, cloud, colours, radius), true_mask(mask_dataset, stem)))
    return psnr_per_view, masks


def fruitnerf_views(inputs, scene: str, mask_dataset: Path):
    """PSNR and semantic masks per view, both from the FruitNeRF model; the truth with every object white."""
    run = load_run(Path(inputs.fruitnerf_run), scene, FRUITNERF_METHOD)
    psnr_per_view, masks = {}, []
    for stem, path, out in render_eval_outputs(run, ("rgb", "semantic_probability")):
        psnr_per_view[stem] = psnr(out["rgb"], read_image(path))
        masks.append((stem, semantic_mask_image(out["semantic_probability"]), binary_target(true_mask(mask_dataset, stem))))
    return psnr_per_view, masks


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
    if method == "invnerf":
        psnr_per_view, masks = invnerf_views(snakemake.input, scene, mask_dataset)
    elif method == "sa3d":
        psnr_per_view, masks = sa3d_views(snakemake.input, scene, mask_dataset, snakemake.params.sa3d_radius_spacings)
    else:
        psnr_per_view, masks = fruitnerf_views(snakemake.input, scene, mask_dataset)
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
