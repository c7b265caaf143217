"""The segmented point cloud, sampled from the fine-tuned field (and the sampling the baselines share).

After fine-tuning on masks, the field's colour says "object" (white, or its
class colour) or "background" (black) and its density sits where the
surfaces are. A sample point belongs to the cloud when, along a training ray:
  - its density is high (a surface, not empty space),
  - its predicted colour matches a class colour (object, not background), and
  - it lies in front of the ray's median depth (transmittance before it at
    least a half), where a rendered surface is: nothing the cameras never saw
    (inside or behind surfaces) is kept, and a soft surface's thick shell of
    dense samples does not pull the objects' fitted size inwards.
Each point also carries its colour in the RGB model (its appearance, for
the traits table). Points are taken from the nerfstudio frame back to the
input's world frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from nerfstudio.field_components.field_heads import FieldHeadNames

from invnerf_seg.cameras import to_world
from invnerf_seg.cloud_io import ObjectCloud
from invnerf_seg.mask_colours import class_scores
from invnerf_seg.surface_selection import SurfaceSelection

if TYPE_CHECKING:  # only named in hints: their import takes seconds that an evaluation reading renders need not spend
    from nerfstudio.cameras.cameras import Cameras
    from nerfstudio.cameras.rays import RaySamples
    from nerfstudio.fields.base_field import Field
    from nerfstudio.models.base_model import Model


@dataclass(kw_only=True)
class SearchedSelection(SurfaceSelection):
    """Where the clouds sampled from a field's own object output (InvNeRF-Seg's colour, FruitNeRF's semantics) look.

    `search_stride` 0 samples every `pixel_stride`-th pixel of every view. A
    multiple of `pixel_stride` first samples every `search_stride`-th pixel,
    then every `pixel_stride`-th pixel near one whose ray kept a sample (see
    `chosen_samples`).
    """

    search_stride: int = 0


@dataclass(kw_only=True)
class ExportParams(SearchedSelection):
    """Thresholds of the InvNeRF-Seg export.

    `min_colour_match` has no default: it is the workflow's `mask_threshold`,
    so that the cloud and the IoU judge "object" alike.
    """

    min_colour_match: float


def select_samples(density: torch.Tensor, rgb: torch.Tensor, deltas: torch.Tensor, params: ExportParams, classes: dict) -> torch.Tensor:
    """Boolean [rays, samples] of samples that are dense, of a class colour and visible."""
    colour_match = class_scores(rgb, classes).max(dim=-1).values
    return params.dense_and_visible(density, deltas) & (colour_match > params.min_colour_match)


def inside_camera_ball(points: np.ndarray, camera_centres: np.ndarray) -> np.ndarray:
    """Points no farther from the cameras' centroid than the farthest camera: the captured scene."""
    centroid = camera_centres.mean(axis=0)
    radius = np.linalg.norm(camera_centres - centroid, axis=1).max()
    return np.linalg.norm(points - centroid, axis=1) <= radius


def captured_world_cloud(cloud: ObjectCloud, camera_centres: np.ndarray, dataparser_transform: np.ndarray, dataparser_scale: float) -> ObjectCloud:
    """Every method's last step: the object samples inside the cameras' ball, in the input's world frame.

    Refuses (EmptyCloudError) when none lies inside, so that no method
    passes an empty cloud on to counting as if it had found nothing.
    """
    inside = inside_camera_ball(cloud.points, camera_centres)
    if not inside.any():
        raise EmptyCloudError(f"all {len(cloud.points)} object samples lie outside the cameras' ball: the field put the objects outside the captured scene")
    kept = cloud.subset(inside)
    kept.points = to_world(kept.points, dataparser_transform, dataparser_scale)
    return kept


@dataclass
class FieldSamples:
    """The proposal sampler's samples along one chunk of rays of one view, as a trained field sees them."""

    ray_samples: RaySamples  # [rays, samples]
    positions: torch.Tensor  # [rays, samples, 3], nerfstudio frame
    density: torch.Tensor  # [rays, samples, 1]
    rgb: torch.Tensor  # [rays, samples, 3]
    deltas: torch.Tensor  # [rays, samples, 1]
    semantics: torch.Tensor | None  # [rays, samples, 1] logits of a field with a semantic head (FruitNeRF), else None
    view: int  # index of the camera
    pixels: torch.Tensor  # [rays] row-major pixel index of each ray in its view


# A method's "object" rule: its samples -> (keep [rays, samples], class colours [rays, samples, 3]).
Choice = Callable[[FieldSamples], tuple[torch.Tensor, torch.Tensor]]
# Which pixels of a view to sample: (view index, height, width, device) -> row-major pixel index sets, one after
# another; each set is asked for once the samples of the sets before it have been used.
PixelSets = Callable[[int, int, int, torch.device], Iterator[torch.Tensor]]


