"""Snakemake step: the cloud of a baseline, in world units: SA3D from the RGB model, or FruitNeRF's semantic field.

Both clouds are kept inside the cameras' ball and written like InvNeRF-Seg's,
so the same counting and evaluation read them.
"""

import json
from pathlib import Path

import numpy as np
import torch

from invnerf_seg.cameras import posed_cameras
from invnerf_seg.cloud_io import cloud_picture, write_ply
from invnerf_seg.evaluation import read_image
from invnerf_seg.export import (
    EmptyCloudError,
    SemanticExportParams,
    captured_world_cloud,
    collect_points,
    field_samples,
    select_semantic_samples,
    to_world,
)
from invnerf_seg.fruitnerf_method import FRUITNERF_METHOD
from invnerf_seg.mask_colours import is_object
from invnerf_seg.nerf_model import LoadedRun, load_run
from invnerf_seg.sa3d import SA3DParams, agreed, candidate_samples
from invnerf_seg.step import fail, progress_reporter, start_step

WHITE_POINT = np.ones(3)


def sa3d_points(run: LoadedRun, mask_dataset: Path, params: SA3DParams, progress, report) -> tuple[np.ndarray, np.ndarray]:
    """SA3D: samples on foreground rays of the training views that pass the threshold, then the cross-view vote (world frame)."""
    mask_images = [np.asarray(read_image(mask_dataset / "images" / path.name)) for path in run.train_image_paths]
    colour_per_view = [torch.as_tensor(image.reshape(-1, 3), dtype=torch.float32, device=run.pipeline.device) for image in mask_images]
    masks = [is_object(image) for image in mask_images]
    samples = field_samples(run.pipeline.model, run.train_cameras, params.pixel_stride, params.rays_per_chunk, progress, pixel_masks=masks)

    def choose(chunk):
        keep = candidate_samples(chunk.density, chunk.deltas, params)
        colours = colour_per_view[chunk.view][chunk.pixels][:, None, :].expand(*keep.shape, 3)  # the mask's class colour of the ray's pixel
        return keep, colours

    points, colours = collect_points(samples, choose)
    if not len(points):
        raise EmptyCloudError(f"SA3D: no sample on a foreground ray passes the {params.variant} threshold of the RGB model")
    world = to_world(points, run.dataparser_transform, run.dataparser_scale)
    cameras = posed_cameras(json.loads((mask_dataset / "transforms.json").read_text()))
    views = [(*cameras[path.name], mask) for path, mask in zip(run.train_image_paths, masks)]
    keep = agreed(world, views, params.min_vote_fraction)
    report(f"SA3D: {len(points)} samples on foreground rays pass the {params.variant} threshold; {int(keep.sum())} win the vote of the {len(views)} training views")
    return points[keep], colours[keep]


def fruitnerf_points(run: LoadedRun, params: SemanticExportParams, progress) -> tuple[np.ndarray, np.ndarray]:
    """FruitNeRF: dense, visible samples whose semantic probability passes the threshold (nerfstudio frame), in white."""
    samples = field_samples(run.pipeline.model, run.train_cameras, params.pixel_stride, params.rays_per_chunk, progress)
    points, _ = collect_points(samples, lambda chunk: (select_semantic_samples(chunk, params), chunk.rgb))
    if not len(points):
        raise EmptyCloudError("FruitNeRF: no dense, visible sample of the field passes the semantic probability threshold")
    return points, np.tile(WHITE_POINT, (len(points), 1))


def main(snakemake) -> None:
    method = {"sa3d_cloud": "sa3d", "fruitnerf_cloud": "fruitnerf"}[snakemake.rule]
    logger = start_step(snakemake.log[0], snakemake.rule)
    scene = snakemake.wildcards.scene
    progress = progress_reporter(logger, "views sampled")
    try:
        if method == "sa3d":
            run = load_run(Path(snakemake.input.rgb_run), scene)
            points, colours = sa3d_points(run, Path(snakemake.input.mask_dataset), SA3DParams(**snakemake.params.settings), progress, logger.info)
        else:
            run = load_run(Path(snakemake.input.fruitnerf_run), scene, FRUITNERF_METHOD)
            points, colours = fruitnerf_points(run, SemanticExportParams(**snakemake.params.settings), progress)
        world, colours = captured_world_cloud(points, colours, run.camera_centres(), run.dataparser_transform, run.dataparser_scale)
    except EmptyCloudError as error:
        fail(logger, error)
    logger.info("%s: %d object samples, %d inside the captured scene", method, len(points), len(world))
    write_ply(Path(snakemake.output.cloud), world, colours)
    cloud_picture(Path(snakemake.output.picture), world, np.tile([0.85, 0.2, 0.1], (len(world), 1)), f"{method} cloud")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
