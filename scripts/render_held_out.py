"""Snakemake step: a trained model's held-out views rendered once, for every evaluation of the scene to read."""

from pathlib import Path

from invnerf_seg.held_out_renders import render_views, write_renders
from invnerf_seg.nerf_model import load_published_run
from invnerf_seg.step import progress_reporter, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    run = load_published_run(Path(snakemake.input.run), snakemake.wildcards.scene)
    progress = progress_reporter(logger, "held-out views rendered")
    views = list(render_views(run, progress))
    write_renders(Path(snakemake.output.renders), views)
    logger.info("%s run: %d held-out views", snakemake.wildcards.run, len(views))
    logger.info(progress.throughput())


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
