"""Snakemake step: the RGB and mask datasets for nerfstudio, sharing one transforms.json."""

import json
from pathlib import Path

from invnerf_seg.frames import list_frames
from invnerf_seg.mask_colours import ClassError
from invnerf_seg.masks import MaskError
from invnerf_seg.nerf_data import DatasetError, build_datasets
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "nerf_data")
    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    try:
        shared = build_datasets(
            transforms, Path(snakemake.input.frames), Path(snakemake.input.masks),
            Path(snakemake.output.rgb), Path(snakemake.output.mask), snakemake.params.image_width, snakemake.params.multiclass,
        )
    except (DatasetError, MaskError, ClassError) as error:
        fail(logger, error)
    n_frames = len(list_frames(Path(snakemake.input.frames)))
    logger.info("%d of %d frames (those with a pose) in both datasets, %sx%s", len(shared["frames"]), n_frames, shared.get("w", "?"), shared.get("h", "?"))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
