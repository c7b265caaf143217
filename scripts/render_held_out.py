"""Snakemake step: a trained model's held-out views rendered once, for every evaluation of the scene to read."""

from pathlib import Path

from invnerf_seg.held_out_renders import render_to_file
from invnerf_seg.nerf_model import load_published_run
from invnerf_seg.step import start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    run = load_published_run(Path(snakemake.input.run), snakemake.wildcards.scene)
    render_to_file(run, Path(snakemake.output.renders), logger)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
