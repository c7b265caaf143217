"""Snakemake step: render the procedural demo plant (video, fruit masks, truth)."""

from pathlib import Path

from invnerf_seg.demo_scene import SceneSpec
from invnerf_seg.demo_video import write_demo
from invnerf_seg.step import progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "demo_scene")
    spec = SceneSpec(**snakemake.params.scene)
    logger.info("rendering %d fruits, %dx%d, %.1f s at %d fps", spec.n_fruits, spec.width, spec.height, spec.duration_s, spec.video_fps)
    truth = write_demo(
        spec,
        snakemake.params.extract_fps,
        Path(snakemake.output.video),
        Path(snakemake.output.masks),
        Path(snakemake.output.truth),
        Path(snakemake.output.preview),
        workers=snakemake.threads,
        progress=progress_reporter(logger, "video frames"),
    )
    logger.info("demo scene ready: %d fruits, %d masked frames", truth["count"], len(truth["cameras"]))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
