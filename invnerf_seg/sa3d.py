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
Its held-out masks are that cloud seen from each view (`held_out_views`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from invnerf_seg.cameras import posed_cameras, project, to_world
from invnerf_seg.cloud_io import read_ply
from invnerf_seg.evaluation import cloud_spacing, psnr_per_view, read_image, surface_mask_image, true_mask
from invnerf_seg.mask_colours import is_object
from invnerf_seg.surface_selection import SurfaceSelection, transmittance

if TYPE_CHECKING:  # the cloud samples the RGB model with torch and nerfstudio; the evaluation, which reads renders only, imports neither
    import torch

    from invnerf_seg.cloud_io import ObjectCloud
    from invnerf_seg.held_out_renders import RenderedView
    from invnerf_seg.nerf_model import LoadedRun

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
    return transmittance(density, deltas) * (1.0 - (-(density * deltas).squeeze(-1)).exp())


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


def cloud(runs: dict[str, Path], mask_dataset: Path, scene: str, settings: dict, progress, report) -> tuple[ObjectCloud, LoadedRun]:
    """SA3D's cloud (nerfstudio frame, mask colours, the RGB model's colours) and the RGB run it samples.

    Samples on the foreground rays of the training views that pass the
    threshold, then the cross-view vote.
    """
    import torch

    from invnerf_seg.export import EmptyCloudError, collect_points, every_nth_pixel, field_samples
    from invnerf_seg.nerf_model import load_run

    params = SA3DParams(**settings)
    run = load_run(runs["rgb"], scene)
    mask_images = [np.asarray(read_image(mask_dataset / "images" / path.name)) for path in run.train_image_paths]
    colour_per_view = [torch.as_tensor(image.reshape(-1, 3), dtype=torch.float32, device=run.pipeline.device) for image in mask_images]
    masks = [is_object(image) for image in mask_images]
    samples = field_samples(run.pipeline.model, run.train_cameras, every_nth_pixel(params.pixel_stride, masks), params.rays_per_chunk, progress)

    def choose(chunk):
        keep = candidate_samples(chunk.density, chunk.deltas, params)
        colours = colour_per_view[chunk.view][chunk.pixels][:, None, :].expand(*keep.shape, 3)  # the mask's class colour of the ray's pixel
        return keep, colours

    found = collect_points((chunk, *choose(chunk)) for chunk in samples)
    if not len(found.points):
        raise EmptyCloudError(f"SA3D: no sample on a foreground ray passes the {params.variant} threshold of the RGB model")
    world = to_world(found.points, run.dataparser_transform, run.dataparser_scale)
    cameras = posed_cameras(json.loads((mask_dataset / "transforms.json").read_text()))
    views = [(*cameras[path.name], mask) for path, mask in zip(run.train_image_paths, masks)]
    keep = agreed(world, views, params.min_vote_fraction)
    report(f"SA3D: {len(found.points)} samples on foreground rays pass the {params.variant} threshold; {int(keep.sum())} win the vote of the {len(views)} training views")
    return found.subset(keep), run


def held_out_views(renders: dict[str, list[RenderedView]], mask_dataset: Path, cloud_path: Path, settings: dict):
    """PSNR per view from the RGB model (SA3D trains nothing); a pixel is object where the surface it renders lies on the SA3D cloud.

    `settings["render_radius_spacings"]`: how near, in cloud spacings.
    """
    points, colours = read_ply(cloud_path)
    radius = settings["render_radius_spacings"] * cloud_spacing(points) if len(points) > 1 else 0.0
    masks = [(view.stem, surface_mask_image(view.surface, points, colours, radius), true_mask(mask_dataset, view.stem)) for view in renders["rgb"]]
    return psnr_per_view(renders["rgb"]), masks
