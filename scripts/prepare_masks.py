"""Snakemake step: one object mask per frame, from the user's masks or from MobileSAM."""

from pathlib import Path

from invnerf_seg.masks import MaskError, import_provided_masks, overlay_sheet
from invnerf_seg.step import fail, progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "masks")
    settings = snakemake.params.masks
    frames_dir, out_dir = Path(snakemake.input.frames), Path(snakemake.output.masks)
    try:
        if settings["source"] == "provided":
            written = import_provided_masks(Path(snakemake.input.provided), frames_dir, out_dir, settings.get("encoding", "binary"))
        else:
            from invnerf_seg.mobilesam import segment_frames_with_prompts

            written = segment_frames_with_prompts(
                Path(snakemake.input.checkpoint), Path(snakemake.input.prompts), frames_dir, out_dir,
                progress=progress_reporter(logger, "MobileSAM frames"),
            )
    except MaskError as error:
        fail(logger, error)
    overlay_sheet(frames_dir, out_dir, Path(snakemake.output.overlay))
    logger.info("%d masks written (%s)", len(written), settings["source"])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