def grid_pixels(height: int, width: int, stride: int, device) -> torch.Tensor:
    """Row-major indices of every `stride`-th pixel of every `stride`-th row."""
    rows = torch.arange(0, height, stride, device=device)
    cols = torch.arange(0, width, stride, device=device)
    return (rows[:, None] * width + cols[None, :]).reshape(-1)


def every_nth_pixel(pixel_stride: int, pixel_masks: list[np.ndarray] | None = None) -> PixelSets:
    """Every `pixel_stride`-th pixel of a view; with `pixel_masks` (one boolean [H, W] per view), only those inside its mask."""

    def pixel_sets(view: int, height: int, width: int, device: torch.device) -> Iterator[torch.Tensor]:
        pixels = grid_pixels(height, width, pixel_stride, device)
        if pixel_masks is not None:
            pixels = pixels[torch.as_tensor(np.asarray(pixel_masks[view]).reshape(-1), device=device)[pixels]]
        yield pixels

    return pixel_sets


def pixels_near(hit: torch.Tensor, height: int, width: int, pixel_stride: int, search_stride: int) -> torch.Tensor:
    """The `pixel_stride` grid's pixels within `search_stride` (either axis) of a hit pixel, less the search grid's own.

    `hit` is a boolean [height * width] set on search-grid pixels whose ray
    kept a sample. Any object edge lies between a hit search pixel and a
    missed neighbour at most `search_stride` away, so these pixels hold every
    ray of the object that is wider than the search spacing.
    """
    near = torch.nn.functional.max_pool2d(hit.view(1, 1, height, width).float(), 2 * search_stride + 1, stride=1, padding=search_stride)
    pixels = grid_pixels(height, width, pixel_stride, hit.device)
    rows, cols = pixels // width, pixels % width
    on_search_grid = (rows % search_stride == 0) & (cols % search_stride == 0)
    return pixels[near.view(-1)[pixels].bool() & ~on_search_grid]


@torch.no_grad()
def field_samples(model: Model, cameras: Cameras, pixel_sets: PixelSets, rays_per_chunk: int, progress=None):
    """The rays of every view's `pixel_sets`, sampled as at render time, chunk by chunk.

    The samples are those the model itself renders with (collider, then the
    proposal sampler), so the export looks where the renderer looks.
    `progress(views done, views, rays=rays sampled so far)` after each view.
    """
    model.eval()
    rays_done = 0
    if progress is not None:
        progress(0, len(cameras), rays=0)
    for view in range(len(cameras)):
        bundle = cameras.generate_rays(camera_indices=view).to(model.device)
        height, width = bundle.shape
        rays = bundle.flatten()
        for pixels in pixel_sets(view, height, width, model.device):
            for start in range(0, len(pixels), rays_per_chunk):
                chunk = model.collider(rays[pixels[start : start + rays_per_chunk]])
                ray_samples, _, _ = model.proposal_sampler(chunk, density_fns=model.density_fns)
                outputs = model.field.forward(ray_samples)
                yield FieldSamples(
                    ray_samples, ray_samples.frustums.get_positions(), outputs[FieldHeadNames.DENSITY], outputs[FieldHeadNames.RGB], ray_samples.deltas,
                    outputs.get(FieldHeadNames.SEMANTICS), view, pixels[start : start + rays_per_chunk],
                )
            rays_done += len(pixels)
        if progress is not None:
            progress(view + 1, len(cameras), rays=rays_done)


def chosen_samples(model: Model, cameras: Cameras, params: SearchedSelection, choose: Choice, progress=None):
    """(samples, keep, colours) for each chunk of every view's rays, where `choose(samples)` -> (keep, colours).

    With `params.search_stride`, each view is searched first on that coarser
    grid; then only the `pixel_stride` pixels near a ray that kept a sample
    are sampled. Where objects fill a few percent of the frame, that is a
    fraction of the rays for the same cloud, short of objects narrower than
    the search spacing in a view. Without it, every `pixel_stride`-th pixel.
    """
    if params.search_stride % params.pixel_stride:
        raise ValueError(f"search_stride {params.search_stride} must be a multiple of pixel_stride {params.pixel_stride}")
    hit = torch.zeros(0, dtype=torch.bool)  # the view being searched: its search-grid pixels whose ray kept a sample

    def searched(view: int, height: int, width: int, device: torch.device) -> Iterator[torch.Tensor]:
        nonlocal hit
        hit = torch.zeros(height * width, dtype=torch.bool, device=device)
        yield grid_pixels(height, width, params.search_stride, device)
        yield pixels_near(hit, height, width, params.pixel_stride, params.search_stride)

    pixel_sets = searched if params.search_stride else every_nth_pixel(params.pixel_stride)
    for samples in field_samples(model, cameras, pixel_sets, params.rays_per_chunk, progress):
        keep, colours = choose(samples)
        if params.search_stride:
            hit[samples.pixels[keep.any(dim=1)]] = True
        yield samples, keep, colours


