"""Snakemake step: a posed dataset (FruitNeRF layout) as the scene's frames and transforms.json."""

from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import cloud_picture
from invnerf_seg.posed_dataset import PosedDatasetError, import_posed_dataset
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "import_posed")
    try:
        transforms = import_posed_dataset(Path(snakemake.input.posed_transforms).parent, Path(snakemake.output.frames), Path(snakemake.output.transforms))
    except PosedDatasetError as error:
        fail(logger, error)
    centres = np.array([frame["transform_matrix"] for frame in transforms["frames"]])[:, :3, 3]
    logger.info("%d posed images (%s camera) taken in the dataset's own world frame", len(centres), transforms["camera_model"])
    cloud_picture(Path(snakemake.output.picture), centres, np.zeros((len(centres), 3)), "cameras of the posed dataset")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
