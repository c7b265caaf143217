"""A trained run: where nerfstudio writes it, and loading it for inference (the pipeline, its cameras and its frame of reference).

Scripts that call this must sit behind `if __name__ == "__main__":`: nerfstudio
may start data workers with "spawn", which re-imports the calling script.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from nerfstudio.cameras.cameras import Cameras
from nerfstudio.pipelines.base_pipeline import Pipeline

from invnerf_seg.nerfstudio_method import METHOD_NAME

RUN_NAME = "run"


def run_dir(output_dir: Path, experiment: str, method: str = METHOD_NAME) -> Path:
    """Where nerfstudio writes config.yml and nerfstudio_models/ for this run of `method` (no timestamp: a fixed path)."""
    return output_dir / experiment / method / RUN_NAME


@dataclass
class LoadedRun:
    """A trained pipeline with what is needed to go back to the input's world frame."""

    pipeline: Pipeline
    step: int
    train_cameras: Cameras
    eval_cameras: Cameras
    train_image_paths: list[Path]
    eval_image_paths: list[Path]
    dataparser_transform: np.ndarray
    dataparser_scale: float

    def camera_centres(self) -> np.ndarray:
        """[n, 3] the training cameras' centres, in nerfstudio's frame."""
        return self.train_cameras.camera_to_worlds[:, :3, 3].cpu().numpy()


def load_run(output_dir: Path, experiment: str, method: str = METHOD_NAME) -> LoadedRun:
    """Load the finished run of `method` that a training stage published in `output_dir` (a rule's run folder)."""
    return load_run_config(run_dir(Path(output_dir), experiment, method) / "config.yml")


def load_run_config(config_path: Path) -> LoadedRun:
    """Load `config.yml` of a finished run onto the available device.

    The checkpoint is our own file; it holds numpy scalars that torch >= 2.6
    only unpickles with weights-only loading turned off.
    """
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    from nerfstudio.utils.eval_utils import eval_setup

    if not config_path.is_file():
        raise FileNotFoundError(f"no trained model at {config_path}")
    config, pipeline, _, step = eval_setup(config_path, test_mode="inference")
    dataparser = config.pipeline.datamanager.dataparser.setup()
    train = dataparser.get_dataparser_outputs(split="train")
    evaluation = dataparser.get_dataparser_outputs(split="val")
    return LoadedRun(
        pipeline=pipeline,
        step=int(step),
        train_cameras=train.cameras.to(pipeline.device),
        eval_cameras=evaluation.cameras.to(pipeline.device),
        train_image_paths=[Path(p) for p in train.image_filenames],
        eval_image_paths=[Path(p) for p in evaluation.image_filenames],
        dataparser_transform=train.dataparser_transform.cpu().numpy(),
        dataparser_scale=float(train.dataparser_scale),
    )
