"""Snakemake step: COLMAP poses of the frames, written as a nerfstudio transforms.json."""

from pathlib import Path

import numpy as np

from invnerf_seg import colmap_poses
from invnerf_seg.cloud_io import cloud_picture
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "poses")
    params = snakemake.params
    frames_dir = Path(snakemake.input.frames)
    n_frames = len(list(frames_dir.glob("frame_*.png")))
    try:
        reconstruction = colmap_poses.run_sfm(frames_dir, Path(snakemake.output.colmap), params.camera_model, params.matching, params.overlap)
        registered = reconstruction.num_reg_images()
        colmap_poses.check_registration(registered, n_frames, params.min_registered_fraction, frames_dir)
        transforms = colmap_poses.reconstruction_to_transforms(reconstruction)
    except colmap_poses.PoseError as error:
        fail(logger, error)
    dropped = n_frames - len(transforms["frames"])
    logger.info("COLMAP posed %d of %d frames (%d dropped); %d sparse points", len(transforms["frames"]), n_frames, dropped, len(reconstruction.points3D))
    colmap_poses.write_transforms(transforms, Path(snakemake.output.transforms))
    points, colours = colmap_poses.sparse_points(reconstruction)
    centres = np.array([frame["transform_matrix"] for frame in transforms["frames"]])[:, :3, 3]
    cloud_picture(Path(snakemake.output.picture), points, colours / 255.0, "sparse points, cameras (x)", extra=centres)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
