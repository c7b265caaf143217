"""Field density along rays before and after the mask fine-tuning (the paper's field-density analysis).

For a few object pixels and background pixels of a held-out view, the
density of the RGB model and of the fine-tuned model is read at evenly
spaced points along each pixel's ray, from the near plane to the far side
of the captured scene. The paper's claim is that the fine-tuning keeps (or
sharpens) density on the objects and removes it elsewhere; the summary
measures that as each ray's optical depth (the integral of density along
it) before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from invnerf_seg.nerf_model import LoadedRun  # noqa: E402


@dataclass(frozen=True)
class ProfileSettings:
    """How many rays and readings the analysis takes (config `analysis`)."""

    rays: int
    """Object and background rays drawn in the picture."""
    summary_rays: int
    """Object and background rays the summary is taken over."""
    samples: int
    """Density readings along each ray."""


def choose_pixels(object_mask: np.ndarray, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` object pixels and `count` background pixels (row, column) of a boolean mask, spread at random.

    Background pixels are taken at least 3 pixels away from any object, so a
    blurred mask edge is not counted as background.
    """
    from scipy.ndimage import binary_dilation

    rng = np.random.default_rng(seed)
    far_background = ~binary_dilation(object_mask, iterations=3)
    chosen = []
    for region, name in ((object_mask, "object"), (far_background, "background")):
        candidates = np.argwhere(region)
        if not len(candidates):
            raise ValueError(f"the view has no {name} pixel to profile")
        chosen.append(candidates[rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)])
    return chosen[0], chosen[1]


@torch.no_grad()
def ray_profiles(density_fn: Callable, origins: torch.Tensor, directions: torch.Tensor, near: float, far: float, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances t [samples] and density [rays, samples] at evenly spaced points from `near` to `far` on each ray."""
    t = torch.linspace(near, far, samples, device=origins.device)
    points = origins[:, None, :] + t[None, :, None] * directions[:, None, :]
    density = density_fn(points.reshape(-1, 3)).reshape(len(origins), samples)
    return t.cpu().numpy(), density.cpu().numpy()


def optical_depth(t: np.ndarray, density: np.ndarray) -> np.ndarray:
    """Per ray, the integral of density along it (trapezoids)."""
    return np.trapezoid(density, t, axis=-1)


def profile_summary(t: np.ndarray, before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> dict:
    """Median optical depth and peak density of object and background rays, before and after, their ratio,
    and the share of rays whose optical depth fell."""
    summary = {}
    for kind in ("object", "background"):
        depth_before, depth_after = optical_depth(t, before[kind]), optical_depth(t, after[kind])
        summary[kind] = {
            "rays": int(len(depth_before)),
            "optical_depth_before": float(np.median(depth_before)),
            "optical_depth_after": float(np.median(depth_after)),
            "optical_depth_ratio": float(np.median(depth_after / np.maximum(depth_before, 1e-9))),
            "fell_fraction": float(np.mean(depth_after < depth_before)),
            "peak_density_before": float(np.median(before[kind].max(axis=-1))),
            "peak_density_after": float(np.median(after[kind].max(axis=-1))),
        }
    return summary


def profiles_picture(t: np.ndarray, before: dict[str, np.ndarray], after: dict[str, np.ndarray], path: Path, title: str, drawn: int) -> None:
    """Rows: object and background rays (the first `drawn` of each); columns: density before, after, and after minus before."""
    figure, axes = plt.subplots(2, 3, figsize=(14, 6.5), sharex=True)
    for row, kind in enumerate(("object", "background")):
        shown_before, shown_after = before[kind][:drawn], after[kind][:drawn]
        panels = [(shown_before, "before fine-tuning (RGB model)"), (shown_after, "after fine-tuning (masks)"), (shown_after - shown_before, "difference (after - before)")]
        for column, (values, name) in enumerate(panels):
            for ray in values:
                axes[row][column].plot(t, ray, linewidth=0.9)
            axes[row][column].set_title(f"{kind} pixels: {name}", fontsize=9)
            if column < 2:
                axes[row][column].set_yscale("symlog", linthresh=1.0)
        axes[row][0].set_ylabel("density")
    for column in range(3):
        axes[1][column].set_xlabel("distance along the ray (nerfstudio units)")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def view_profiles(rgb_run: LoadedRun, seg_run: LoadedRun, object_mask: np.ndarray, settings: ProfileSettings) -> tuple[dict, np.ndarray, dict, dict]:
    """The first held-out view's profiles: (summary, t, density before, density after), before and after keyed by object / background.

    The rays run from the near plane to the far side of the captured scene
    (the cameras' ball), whatever the far plane, so both models are read over
    the same stretch.
    """
    object_pixels, background_pixels = choose_pixels(object_mask, settings.summary_rays, seed=0)
    camera = seg_run.eval_cameras[0:1]
    rays = camera.generate_rays(camera_indices=0)
    centres = seg_run.train_cameras.camera_to_worlds[:, :3, 3]
    ball_radius = float(torch.linalg.norm(centres - centres.mean(dim=0), dim=-1).max())
    far = float(torch.linalg.norm(camera.camera_to_worlds[0, :3, 3] - centres.mean(dim=0))) + ball_radius
    near = float(seg_run.pipeline.model.config.near_plane)
    before, after = {}, {}
    for kind, pixels in (("object", object_pixels), ("background", background_pixels)):
        rows, columns = torch.as_tensor(pixels[:, 0]), torch.as_tensor(pixels[:, 1])
        origins = rays.origins[rows, columns].to(seg_run.pipeline.device)
        directions = rays.directions[rows, columns].to(seg_run.pipeline.device)
        for profiles, run in ((before, rgb_run), (after, seg_run)):
            t, profiles[kind] = ray_profiles(run.pipeline.model.field.density_fn, origins, directions, near, far, settings.samples)
    summary = {
        "view": seg_run.eval_image_paths[0].stem, "near": near, "far": far,
        "pixels": {"object": object_pixels.tolist(), "background": background_pixels.tolist()}, **profile_summary(t, before, after),
    }
    return summary, t, before, after
