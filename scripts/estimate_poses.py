"""Snakemake step: COLMAP poses of the frames, written as a nerfstudio transforms.json."""

import json
from pathlib import Path

import numpy as np

from invnerf_seg import colmap_poses
from invnerf_seg.cloud_io import cloud_picture
from invnerf_seg.frames import frame_size, list_frames
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    params = snakemake.params
    frames_dir, work_dir = Path(snakemake.input.frames), Path(snakemake.output.colmap)
    frames = list_frames(frames_dir)
    logger.info("COLMAP: %s matching of %d frames, camera model %s", params.matching, len(frames), params.camera_model)
    try:
        image_dir, scale = colmap_poses.sfm_images(frames_dir, work_dir, params.max_width)
        if scale != 1.0:
            logger.info("COLMAP runs on frames shrunk to %.0f%% (poses.max_width %d)", 100 * scale, params.max_width)
        reconstruction = colmap_poses.run_sfm(image_dir, work_dir, params.camera_model, params.matching, params.overlap)
        colmap_poses.check_registration(reconstruction.num_reg_images(), len(frames), params.min_registered_fraction, frames_dir)
        transforms = colmap_poses.reconstruction_to_transforms(reconstruction, frame_size(frames[0]), scale)
    except colmap_poses.PoseError as error:
        fail(logger, error)
    report = colmap_poses.registration_report([frame.name for frame in frames], transforms)
    logger.info("COLMAP posed %d of %d frames; %d sparse points", report["registered"], report["frames"], len(reconstruction.points3D))
    if report["dropped"]:
        logger.warning("frames without a pose, dropped from masks and training: %s", ", ".join(report["dropped"]))
    Path(snakemake.output.registration).write_text(json.dumps(report, indent=2))
    Path(snakemake.output.sparse).write_text(json.dumps(colmap_poses.sparse_observations(reconstruction, scale)))
    colmap_poses.write_transforms(transforms, Path(snakemake.output.transforms))
    points, colours = colmap_poses.sparse_points(reconstruction)
    centres = np.array([frame["transform_matrix"] for frame in transforms["frames"]])[:, :3, 3]
    cloud_picture(Path(snakemake.output.picture), points, colours / 255.0, "sparse points, cameras (x)", extra=centres)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
