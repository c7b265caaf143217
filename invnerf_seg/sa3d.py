"""The SA3D baseline, field-density variant: the 2D masks back-projected into the RGB NeRF.

SA3D (Cen et al., NeurIPS 2023) lifts 2D masks into a trained radiance field
without training it further. The variant the InvNeRF-Seg paper compares
with, built here:
  1. for every training view, the rays of its foreground mask pixels are
     sampled as the RGB model renders them, and the samples whose density
     passes a threshold (and that the camera sees) are kept; the original
     weight-threshold variant keeps samples whose rendering weight passes one;
  2. every kept point is projected into all training views and votes: it
     stays when at least `min_vote_fraction` of the views that see it inside
     their frame have it inside their mask (SA3D's cross-view agreement).
The field itself is never changed; the cloud goes through the same counting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from invnerf_seg.cameras import project
from invnerf_seg.export import SurfaceSelection, transmittance

VARIANTS = ("density", "weight")


@dataclass(kw_only=True)
class SA3DParams(SurfaceSelection):
    """Thresholds of the SA3D cloud: the surface selection of every cloud, the variant's weight and the vote."""

    variant: str = "density"
    min_weight: float = 0.1
    min_vote_fraction: float = 0.5

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"sa3d.variant is {self.variant!r}; it must be one of {', '.join(VARIANTS)}")


def rendering_weights(density: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
    """[rays, samples] volume-rendering weight of each sample: transmittance x opacity."""
    return transmittance(density, deltas) * (1.0 - torch.exp(-(density * deltas).squeeze(-1)))


def candidate_samples(density: torch.Tensor, deltas: torch.Tensor, params: SA3DParams) -> torch.Tensor:
    """Boolean [rays, samples] of the samples a foreground ray contributes, by the chosen variant."""
    if params.variant == "weight":
        return rendering_weights(density, deltas) > params.min_weight
    return params.dense_and_visible(density, deltas)


def vote_fractions(points: np.ndarray, views: list[tuple[np.ndarray, dict, np.ndarray]]) -> np.ndarray:
    """Per world point, the fraction of views seeing it in frame that have it inside their mask (NaN if none sees it).

    `views`: (OpenGL camera-to-world, camera dict with intrinsics and
    distortion as in transforms.json, boolean mask [H, W]) per training view.
    """
    inside_mask = np.zeros(len(points))
    in_frame = np.zeros(len(points))
    for c2w, camera, mask in views:
        pixels, depth = project(points, c2w, camera)
        columns, rows = np.floor(pixels[:, 0]).astype(int), np.floor(pixels[:, 1]).astype(int)
        seen = (depth > 0) & (columns >= 0) & (rows >= 0) & (columns < mask.shape[1]) & (rows < mask.shape[0])
        in_frame += seen
        inside_mask[seen] += mask[rows[seen], columns[seen]]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(in_frame > 0, inside_mask / np.maximum(in_frame, 1), np.nan)


def agreed(points: np.ndarray, views: list[tuple[np.ndarray, dict, np.ndarray]], min_vote_fraction: float) -> np.ndarray:
    """Boolean per point: some view sees it, and enough of the views that see it agree that it is object."""
    fractions = vote_fractions(points, views)
    return ~np.isnan(fractions) & (np.nan_to_num(fractions, nan=0.0) >= min_vote_fraction)
