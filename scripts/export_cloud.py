"""Snakemake step: the segmented point cloud sampled from the fine-tuned field, in world units."""

from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import cloud_picture, write_ply
from invnerf_seg.export import EmptyCloudError, ExportParams, inside_camera_ball, sample_object_points, to_world
from invnerf_seg.mask_colours import read_classes
from invnerf_seg.nerf_model import load_run
from invnerf_seg.nerf_data import CLASSES_FILE
from invnerf_seg.step import fail, progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "export_cloud")
    run = load_run(Path(snakemake.input.run), snakemake.wildcards.scene)
    params = ExportParams(min_colour_match=snakemake.params.mask_threshold, **snakemake.params.export)
    classes = read_classes(Path(snakemake.input.mask_dataset) / CLASSES_FILE)
    try:
        points, colours = sample_object_points(run.pipeline.model, run.train_cameras, params, classes, progress=progress_reporter(logger, "views sampled"))
    except EmptyCloudError as error:
        fail(logger, error)
    camera_centres = run.train_cameras.camera_to_worlds[:, :3, 3].cpu().numpy()
    inside = inside_camera_ball(points, camera_centres)
    logger.info("%d object samples, %d inside the captured scene", len(points), int(inside.sum()))
    if not inside.any():
        fail(logger, EmptyCloudError(f"all {len(points)} object samples lie outside the cameras' ball: the field put the objects behind the cameras"))
    world = to_world(points[inside], run.dataparser_transform, run.dataparser_scale)
    write_ply(Path(snakemake.output.cloud), world, colours[inside])
    cloud_picture(Path(snakemake.output.picture), world, np.tile([0.85, 0.2, 0.1], (len(world), 1)), "segmented cloud")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
