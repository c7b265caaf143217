"""The FruitNeRF baseline: registered with nerfstudio through entry points, reads masks, trains for real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from nerfstudio.configs.dataparser_configs import all_dataparsers
from nerfstudio.configs.method_configs import all_methods
from sklearn.metrics import roc_auc_score

from invnerf_seg.fruitnerf_data import DATAPARSER_NAME, FruitMaskDataParserConfig, object_mask
from invnerf_seg.fruitnerf_method import FRUITNERF_METHOD, FruitNerfactoModel
from invnerf_seg.nerf_model import load_run
from invnerf_seg.nerf_train import StageSettings, train_stage
from invnerf_seg.training_curves import read_losses
from tests.conftest import TINY_MODEL, write_png


def test_method_and_dataparser_are_registered_with_nerfstudio():
    assert all_methods[FRUITNERF_METHOD].pipeline.model._target is FruitNerfactoModel
    assert isinstance(all_dataparsers[DATAPARSER_NAME], FruitMaskDataParserConfig)


def test_any_coloured_mask_pixel_is_object(tmp_path: Path):
    pixels = np.zeros((4, 6, 3), dtype=np.uint8)
    pixels[0, 0] = 255  # white (binary masks)
    pixels[1, 1] = (0, 255, 0)  # a class colour (multi-class masks)
    pixels[2, 2] = 100  # dark grey: background
    mask = object_mask(write_png(tmp_path / "m.png", pixels), (4, 6))
    assert mask.shape == (4, 6, 1) and mask.sum() == 2 and mask[0, 0, 0] == 1 and mask[1, 1, 0] == 1


def test_a_missing_or_misfit_mask_is_named(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="frame_00003.png"):
        object_mask(tmp_path / "frame_00003.png", (4, 6))
    with pytest.raises(ValueError, match="6x4 but its image is 8x4"):
        object_mask(write_png(tmp_path / "m.png", np.zeros((4, 6, 3), dtype=np.uint8)), (4, 8))


def test_fruitnerf_trains_a_few_steps_and_learns_the_masks(tiny_dataset: Path, tmp_path: Path):
    """Real ns-train of invnerf-fruitnerf; its semantic head must tell object pixels from background ones."""
    masks = tiny_dataset.parent / "data_mask" / "images"
    settings = StageSettings({**TINY_MODEL, "semantic_loss_weight": 1.0}, rays_per_batch=256, iterations=60, learning_rate=0.01,
                             eval_interval=3, method=FRUITNERF_METHOD, dataparser=(DATAPARSER_NAME, "--masks-dir", str(masks)))
    output = tmp_path / "fruitnerf"
    train_stage(tiny_dataset, output, "plant", settings, tmp_path / "train.log", threads=2, report=print)
    run = load_run(output, "plant", FRUITNERF_METHOD)
    assert run.step == 59 and isinstance(run.pipeline.model, FruitNerfactoModel)
    semantic_loss = [value for _, value in read_losses(output)["semantics_loss"]]
    print(f"BCE mask loss from {semantic_loss[0]:.3f} to {semantic_loss[-1]:.3f}")
    assert semantic_loss[0] > 0.5 and semantic_loss[-1] < 0.2  # from an untrained logit (ln 2) to the masks' few objects
    probabilities, truths = [], []
    with torch.no_grad():
        for index, image_path in enumerate(run.train_image_paths):
            rendered = run.pipeline.model.get_outputs_for_camera(run.train_cameras[index : index + 1])
            probabilities.append(rendered["semantic_probability"][..., 0].cpu().numpy().ravel())
            truths.append(object_mask(masks / image_path.name, rendered["rgb"].shape[:2])[..., 0].numpy().ravel() > 0)
    probability, truth = np.concatenate(probabilities), np.concatenate(truths)
    assert truth.any() and (~truth).any()
    # Object pixels are under 1% of these tiny views, so 60 steps leave every probability low: their order is what is learnt.
    auc = roc_auc_score(truth.ravel(), probability.ravel())
    print(f"semantic probability: object pixels {probability[truth].mean():.4f}, background {probability[~truth].mean():.4f}, ROC AUC {auc:.3f}")
    assert auc > 0.65  # 0.5 is chance
