"""A small posed dataset in the FruitNeRF layout, rendered from a demo plant with its true cameras."""

from __future__ import annotations

from pathlib import Path

from invnerf_seg.demo_posed import write_posed_demo
from invnerf_seg.demo_scene import SceneSpec


def write_posed_dataset(root: Path, n_views: int = 6, width: int = 64, height: int = 48) -> dict:
    """Six 64x48 JPEG views of a three-fruit plant, with semantics/ and truth.json."""
    return write_posed_demo(SceneSpec(seed=5, n_fruits=3, width=width, height=height, supersampling=1), root, n_views)
