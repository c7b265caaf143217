"""The `invnerf-nerfacto` nerfstudio method: nerfacto as published, runnable offline.

nerfacto builds an LPIPS metric when the model is constructed, and LPIPS
fetches AlexNet weights from the internet. Offline, that makes every training
fail before its first step. This method is nerfacto unchanged (same field,
sampler, losses and defaults) except that LPIPS is built only when its weights
are already in the torch hub cache; otherwise no LPIPS is computed or reported.
No weights are ever made up.

It is registered as a nerfstudio plugin (entry point `nerfstudio.method_configs`
in pyproject.toml), so `ns-train invnerf-nerfacto` works like any method.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, Tuple, Type

import torch
import torchmetrics.image.lpip
import torchvision
from nerfstudio.cameras.camera_optimizers import CameraOptimizerConfig
from nerfstudio.configs.base_config import ViewerConfig
from nerfstudio.data.datamanagers.base_datamanager import VanillaDataManagerConfig
from nerfstudio.data.dataparsers.nerfstudio_dataparser import NerfstudioDataParserConfig
from nerfstudio.engine.optimizers import AdamOptimizerConfig
from nerfstudio.engine.schedulers import ExponentialDecaySchedulerConfig
from nerfstudio.engine.trainer import TrainerConfig
from nerfstudio.models.nerfacto import NerfactoModel, NerfactoModelConfig
from nerfstudio.pipelines.base_pipeline import VanillaPipelineConfig
from nerfstudio.plugins.types import MethodSpecification

METHOD_NAME = "invnerf-nerfacto"


def lpips_weights_cached() -> bool:
    """Whether torchvision's AlexNet weights (what LPIPS loads) are already on disk."""
    weights_file = Path(torchvision.models.AlexNet_Weights.DEFAULT.url).name
    return (Path(torch.hub.get_dir()) / "checkpoints" / weights_file).is_file()


@contextlib.contextmanager
def _lpips_not_built() -> Iterator[None]:
    """While nerfacto populates its modules, make its LPIPS constructor give None."""
    original = torchmetrics.image.lpip.LearnedPerceptualImagePatchSimilarity
    torchmetrics.image.lpip.LearnedPerceptualImagePatchSimilarity = lambda **_: None
    try:
        yield
    finally:
        torchmetrics.image.lpip.LearnedPerceptualImagePatchSimilarity = original


class InvNerfactoModel(NerfactoModel):
    """nerfacto, with LPIPS only when its weights are available offline."""

    def populate_modules(self) -> None:
        if lpips_weights_cached():
            super().populate_modules()
            return
        with _lpips_not_built():
            super().populate_modules()

    def get_image_metrics_and_images(
        self, outputs: Dict[str, torch.Tensor], batch: Dict[str, torch.Tensor]
    ) -> Tuple[Dict[str, float], Dict[str, torch.Tensor]]:
        if self.lpips is not None:
            return super().get_image_metrics_and_images(outputs, batch)
        self.lpips = lambda *_: torch.tensor(float("nan"))
        try:
            metrics, images = super().get_image_metrics_and_images(outputs, batch)
        finally:
            self.lpips = None
        metrics.pop("lpips")
        return metrics, images


@dataclass
class InvNerfactoModelConfig(NerfactoModelConfig):
    """nerfacto's configuration, building InvNerfactoModel."""

    _target: Type = field(default_factory=lambda: InvNerfactoModel)


invnerf_nerfacto = MethodSpecification(
    config=TrainerConfig(
        method_name=METHOD_NAME,
        steps_per_eval_batch=500,
        steps_per_save=2000,
        max_num_iterations=30000,
        mixed_precision=True,
        pipeline=VanillaPipelineConfig(
            datamanager=VanillaDataManagerConfig(
                dataparser=NerfstudioDataParserConfig(),
                train_num_rays_per_batch=4096,
                eval_num_rays_per_batch=4096,
            ),
            model=InvNerfactoModelConfig(
                eval_num_rays_per_chunk=1 << 15,
                average_init_density=0.01,
                camera_optimizer=CameraOptimizerConfig(mode="SO3xR3"),
            ),
        ),
        optimizers={
            "proposal_networks": {
                "optimizer": AdamOptimizerConfig(lr=1e-2, eps=1e-15),
                "scheduler": ExponentialDecaySchedulerConfig(lr_final=0.0001, max_steps=200000),
            },
            "fields": {
                "optimizer": AdamOptimizerConfig(lr=1e-2, eps=1e-15),
                "scheduler": ExponentialDecaySchedulerConfig(lr_final=0.0001, max_steps=200000),
            },
            "camera_opt": {
                "optimizer": AdamOptimizerConfig(lr=1e-3, eps=1e-15),
                "scheduler": ExponentialDecaySchedulerConfig(lr_final=1e-4, max_steps=5000),
            },
        },
        viewer=ViewerConfig(num_rays_per_chunk=1 << 15),
        vis="tensorboard",
    ),
    description="nerfacto (nerfstudio 1.1.5 defaults) that trains offline: LPIPS only when its weights are cached",
)
