"""Snakemake step: one object mask per frame, from the user's masks or annotations, the dataset, or MobileSAM."""

import json
from pathlib import Path

from invnerf_seg.annotations import import_annotations
from invnerf_seg.masks import MaskError, check_mask_set, import_provided_masks, overlay_sheet, write_overlays
from invnerf_seg.posed_dataset import PosedDatasetError, import_semantics
from invnerf_seg.step import fail, progress_reporter, start_step


def mobilesam_masks(snakemake, frames_dir: Path, out_dir: Path, logger) -> tuple[list[Path], dict]:
    """MobileSAM on every frame, with prompts carried from the key frames to the other posed frames.

    Video scenes carry them with COLMAP's sparse points (or triangulation);
    posed datasets have no sparse points, so their objects are triangulated.
    """
    from invnerf_seg.mobilesam import segment_frames_with_prompts
    from invnerf_seg.prompt_carry import CarrySettings, SparseModel

    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    if "sparse" in snakemake.input.keys():
        sparse = SparseModel.from_json(json.loads(Path(snakemake.input.sparse).read_text()))
    else:
        sparse = SparseModel.without_points([Path(frame["file_path"]).name for frame in transforms["frames"]])
    geometry = (transforms, sparse)
    carry = snakemake.params.carry
    settings = CarrySettings(max_points=carry["max_points"], box_margin=carry["box_margin"], negative_snap_px=carry["negative_snap_px"])
    written, used = segment_frames_with_prompts(
        Path(snakemake.input.checkpoint), Path(snakemake.input.prompts), frames_dir, out_dir, geometry, settings,
        progress=progress_reporter(logger, "MobileSAM frames"),
    )
    (out_dir / "prompts_used.json").write_text(json.dumps({"frames": used}, indent=1))
    lost = [name for name, objects in used.items() if not objects]
    if lost:
        logger.warning("no prompted object projects into %d frame(s); their masks are empty: %s", len(lost), ", ".join(lost[:10]))
    return written, used


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "masks")
    source = snakemake.params.masks["source"]
    frames_dir, out_dir = Path(snakemake.input.frames), Path(snakemake.output.masks)
    prompts = None
    try:
        if source == "provided":
            written = import_provided_masks(Path(snakemake.input.provided), frames_dir, out_dir, snakemake.params.masks["encoding"])
        elif source == "labelme":
            written, classes = import_annotations(Path(snakemake.input.annotations), frames_dir, out_dir)
            logger.info("classes: %s", ", ".join(f"{name} = {value}" for name, value in classes.items()))
        elif source == "dataset":
            written = import_semantics(Path(snakemake.input.posed_transforms).parent, out_dir)
        else:
            written, prompts = mobilesam_masks(snakemake, frames_dir, out_dir, logger)
        empty = check_mask_set(written, source)
        if empty:
            logger.warning("%d of %d masks are empty (no object pixel; framed in red on the overlays): %s", len(empty), len(written), ", ".join(empty))
        overlays = write_overlays(frames_dir, out_dir, Path(snakemake.output.overlays), prompts)
        overlay_sheet(overlays, Path(snakemake.output.overlay), flagged=empty)
    except (MaskError, PosedDatasetError) as error:
        fail(logger, error)
    logger.info("%d masks written (%s); overlays in %s", len(written), source, snakemake.output.overlays)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
