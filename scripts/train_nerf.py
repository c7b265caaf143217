"""Snakemake step: train nerfacto on RGB frames, fine-tune it on masks (InvNeRF-Seg), or train the FruitNeRF baseline.

The rule says which: `nerf_rgb`; `nerf_finetune`, the same model and preset
loaded from the RGB checkpoint and trained on the mask dataset; or
`nerf_fruitnerf`, the same preset on RGB and masks at once.
"""

from dataclasses import replace
from pathlib import Path

from invnerf_seg.fruitnerf_data import DATAPARSER_NAME
from invnerf_seg.nerf_model import FRUITNERF_METHOD, run_dir
from invnerf_seg.nerf_train import (
    StageSettings,
    checkpoint_dir,
    device_type,
    same_frames_and_cameras,
    same_model_as_rgb_run,
    train_stage,
)
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    stage = snakemake.rule
    logger = start_step(snakemake.log[0], stage)
    scene = snakemake.wildcards.scene
    params = snakemake.params
    rgb_models, other_inputs = None, ()
    if stage == "nerf_finetune":
        try:
            same_frames_and_cameras(Path(snakemake.input.rgb_dataset) / "transforms.json", Path(snakemake.input.dataset) / "transforms.json")
            same_model_as_rgb_run(run_dir(Path(snakemake.input.rgb_run), scene) / "config.yml", params.model)
        except ValueError as error:
            fail(logger, error)
        rgb_models = checkpoint_dir(Path(snakemake.input.rgb_run), scene)
        logger.info("fine-tuning starts from the RGB weights with a fresh optimizer and the colour output layer reset")
    settings = StageSettings(params.model, params.rays_per_batch, params.iterations, params.learning_rate, params.eval_interval)
    if stage == "nerf_finetune":
        settings = replace(settings, object_share=params.object_share, object_margin=params.object_margin, grid_frozen_steps=params.grid_frozen_steps)
        logger.info(
            "ray sampling: %s", f"{params.object_share:.0%} of each batch's rays drawn from object pixels"
            f"{f' and the background within {params.object_margin} px of them' if params.object_margin else ''}, the rest uniform"
            " (finetune_object_share, finetune_object_margin)"
            if params.object_share else "uniform over all pixels (finetune_object_share 0)",
        )
        logger.info(
            "trained parts: %s", f"the MLPs only for the first {params.grid_frozen_steps} steps (hash grid and proposal networks as the RGB"
            " model left them), then every part (finetune_grid_frozen_steps)" if params.grid_frozen_steps else "every part (finetune_grid_frozen_steps 0)",
        )
    if stage == "nerf_fruitnerf":
        settings = replace(settings, model={**params.model, "semantic_loss_weight": params.semantic_loss_weight}, method=FRUITNERF_METHOD,
                           dataparser=(DATAPARSER_NAME, "--masks-dir", str(Path(snakemake.input.mask_dataset) / "images")))
        other_inputs = (Path(snakemake.input.mask_dataset),)
    logger.info("%s: %d iterations on %s (%s), log: %s", stage, params.iterations, device_type(), snakemake.input.dataset, snakemake.log[0])
    try:
        resume = train_stage(Path(snakemake.input.dataset), Path(snakemake.output.run), scene, settings, Path(snakemake.log[0]), snakemake.threads, logger.info, rgb_models, other_inputs)
    except RuntimeError as error:
        fail(logger, RuntimeError(f"{stage}: {error}"))
    logger.info("%s finished%s", stage, "" if resume.resumed_from is None else f" (resumed from step {resume.resumed_from})")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
