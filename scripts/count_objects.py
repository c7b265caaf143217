"""Snakemake step: cluster the segmented cloud into objects, class by class, and count them."""

import json
from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import cloud_picture, label_colours, read_ply, write_ply
from invnerf_seg.clustering import CountParams, count_by_class, voxel_diagonal
from invnerf_seg.mask_colours import BINARY_CLASS, CLASSES_FILE, WHITE, read_classes
from invnerf_seg.mask_support import mask_views
from invnerf_seg.object_size import object_diameter_setting
from invnerf_seg.step import start_step
from invnerf_seg.summary import write_csv
from invnerf_seg.traits import TRAIT_COLUMNS, object_colours, traits_rows


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    settings = dict(snakemake.params.settings)
    points, colours = read_ply(Path(snakemake.input.cloud))
    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    size, size_source = object_diameter_setting(settings.pop("object_diameter"), points, transforms, Path(snakemake.input.masks))
    params = CountParams(object_diameter=size, **settings)
    logger.info("object diameter %s (from the %s)", f"{size:.4g}" if size else "to be estimated", size_source)

    # FruitNeRF's semantics are one class whatever the masks hold; the other methods' clouds carry the mask classes' colours.
    classes = {BINARY_CLASS: WHITE} if snakemake.params.one_class else read_classes(Path(snakemake.input.mask_dataset) / CLASSES_FILE)
    views = mask_views(transforms, Path(snakemake.input.masks), params.mask_dilation_px)
    counted = count_by_class(points, colours, classes, params, views)
    for value, decided in counted.decisions.items():
        if decided.get("dropped_without_mask_support"):
            logger.info("class %s: %d clusters dropped, on background pixels of the masks that see them (support under %g)",
                        value, decided["dropped_without_mask_support"], params.min_mask_support)
    for value, found in counted.per_class.items():
        logger.info("class %s: %d objects", value, found)
    objects, per_class = counted.objects, counted.per_class
    result = {
        "count": len(objects),
        "per_class": per_class,
        "objects": objects,
        "object_diameter": {"value": size, "source": size_source},
        "clustering": counted.decisions,
        "frame": "world frame of the scene's transforms.json",
        "unit": snakemake.params.unit,
    }
    Path(snakemake.output.counts).write_text(json.dumps(result, indent=2))
    sampled, labels = counted.points, counted.labels
    _, appearance = read_ply(Path(snakemake.input.appearance))
    colours = object_colours(points, appearance, sampled, labels, len(objects), voxel_diagonal(counted.decisions, params.voxel_fraction))
    write_csv(Path(snakemake.output.traits), TRAIT_COLUMNS, traits_rows(objects, colours, snakemake.params.unit))
    write_ply(Path(snakemake.output.clusters), sampled, label_colours(labels))
    centres = np.array([obj["centre"] for obj in objects]).reshape(-1, 3)
    cloud_picture(Path(snakemake.output.picture), sampled, label_colours(labels), f"{len(objects)} objects", extra=centres)
    logger.info("%d objects counted (%s)", len(objects), ", ".join(f"class {k}: {v}" for k, v in per_class.items()))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
