"""Which field samples every cloud starts from: dense, and seen from the training views.

Kept apart from the export, which samples fields with torch and nerfstudio:
a method's settings (SA3D's, for one) extend SurfaceSelection, and its
evaluation, which reads renders only, then imports neither. The functions
take torch tensors and use their methods only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def transmittance(density: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
    """[rays, samples] light that reaches each sample from the camera: exp(-sum of density x length before it)."""
    optical_depth = (density * deltas).squeeze(-1)
    return (optical_depth - optical_depth.cumsum(dim=-1)).exp()


@dataclass(kw_only=True)
class SurfaceSelection:
    """Which field samples every cloud starts from (InvNeRF-Seg, SA3D, FruitNeRF): dense and seen, from the training views.

    The three methods draw their clouds from the field with the same rule and
    differ only in how each decides "object". Each method's config section
    (`export`, `sa3d`, `fruitnerf`) sets its own values, since a threshold
    that suits the fine-tuned field need not suit an RGB one. Densities are in
    nerfstudio's normalised units.
    """

    min_density: float = 5.0
    min_transmittance: float = 0.5
    pixel_stride: int = 2
    rays_per_chunk: int = 4096

    def dense_and_visible(self, density: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
        """Boolean [rays, samples] of samples that are a surface (dense) seen from the ray's camera (visible)."""
        return (density.squeeze(-1) > self.min_density) & (transmittance(density, deltas) > self.min_transmittance)
