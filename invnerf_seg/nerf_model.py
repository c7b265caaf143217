"""A trained run: where nerfstudio writes it, and loading it for inference (the pipeline, its cameras and its frame of reference).

Scripts that call this must sit behind `if __name__ == "__main__":`: nerfstudio
may start data workers with "spawn", which re-imports the calling script.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from invnerf_seg.nerfstudio_startup import quick_method_list

if TYPE_CHECKING:  # nerfstudio takes seconds to import; a stage that only reads renders or names a run does without
    from nerfstudio.cameras.cameras import Cameras
    from nerfstudio.pipelines.base_pipeline import Pipeline

METHOD_NAME = "invnerf-nerfacto"
"""The nerfstudio method (`ns-train invnerf-nerfacto`, invnerf_seg/nerfstudio_method.py) that trains the RGB and fine-tuned runs."""
FRUITNERF_METHOD = "invnerf-fruitnerf"
"""The nerfstudio method (invnerf_seg/fruitnerf_method.py) that trains the FruitNeRF baseline's run."""
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


def load_run(output_dir: Path, experiment: str, method: str = METHOD_NAME, compiled: bool = True) -> LoadedRun:
    """Load the finished run of `method` that a training stage published in `output_dir` (a rule's run folder)."""
    return load_run_config(run_dir(Path(output_dir), experiment, method) / "config.yml", compiled)


def load_published_run(output_dir: Path, experiment: str, compiled: bool = True) -> LoadedRun:
    """Load the one finished run, of whichever nerfstudio method, that a training stage published in `output_dir`."""
    configs = sorted(Path(output_dir).glob(f"{experiment}/*/{RUN_NAME}/config.yml"))
    if len(configs) != 1:
        raise FileNotFoundError(f"{output_dir}: expected one trained run ({experiment}/<method>/{RUN_NAME}/config.yml), found {len(configs)}")
    return load_run_config(configs[0], compiled)


def load_run_config(config_path: Path, compiled: bool = True) -> LoadedRun:
    """Load `config.yml` of a finished run onto the available device.

    The checkpoint is our own file; it holds numpy scalars that torch >= 2.6
    only unpickles with weights-only loading turned off. `compiled=False`
    keeps the hash grids eager whatever the run was trained with: a stage that
    samples only a few thousand rays spends longer compiling than it saves.
    """
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    quick_method_list()
    from nerfstudio.utils.eval_utils import eval_setup

    if not config_path.is_file():
        raise FileNotFoundError(f"no trained model at {config_path}")

    def keep_grids_eager(config):
        config.pipeline.model.compile_hash_grids = False
        return config

    config, pipeline, _, step = eval_setup(config_path, test_mode="inference", update_config_callback=None if compiled else keep_grids_eager)
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