def own_appearance(chunk: FieldSamples, keep: torch.Tensor) -> torch.Tensor:
    """The sampled field's own colour of the kept samples: its field was trained on the frames (SA3D's RGB model, FruitNeRF)."""
    return chunk.rgb[keep]


def appearance_of(rgb_field: Field) -> Callable[[FieldSamples, torch.Tensor], torch.Tensor]:
    """The colour another field (the RGB run's, when the sampled one was fine-tuned on masks) gives the kept samples."""

    def appearance(chunk: FieldSamples, keep: torch.Tensor) -> torch.Tensor:
        kept = chunk.ray_samples[keep]
        if len(kept) == 1:  # torch.compile specialises a batch of one sample: compiling it again took seconds, so it goes as two
            return rgb_field.forward(kept[torch.zeros(2, dtype=torch.long, device=keep.device)])[FieldHeadNames.RGB][:1]
        return rgb_field.forward(kept)[FieldHeadNames.RGB]

    return appearance


@torch.no_grad()
def collect_points(chosen, appearance=own_appearance) -> ObjectCloud:
    """The kept samples (nerfstudio frame) of each (samples, keep [rays, samples], class colours [rays, samples, 3]) in `chosen`.

    `appearance(samples, keep)` gives the kept samples' colours in the RGB model.
    """
    points, colours, appearances = [np.zeros((0, 3))], [np.zeros((0, 3))], [np.zeros((0, 3))]
    for samples, keep, sample_colours in chosen:
        points.append(samples.positions[keep].cpu().numpy())
        colours.append(sample_colours[keep].cpu().numpy())
        appearances.append(appearance(samples, keep).cpu().numpy() if keep.any() else np.zeros((0, 3)))
    return ObjectCloud(np.concatenate(points), np.concatenate(colours), np.concatenate(appearances))


def sample_object_points(model: Model, rgb_model: Model, cameras: Cameras, params: ExportParams, classes: dict, progress=None) -> ObjectCloud:
    """Object points (nerfstudio frame) from every training view: the fine-tuned field's colours, and the RGB model's.

    An empty result is an error that says how far the field is from the
    thresholds, not an empty cloud for counting to report as zero objects.
    """
    rgb_model.eval()

    def choose(samples: FieldSamples) -> tuple[torch.Tensor, torch.Tensor]:
        return select_samples(samples.density, samples.rgb, samples.deltas, params, classes), samples.rgb

    cloud = collect_points(chosen_samples(model, cameras, params, choose, progress), appearance_of(rgb_model.field))
    if not len(cloud.points):
        raise EmptyCloudError(empty_field_message(model, cameras, params, classes))
    return cloud


def empty_field_message(model: Model, cameras: Cameras, params: ExportParams, classes: dict) -> str:
    """Why no sample passed: the field's highest density and best colour match, against the thresholds."""
    best_density, best_match = 0.0, 0.0
    for samples in field_samples(model, cameras, every_nth_pixel(params.pixel_stride), params.rays_per_chunk):
        best_density = max(best_density, float(samples.density.max()))
        best_match = max(best_match, float(class_scores(samples.rgb, classes).max()))
    return (
        f"the fine-tuned field gives an empty cloud: its highest density is {best_density:.3g} (min_density {params.min_density}) "
        f"and its best colour match {best_match:.3f} (mask_threshold {params.min_colour_match}). "
        "A field that never took the mask colours has not learnt the masks. Look at the masks and analysis/training_curves.png; "
        "where the objects fill under about 3% of each frame (a whole plant or tree), use the cpu_small_objects preset "
        "(full frame width, a 2^19 hash grid, nerfacto's default samples per ray), or film closer; a preset that samples rays uniformly (finetune_object_share 0) "
        "can stay on a grey plateau (a best match near 0.5): draw a quarter of each batch from the objects (finetune_object_share 0.25, "
        "finetune_object_margin 2), or read the plateau's objects with mask_threshold 0.25 (docs/small_objects.md)"
    )


@dataclass(kw_only=True)
class SemanticExportParams(SearchedSelection):
    """Thresholds of the FruitNeRF cloud: density as in the export, and the semantic head's probability."""

    min_probability: float = 0.5


def select_semantic_samples(samples: FieldSamples, params: SemanticExportParams) -> torch.Tensor:
    """Boolean [rays, samples] of samples that are dense, visible and of the object class by the semantic head."""
    if samples.semantics is None:
        raise ValueError("the field has no semantic head: a FruitNeRF (invnerf-fruitnerf) run is needed")
    probability = torch.sigmoid(samples.semantics[..., 0])
    return params.dense_and_visible(samples.density, samples.deltas) & (probability > params.min_probability)


class EmptyCloudError(RuntimeError):
    """A method's field (fine-tuned, SA3D's or FruitNeRF's) has no sample that passes the thresholds."""
