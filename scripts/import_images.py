"""Snakemake step: a folder of photos becomes the scene's frames (upright, one size, named after the photos)."""

from pathlib import Path

from invnerf_seg.photos import PhotoError, import_photos
from invnerf_seg.step import fail, progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    params = snakemake.params
    try:
        frames, skipped = import_photos(Path(snakemake.input.photos), Path(snakemake.output.frames), params.max_width, params.min_frames,
                                        progress_reporter(logger, "photos"))
    except PhotoError as error:
        fail(logger, error)
    if skipped:
        logger.warning("%d file(s) in %s are not JPEG or PNG photos and were skipped: %s", len(skipped), snakemake.input.photos,
                       ", ".join(path.name for path in skipped[:10]))
    logger.info("%d photos from %s, written upright as frames", len(frames), snakemake.input.photos)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
