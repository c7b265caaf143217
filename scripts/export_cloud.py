"""Snakemake step: the segmented point cloud sampled from the fine-tuned field, in world units; then the field's held-out views."""

from pathlib import Path

from invnerf_seg.cloud_io import write_object_cloud
from invnerf_seg.export import EmptyCloudError, ExportParams, captured_world_cloud, sample_object_points
from invnerf_seg.held_out_renders import render_to_file
from invnerf_seg.mask_colours import CLASSES_FILE, read_classes
from invnerf_seg.nerf_model import load_run
from invnerf_seg.step import fail, progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "export_cloud")
    run = load_run(Path(snakemake.input.run), snakemake.wildcards.scene)
    rgb_run = load_run(Path(snakemake.input.rgb_run), snakemake.wildcards.scene)
    params = ExportParams(min_colour_match=snakemake.params.mask_threshold, **snakemake.params.export)
    classes = read_classes(Path(snakemake.input.mask_dataset) / CLASSES_FILE)
    progress = progress_reporter(logger, "views sampled")
    try:
        found = sample_object_points(run.pipeline.model, rgb_run.pipeline.model, run.train_cameras, params, classes, progress=progress)
        world = captured_world_cloud(found, run.camera_centres(), run.dataparser_transform, run.dataparser_scale)
    except EmptyCloudError as error:
        fail(logger, error)
    logger.info("%d object samples, %d inside the captured scene", len(found.points), len(world.points))
    logger.info(progress.throughput())
    write_object_cloud(world, Path(snakemake.output.cloud), Path(snakemake.output.appearance), Path(snakemake.output.picture), "segmented cloud")
    render_to_file(run, Path(snakemake.output.renders), logger)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
