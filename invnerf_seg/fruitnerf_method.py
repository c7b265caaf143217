"""The FruitNeRF baseline as the nerfstudio method `invnerf-fruitnerf`, and its mask-reading dataparser.

FruitNeRF (Meyer et al., IROS 2024) trains nerfacto together with a semantic
head on the field's geometry features: one logit per sample, volume-rendered
with the (detached) density weights and trained under a binary cross-entropy
loss against the object masks, beside the usual RGB loss. This module builds
exactly that on top of `invnerf-nerfacto`, so that the two methods share every
model option a preset sets:

- the semantic MLP and head are nerfacto's own (`NerfactoField`'s
  `use_semantics` branch), added to the field after nerfacto built it, with
  one class and semantic gradients stopped at the geometry features;
- the dataparser `fruitnerf-masks` is nerfstudio's own reader of
  transforms.json, plus the mask of each image from `--masks-dir`;
- both are registered as plugins (entry points in pyproject.toml), so that
  `ns-train invnerf-fruitnerf ... fruitnerf-masks --data D --masks-dir M` works.
  The dataparser lives in fruitnerf_data.py: nerfstudio loads dataparser
  plugins while importing its datamanagers, which this module imports.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field, fields
from typing import Dict, Iterator, Type

import torch
from nerfstudio.data.datamanagers.base_datamanager import VanillaDataManager, VanillaDataManagerConfig
from nerfstudio.field_components.field_heads import FieldHeadNames, SemanticFieldHead
from nerfstudio.field_components.mlp import MLP
from nerfstudio.model_components.renderers import SemanticRenderer
from nerfstudio.plugins.types import MethodSpecification

from invnerf_seg.fruitnerf_data import MASK_KEY, FruitMaskDataParserConfig, FruitMaskDataset
from invnerf_seg.nerf_model import FRUITNERF_METHOD
from invnerf_seg.nerfstudio_method import InvNerfactoModel, InvNerfactoModelConfig, invnerf_nerfacto


@dataclass
class FruitNerfactoModelConfig(InvNerfactoModelConfig):
    """nerfacto's options, plus FruitNeRF's semantic head and loss weight."""

    _target: Type = field(default_factory=lambda: FruitNerfactoModel)
    semantic_loss_weight: float = 1.0
    """Weight of the BCE mask loss beside the RGB loss (FruitNeRF's default 1)."""
    pass_semantic_gradients: bool = False
    """Let the mask loss shape the density (FruitNeRF: no, the semantics read the geometry)."""
    hidden_dim_semantics: int = 64


@contextlib.contextmanager
def kept_field_outputs(model_field: torch.nn.Module) -> Iterator[dict]:
    """While nerfacto renders, keep the samples and outputs of its field's last forward pass.

    nerfacto's `get_outputs` renders RGB, depth and accumulation from the
    field outputs and drops them; the semantics need the same samples and
    weights, so they are caught on the way instead of nerfacto being copied.
    """
    kept: dict = {}
    forward = model_field.forward

    def forward_keeping(ray_samples, *args, **kwargs):
        kept["samples"], kept["outputs"] = ray_samples, forward(ray_samples, *args, **kwargs)
        return kept["outputs"]

    model_field.forward = forward_keeping
    try:
        yield kept
    finally:
        del model_field.forward


class FruitNerfactoModel(InvNerfactoModel):
    """nerfacto with FruitNeRF's semantic head: one logit per sample, rendered and trained under BCE."""

    config: FruitNerfactoModelConfig

    def populate_modules(self) -> None:
        super().populate_modules()
        nerfacto_field = self.field
        nerfacto_field.use_semantics = True
        nerfacto_field.pass_semantic_gradients = self.config.pass_semantic_gradients
        nerfacto_field.mlp_semantics = MLP(
            in_dim=nerfacto_field.geo_feat_dim, num_layers=2, layer_width=self.config.hidden_dim_semantics,
            out_dim=self.config.hidden_dim_semantics, activation=torch.nn.ReLU(), out_activation=None,
            implementation=self.config.implementation,
        )
        nerfacto_field.field_head_semantics = SemanticFieldHead(in_dim=self.config.hidden_dim_semantics, num_classes=1)
        self.renderer_semantics = SemanticRenderer()
        self.semantic_loss = torch.nn.BCEWithLogitsLoss()

    def get_outputs(self, ray_bundle):
        with kept_field_outputs(self.field) as kept:
            outputs = super().get_outputs(ray_bundle)
        weights = kept["samples"].get_weights(kept["outputs"][FieldHeadNames.DENSITY])
        if not self.config.pass_semantic_gradients:
            weights = weights.detach()
        outputs["semantics"] = self.renderer_semantics(kept["outputs"][FieldHeadNames.SEMANTICS], weights=weights)
        outputs["semantic_probability"] = torch.sigmoid(outputs["semantics"])
        return outputs

    def get_loss_dict(self, outputs, batch, metrics_dict=None) -> Dict[str, torch.Tensor]:
        losses = super().get_loss_dict(outputs, batch, metrics_dict)
        target = batch[MASK_KEY].to(self.device)
        losses["semantics_loss"] = self.config.semantic_loss_weight * self.semantic_loss(outputs["semantics"], target)
        return losses


def _fruitnerf_trainer_config():
    """invnerf-nerfacto's trainer settings, with the FruitNeRF model and the mask-reading data."""
    config = copy.deepcopy(invnerf_nerfacto.config)
    config.method_name = FRUITNERF_METHOD
    nerfacto = config.pipeline.model
    config.pipeline.model = FruitNerfactoModelConfig(**{f.name: getattr(nerfacto, f.name) for f in fields(InvNerfactoModelConfig) if f.name != "_target"})
    datamanager = config.pipeline.datamanager
    config.pipeline.datamanager = VanillaDataManagerConfig(
        _target=VanillaDataManager[FruitMaskDataset],
        dataparser=FruitMaskDataParserConfig(),
        train_num_rays_per_batch=datamanager.train_num_rays_per_batch,
        eval_num_rays_per_batch=datamanager.eval_num_rays_per_batch,
    )
    return config


invnerf_fruitnerf = MethodSpecification(
    config=_fruitnerf_trainer_config(),
    description="FruitNeRF baseline: nerfacto with a semantic head on the geometry features, RGB + BCE mask loss",
)
