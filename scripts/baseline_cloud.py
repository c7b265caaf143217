"""Snakemake step: a baseline's cloud in world units, made by the function its registry entry names (SA3D, FruitNeRF).

A baseline that trains a run of its own (FruitNeRF) also renders that run's held-out views here.

Every cloud is kept inside the cameras' ball and written like InvNeRF-Seg's,
so the same counting and evaluation read them.
"""

from pathlib import Path

from invnerf_seg.cloud_io import write_object_cloud
from invnerf_seg.export import EmptyCloudError, captured_world_cloud
from invnerf_seg.held_out_renders import render_to_file
from invnerf_seg.methods import METHODS, method_function
from invnerf_seg.step import fail, progress_reporter, start_step


def main(snakemake) -> None:
    method = METHODS[snakemake.params.method]
    logger = start_step(snakemake.log[0], snakemake.rule)
    runs = {name.removesuffix("_run"): Path(path) for name, path in snakemake.input.items() if name.endswith("_run")}
    mask_dataset = Path(snakemake.input.mask_dataset) if "mask_dataset" in snakemake.input.keys() else None
    make_cloud = method_function(method.cloud)
    progress = progress_reporter(logger, "views sampled")
    try:
        found, run = make_cloud(runs, mask_dataset, snakemake.wildcards.scene, snakemake.params.settings, progress, logger.info)
        world = captured_world_cloud(found, run.camera_centres(), run.dataparser_transform, run.dataparser_scale)
    except EmptyCloudError as error:
        fail(logger, error)
    logger.info("%s: %d object samples, %d inside the captured scene", method.title, len(found.points), len(world.points))
    logger.info(progress.throughput())
    write_object_cloud(world, Path(snakemake.output.cloud), Path(snakemake.output.appearance), Path(snakemake.output.picture), f"{method.title} cloud")
    if method.rendered_run is not None:  # its own run, which it sampled: its held-out views, with the model loaded once
        render_to_file(run, Path(snakemake.output.renders), logger)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
