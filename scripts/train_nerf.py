"""Snakemake step: train nerfacto on RGB frames, or fine-tune it on masks (InvNeRF-Seg).

With an `rgb_run` input this is the fine-tuning stage: the same model and
preset, loaded from the RGB checkpoint, trained on the mask dataset.
"""

from pathlib import Path

from invnerf_seg.nerf_train import (
    checkpoint_dir,
    device_type,
    diverged_weights,
    run_dir,
    run_training,
    same_frames_and_cameras,
    same_model_as_rgb_run,
    train_command,
    write_finetune_start,
)
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    stage = "nerf_finetune" if "rgb_run" in snakemake.input.keys() else "nerf_rgb"
    logger = start_step(snakemake.log[0], stage)
    scene = snakemake.wildcards.scene
    load_dir = None
    if stage == "nerf_finetune":
        try:
            same_frames_and_cameras(Path(snakemake.input.rgb_dataset) / "transforms.json", Path(snakemake.input.dataset) / "transforms.json")
            same_model_as_rgb_run(run_dir(Path(snakemake.input.rgb_run), scene) / "config.yml", snakemake.params.model)
        except ValueError as error:
            fail(logger, error)
        load_dir = write_finetune_start(checkpoint_dir(Path(snakemake.input.rgb_run), scene), Path(snakemake.output.run) / "start")
        logger.info("fine-tuning starts from the RGB weights with a fresh optimizer and the colour output layer reset (%s)", load_dir)
    params = snakemake.params
    command = train_command(
        Path(snakemake.input.dataset), Path(snakemake.output.run), scene, params.iterations,
        {"model": params.model, "rays_per_batch": params.rays_per_batch}, params.learning_rate, params.eval_interval, load_dir,
    )
    logger.info("%s: %d iterations on %s (%s), log: %s", stage, params.iterations, device_type(), snakemake.input.dataset, snakemake.log[0])
    run_training(command, Path(snakemake.log[0]), snakemake.threads, params.iterations, report=logger.info)
    diverged = diverged_weights(checkpoint_dir(Path(snakemake.output.run), scene))
    if diverged:
        fail(logger, RuntimeError(f"{stage} diverged: {len(diverged)} weight tensors are NaN or infinite (first: {diverged[0]}); see {snakemake.log[0]}"))
    logger.info("%s finished", stage)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
