"""A trained model's held-out views, rendered once per scene and kept as a file that every evaluation reads.

InvNeRF-Seg's and SA3D's evaluations both score the RGB model's held-out
views; rendering them in one stage (`render_held_out`, writing
`results/<scene>/nerf/renders/<run>.npz`) loads and renders that model once
instead of once per method. The fine-tuned and FruitNeRF models are rendered
by their cloud stages, which load them anyway: on 2 CPU cores loading a model
costs about as long as rendering its held-out views. Each view keeps what any
method's evaluation reads: the colour, the surface the depth places in the
input's world frame (SA3D's masks), and the semantic probability of a model
with a semantic head (FruitNeRF's masks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from invnerf_seg.cameras import to_world
from invnerf_seg.step import progress_reporter

if TYPE_CHECKING:  # reading and writing renders (every evaluation) needs neither torch nor nerfstudio, whose imports take seconds
    import logging

    from invnerf_seg.nerf_model import LoadedRun

RAYS_PER_CHUNK = 4096
"""Rays per forward pass (nerfstudio's default is 32,768): it bounds the memory on any device, and on 2 CPU cores a forward
pass was no slower per ray at 4,096 than at 8,192 (about 3,100 and 3,000 rays/s, before the hash grid was compiled)."""


@dataclass
class RenderedView:
    """One held-out view as a trained model renders it."""

    stem: str
    image_path: Path
    """The view's training image (its colour truth)."""
    rgb: np.ndarray
    """[H, W, 3] rendered colour in [0, 1]."""
    surface: np.ndarray
    """[H, W, 3] the point at the rendered depth along each pixel's ray, in the input's world frame."""
    semantic_probability: np.ndarray | None = None
    """[H, W, 1] a semantic head's object probability (FruitNeRF); None for a model without one."""

    @property
    def rays(self) -> int:
        return self.rgb.shape[0] * self.rgb.shape[1]


def render_views(run: LoadedRun, progress: Callable[..., None] | None = None) -> Iterator[RenderedView]:
    """Every held-out view of `run`, rendered in chunks of RAYS_PER_CHUNK rays; `progress(done, total, rays=rays so far)` after each view."""
    import torch  # here, not at the top: the evaluations import this module only to read renders

    model = run.pipeline.model
    model.eval()
    model.config.eval_num_rays_per_chunk = RAYS_PER_CHUNK
    total, rays_done = len(run.eval_image_paths), 0
    if progress is not None:
        progress(0, total, rays=0)
    for index, image_path in enumerate(run.eval_image_paths):
        with torch.no_grad():  # around each view only: gradients stay as the caller had them between views
            camera = run.eval_cameras[index : index + 1]
            outputs = model.get_outputs_for_camera(camera)
            rays = camera.generate_rays(camera_indices=0).flatten()
            surface = (rays.origins + outputs["depth"].reshape(-1, 1) * rays.directions).reshape(outputs["rgb"].shape).cpu().numpy()
        world = to_world(surface.reshape(-1, 3), run.dataparser_transform, run.dataparser_scale).reshape(surface.shape)
        semantic = outputs.get("semantic_probability")
        view = RenderedView(
            stem=image_path.stem, image_path=image_path, rgb=outputs["rgb"].clamp(0, 1).cpu().numpy(), surface=world.astype(np.float32),
            semantic_probability=None if semantic is None else semantic.cpu().numpy(),
        )
        yield view
        rays_done += view.rays
        if progress is not None:
            progress(index + 1, total, rays=rays_done)


def render_to_file(run: LoadedRun, path: Path, logger: logging.Logger) -> None:
    """Render `run`'s held-out views into `path` (write_renders), logging progress and the rendering's throughput line."""
    progress = progress_reporter(logger, "held-out views rendered")
    views = list(render_views(run, progress))
    write_renders(path, views)
    logger.info("%d held-out views written to %s", len(views), path)
    logger.info(progress.throughput())


def write_renders(path: Path, views: list[RenderedView]) -> None:
    """The views as one .npz (uncompressed: written once, read by every evaluation of the scene)."""
    if not views:
        raise ValueError(f"{path}: the run has no held-out views to render (raise the frame count or lower nerf.eval_interval)")
    arrays = {"stems": np.array([view.stem for view in views]), "image_paths": np.array([str(view.image_path) for view in views])}
    for index, view in enumerate(views):
        arrays[f"rgb_{index}"], arrays[f"surface_{index}"] = view.rgb, view.surface
        if view.semantic_probability is not None:
            arrays[f"semantic_probability_{index}"] = view.semantic_probability
    with open(path, "wb") as handle:  # np.savez would add ".npz" to a name without it
        np.savez(handle, **arrays)


def read_renders(path: Path) -> list[RenderedView]:
    """The views a stage wrote with write_renders, in the run's held-out order."""
    with np.load(path) as arrays:
        return [
            RenderedView(stem=str(stem), image_path=Path(str(image_path)), rgb=arrays[f"rgb_{index}"], surface=arrays[f"surface_{index}"],
                         semantic_probability=arrays[f"semantic_probability_{index}"] if f"semantic_probability_{index}" in arrays else None)
            for index, (stem, image_path) in enumerate(zip(arrays["stems"], arrays["image_paths"]))
        ]
