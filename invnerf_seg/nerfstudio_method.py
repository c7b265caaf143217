"""The `invnerf-nerfacto` nerfstudio method: nerfacto as published, runnable offline.

nerfacto builds an LPIPS metric when the model is constructed, and LPIPS
fetches AlexNet weights from the internet. Offline, that makes every training
fail before its first step. This method is nerfacto unchanged (same field,
sampler, losses and defaults) except that LPIPS is built only when its weights
are already in the torch hub cache; otherwise no LPIPS is computed or reported.
No weights are ever made up.

It is registered as a nerfstudio plugin (entry point `nerfstudio.method_configs`
in pyproject.toml), so `ns-train invnerf-nerfacto` works like any method.

Its pixel sampler is nerfstudio's, with one more option, `object_share`
(0 by default: nerfstudio's uniform sampling, bit for bit the same draw).
The mask fine-tuning sets it to draw that share of each batch's rays from
object pixels (see ObjectSharePixelSampler); model and loss are untouched.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Literal, Tuple, Type

import torch
import torchmetrics.image.lpip
import torchvision
from nerfstudio.cameras.camera_optimizers import CameraOptimizerConfig
from nerfstudio.configs.base_config import ViewerConfig
from nerfstudio.data.datamanagers.base_datamanager import VanillaDataManagerConfig
from nerfstudio.data.dataparsers.nerfstudio_dataparser import NerfstudioDataParserConfig
from nerfstudio.data.pixel_samplers import PixelSampler, PixelSamplerConfig
from nerfstudio.engine.callbacks import TrainingCallback, TrainingCallbackAttributes, TrainingCallbackLocation
from nerfstudio.engine.optimizers import AdamOptimizerConfig
from nerfstudio.engine.schedulers import ExponentialDecaySchedulerConfig
from nerfstudio.engine.trainer import TrainerConfig
from nerfstudio.models.nerfacto import NerfactoModel, NerfactoModelConfig
from nerfstudio.pipelines.base_pipeline import VanillaPipelineConfig
from nerfstudio.plugins.types import MethodSpecification

from invnerf_seg.hash_grid import compile_hash_grids
from invnerf_seg.mask_colours import is_object
from invnerf_seg.nerf_model import METHOD_NAME


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


# Parameter name prefixes each `trained_parts` choice leaves trainable; everything else keeps its loaded values.
TRAINED_PARTS = {
    "colour_head": ("field.mlp_head.",),
    "field_mlps": ("field.mlp_head.", "field.mlp_base.model.1."),  # colour head and density MLP; hash grid and proposal networks kept
}


class InvNerfactoModel(NerfactoModel):
    """nerfacto, with LPIPS only when its weights are available offline, and optionally only some of its parts trained
    (for the whole run, or until a given step)."""

    config: "InvNerfactoModelConfig"
    _frozen: list[torch.nn.Parameter] = []

    def populate_modules(self) -> None:
        if lpips_weights_cached():
            super().populate_modules()
        else:
            with _lpips_not_built():
                super().populate_modules()
        if self.config.trained_parts != "all":
            trained = TRAINED_PARTS[self.config.trained_parts]
            self._frozen = [parameter for name, parameter in self.named_parameters() if parameter.requires_grad and not name.startswith(trained)]
            for parameter in self._frozen:
                parameter.requires_grad_(False)
        if self.config.compile_hash_grids:
            compile_hash_grids(self)

    def get_training_callbacks(self, training_callback_attributes: TrainingCallbackAttributes) -> List[TrainingCallback]:
        callbacks = super().get_training_callbacks(training_callback_attributes)
        if self.config.trained_parts != "all" and self.config.trained_parts_until_step > 0:
            callbacks.append(TrainingCallback([TrainingCallbackLocation.BEFORE_TRAIN_ITERATION], self.train_all_parts_from, update_every_num_iters=1))
        return callbacks

    def train_all_parts_from(self, step: int) -> None:
        """Every part trains from step `trained_parts_until_step` on (also when a resumed run starts past it)."""
        if step >= self.config.trained_parts_until_step:
            for parameter in self._frozen:
                parameter.requires_grad_(True)
            self._frozen = []

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


def object_pixels(images: torch.Tensor, margin: int = 0) -> torch.Tensor:
    """[n, 3] (image, row, column) of every pixel of a mask batch [N, H, W, C] that shows an object,
    or lies within `margin` pixels of one (object pixels as `mask_colours.is_object` says).
    """
    objects = is_object(images)
    if margin > 0:
        # A square neighbourhood: the object's edge, seen from both sides.
        objects = torch.nn.functional.max_pool2d(objects[:, None].float(), 2 * margin + 1, stride=1, padding=margin)[:, 0] > 0
    return torch.nonzero(objects, as_tuple=False)


def mixed_indices(batch_size: int, object_share: float, objects: torch.Tensor, num_images: int, height: int, width: int, device) -> torch.Tensor:
    """Pixel indices [batch_size, 3]: `object_share` of them drawn from `objects`, the rest uniform over all pixels.

    The uniform part still holds object pixels in their own proportion, so
    the share of object rays is at least `object_share`; every background
    pixel keeps the same chance as in uniform sampling, scaled by (1 - share).
    """
    n_object = int(round(object_share * batch_size)) if len(objects) else 0
    uniform = (torch.rand((batch_size - n_object, 3), device=device) * torch.tensor([num_images, height, width], device=device)).long()
    if n_object == 0:
        return uniform
    chosen = objects[torch.randint(len(objects), (n_object,), device=objects.device)].to(device)
    return torch.cat([chosen, uniform])


@dataclass
class ObjectSharePixelSamplerConfig(PixelSamplerConfig):
    """nerfstudio's pixel sampler, with a share of the rays drawn from object pixels."""

    _target: Type = field(default_factory=lambda: ObjectSharePixelSampler)
    object_share: float = 0.0
    """Share of each batch's rays drawn from object pixels (any channel over half); 0 is uniform sampling."""
    object_margin: int = 0
    """The object share is drawn from the object pixels and the background pixels within this many pixels of one."""


