"""The segmented point cloud, sampled from the fine-tuned field.

After fine-tuning on masks, the field's colour says "object" (white) or
"background" (black) and its density sits where the surfaces are. A sample
point belongs to the cloud when, along a training ray:
  - its density is high (a surface, not empty space),
  - its predicted colour is white (object, not background), and
  - it is visible from that camera (transmittance before it is not ~0), so
    nothing the cameras never saw (inside or behind surfaces) is kept.
Points are taken from the nerfstudio frame back to the input's world frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from nerfstudio.cameras.cameras import Cameras
from nerfstudio.field_components.field_heads import FieldHeadNames
from nerfstudio.models.base_model import Model


@dataclass
class ExportParams:
    """Thresholds of the export; densities are in nerfstudio's normalised units.

    `min_whiteness` has no default: it is the workflow's `mask_threshold`, so
    that the cloud and the IoU judge "object" alike.
    """

    min_whiteness: float
    min_density: float = 5.0
    min_transmittance: float = 0.1
    pixel_stride: int = 2
    rays_per_chunk: int = 4096


def to_world(points: np.ndarray, dataparser_transform: np.ndarray, dataparser_scale: float) -> np.ndarray:
    """Invert nerfstudio's normalisation p_ns = scale * (R p + t)."""
    rotation, translation = dataparser_transform[:3, :3], dataparser_transform[:3, 3]
    return (points / dataparser_scale - translation) @ rotation


def select_samples(density: torch.Tensor, rgb: torch.Tensor, deltas: torch.Tensor, params: ExportParams) -> torch.Tensor:
    """Boolean [rays, samples] of samples that are dense, white and visible.

    Transmittance is the light that reaches a sample from the camera:
    exp(-sum of density x length of the samples before it).
    """
    optical_depth = (density * deltas).squeeze(-1)
    before = torch.cumsum(optical_depth, dim=-1) - optical_depth
    transmittance = torch.exp(-before)
    whiteness = rgb.min(dim=-1).values
    return (density.squeeze(-1) > params.min_density) & (whiteness > params.min_whiteness) & (transmittance > params.min_transmittance)


def inside_camera_ball(points: np.ndarray, camera_centres: np.ndarray) -> np.ndarray:
    """Points no farther from the cameras' centroid than the farthest camera: the captured scene."""
    centroid = camera_centres.mean(axis=0)
    radius = np.linalg.norm(camera_centres - centroid, axis=1).max()
    return np.linalg.norm(points - centroid, axis=1) <= radius


@torch.no_grad()
def sample_object_points(model: Model, cameras: Cameras, params: ExportParams, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """Object points (nerfstudio frame) and their predicted colours from every training view."""
    model.eval()
    device = model.device
    points, colours = [], []
    for camera_index in range(len(cameras)):
        bundle = cameras.generate_rays(camera_indices=camera_index).to(device)
        height, width = bundle.shape
        rows = torch.arange(0, height, params.pixel_stride, device=device)
        cols = torch.arange(0, width, params.pixel_stride, device=device)
        flat = (rows[:, None] * width + cols[None, :]).reshape(-1)
        bundle = bundle.flatten()[flat]
        for start in range(0, len(bundle), params.rays_per_chunk):
            chunk = model.collider(bundle[start : start + params.rays_per_chunk])
            ray_samples, _, _ = model.proposal_sampler(chunk, density_fns=model.density_fns)
            field_outputs = model.field.forward(ray_samples)
            density = field_outputs[FieldHeadNames.DENSITY]
            rgb = field_outputs[FieldHeadNames.RGB]
            keep = select_samples(density, rgb, ray_samples.deltas, params)
            positions = ray_samples.frustums.get_positions()
            points.append(positions[keep].cpu().numpy())
            colours.append(rgb[keep].cpu().numpy())
        if progress is not None:
            progress(camera_index + 1, len(cameras), sum(len(p) for p in points))
    return np.concatenate(points) if points else np.zeros((0, 3)), np.concatenate(colours) if colours else np.zeros((0, 3))
