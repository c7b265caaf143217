"""Snakemake step: the segmented point cloud sampled from the fine-tuned field, in world units."""

from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import cloud_picture, write_ply
from invnerf_seg.export import EmptyCloudError, ExportParams, captured_world_cloud, sample_object_points
from invnerf_seg.mask_colours import CLASSES_FILE, read_classes
from invnerf_seg.nerf_model import load_run
from invnerf_seg.step import fail, progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "export_cloud")
    run = load_run(Path(snakemake.input.run), snakemake.wildcards.scene)
    params = ExportParams(min_colour_match=snakemake.params.mask_threshold, **snakemake.params.export)
    classes = read_classes(Path(snakemake.input.mask_dataset) / CLASSES_FILE)
    progress = progress_reporter(logger, "views sampled")
    try:
        points, colours = sample_object_points(run.pipeline.model, run.train_cameras, params, classes, progress=progress)
        world, colours = captured_world_cloud(points, colours, run.camera_centres(), run.dataparser_transform, run.dataparser_scale)
    except EmptyCloudError as error:
        fail(logger, error)
    logger.info("%d object samples, %d inside the captured scene", len(points), len(world))
    logger.info(progress.throughput())
    write_ply(Path(snakemake.output.cloud), world, colours)
    cloud_picture(Path(snakemake.output.picture), world, np.tile([0.85, 0.2, 0.1], (len(world), 1)), "segmented cloud")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
