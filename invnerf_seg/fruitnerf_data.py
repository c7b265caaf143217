"""The data side of the FruitNeRF baseline: transforms.json plus an object mask per image.

Registered as the nerfstudio dataparser `fruitnerf-masks` (entry point in
pyproject.toml). nerfstudio imports dataparser plugins while it imports its
own datamanagers, so this module must not import those (nor the method).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Type

import numpy as np
import torch
from nerfstudio.data.dataparsers.base_dataparser import DataparserOutputs
from nerfstudio.data.dataparsers.nerfstudio_dataparser import Nerfstudio, NerfstudioDataParserConfig
from nerfstudio.data.datasets.base_dataset import InputDataset
from nerfstudio.plugins.registry_dataparser import DataParserSpecification
from PIL import Image

from invnerf_seg.mask_colours import is_object

DATAPARSER_NAME = "fruitnerf-masks"
MASK_KEY = "object_mask"  # the per-pixel BCE target in a training batch
MASK_FILES_KEY = "object_mask_files"  # the mask file of each image, in the dataparser's metadata


def object_mask(path: Path, image_shape: tuple[int, int]) -> torch.Tensor:
    """[H, W, 1] float mask of one image: 1 where any channel of the mask is over half (object), else 0.

    Binary masks are white on black and multi-class masks coloured on black,
    so "not black" is "object" for both: FruitNeRF's semantics are one class.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"mask {path} not found: every training image needs a mask of the same name")
    pixels = np.asarray(Image.open(path).convert("RGB"))
    if pixels.shape[:2] != tuple(image_shape):
        raise ValueError(f"mask {path} is {pixels.shape[1]}x{pixels.shape[0]} but its image is {image_shape[1]}x{image_shape[0]}")
    return torch.from_numpy(is_object(pixels).astype(np.float32))[..., None]


@dataclass
class FruitMaskDataParserConfig(NerfstudioDataParserConfig):
    """nerfstudio's transforms.json reader, plus a folder of object masks named like the images."""

    _target: Type = field(default_factory=lambda: FruitMaskDataParser)
    masks_dir: Path = Path("masks")
    """Folder of the object masks, one per image with the image's file name."""


class FruitMaskDataParser(Nerfstudio):
    """Adds the mask file of every image of the split to the dataparser's metadata."""

    config: FruitMaskDataParserConfig

    def _generate_dataparser_outputs(self, split: str = "train", **kwargs) -> DataparserOutputs:
        outputs = super()._generate_dataparser_outputs(split, **kwargs)
        outputs.metadata[MASK_FILES_KEY] = [self.config.masks_dir / Path(name).name for name in outputs.image_filenames]
        return outputs


class FruitMaskDataset(InputDataset):
    """Images with their object mask under `MASK_KEY`, which the pixel sampler samples with the image."""

    def get_metadata(self, data: Dict) -> Dict:
        path = self.metadata[MASK_FILES_KEY][data["image_idx"]]
        return {MASK_KEY: object_mask(path, tuple(data["image"].shape[:2]))}


fruit_mask_dataparser = DataParserSpecification(
    config=FruitMaskDataParserConfig(),
    description="transforms.json (nerfstudio) with an object mask per image from --masks-dir",
)