class ObjectSharePixelSampler(PixelSampler):
    """Draws `object_share` of every batch from the object pixels of the cached training images.

    Why: where objects fill 0.1 to 1% of a frame, a uniform batch of 1024
    rays holds one to ten object rays, and the MSE of an all-black field is
    already as low as the object share. Drawing a fixed share of object rays
    is a choice of which pixels each step sees, not a change of the model or
    of the loss. With `object_share` 0 (the default, the RGB stage) this is
    nerfstudio's PixelSampler.
    """

    config: ObjectSharePixelSamplerConfig

    def __init__(self, config: ObjectSharePixelSamplerConfig, **kwargs) -> None:
        super().__init__(config, **kwargs)
        if not 0.0 <= config.object_share < 1.0:
            raise ValueError(f"pixel sampler object_share must be in [0, 1), not {config.object_share}")
        self._images: torch.Tensor | None = None
        self._objects: tuple[int, torch.Tensor] | None = None

    def collate_image_dataset_batch(self, batch: Dict, num_rays_per_batch: int, keep_full_image: bool = False):
        self._images = batch["image"]
        return super().collate_image_dataset_batch(batch, num_rays_per_batch, keep_full_image)

    def _object_indices(self) -> torch.Tensor:
        """The object pixels of the current image batch, found once per batch (the training images are cached)."""
        key = self._images.data_ptr()
        if self._objects is None or self._objects[0] != key:
            self._objects = (key, object_pixels(self._images, margin=self.config.object_margin))
        return self._objects[1]

    def sample_method(self, batch_size: int, num_images: int, image_height: int, image_width: int, mask=None, device="cpu"):
        if self.config.object_share == 0.0 or mask is not None or self._images is None:
            return super().sample_method(batch_size, num_images, image_height, image_width, mask=mask, device=device)
        return mixed_indices(batch_size, self.config.object_share, self._object_indices(), num_images, image_height, image_width, device)


@dataclass
class InvNerfactoModelConfig(NerfactoModelConfig):
    """nerfacto's configuration, building InvNerfactoModel."""

    _target: Type = field(default_factory=lambda: InvNerfactoModel)
    trained_parts: Literal["all", "colour_head", "field_mlps"] = "all"
    """What the optimizer changes: all of nerfacto (as published), only the colour head, or the colour head and the
    density MLP (the hash grid and the proposal networks keep their loaded values)."""
    trained_parts_until_step: int = 0
    """With `trained_parts` other than all: the step from which every part trains (in the run's count, which a
    fine-tuning continues from the RGB run's); 0: only `trained_parts` for the whole run."""
    compile_hash_grids: bool = True
    """Compile nerfstudio's pure-torch hash grids (the CPU's; invnerf_seg/hash_grid.py): the same encoding, several
    times faster. No effect where tiny-cuda-nn runs them (CUDA)."""


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
                pixel_sampler=ObjectSharePixelSamplerConfig(),
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
