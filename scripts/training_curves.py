"""Snakemake step: the training loss curves of a scene's NeRF runs, from their tensorboard events."""

from pathlib import Path

from invnerf_seg.methods import RUN_TITLES
from invnerf_seg.step import start_step
from invnerf_seg.training_curves import curves_picture, read_losses


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "training_curves")
    curves = {RUN_TITLES[name.removesuffix("_run")]: read_losses(Path(path)) for name, path in snakemake.input.items()}
    for title, losses in curves.items():
        logger.info("%s: %s", title, ", ".join(f"{name} {values[0][1]:.3g} -> {values[-1][1]:.3g}" for name, values in losses.items()))
    curves_picture(curves, Path(snakemake.output.picture))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
