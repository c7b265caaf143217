"""Snakemake step: extract frames from the scene's video at the configured rate."""

from pathlib import Path

from invnerf_seg.frames import VideoError, extract_frames
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "frames")
    params = snakemake.params
    try:
        frames = extract_frames(Path(snakemake.input.video), Path(snakemake.output.frames), params.fps, params.max_width, params.min_frames)
    except VideoError as error:
        fail(logger, error)
    logger.info("%d frames at %s fps from %s", len(frames), params.fps, snakemake.input.video)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
