"""Snakemake step: density along object and background rays of a held-out view, before and after the mask fine-tuning."""

import json
from pathlib import Path

import numpy as np
import torch

from invnerf_seg.density_profiles import choose_pixels, profile_summary, profiles_picture, ray_profiles
from invnerf_seg.evaluation import read_image
from invnerf_seg.mask_colours import is_object
from invnerf_seg.nerf_model import load_run
from invnerf_seg.step import start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "density_profiles")
    scene, params = snakemake.wildcards.scene, snakemake.params.settings
    runs = {name: load_run(Path(getattr(snakemake.input, name)), scene) for name in ("rgb_run", "seg_run")}
    seg = runs["seg_run"]
    view = seg.eval_image_paths[0]
    mask = is_object(read_image(Path(snakemake.input.mask_dataset) / "images" / view.name))
    object_pixels, background_pixels = choose_pixels(mask, params["summary_rays"], seed=0)

    camera = seg.eval_cameras[0:1]
    rays = camera.generate_rays(camera_indices=0)
    centres = seg.train_cameras.camera_to_worlds[:, :3, 3]
    # From the near plane to the far side of the captured scene (the cameras' ball), whatever the far plane.
    ball_radius = float(torch.linalg.norm(centres - centres.mean(dim=0), dim=-1).max())
    far = float(torch.linalg.norm(camera.camera_to_worlds[0, :3, 3] - centres.mean(dim=0))) + ball_radius
    near = float(seg.pipeline.model.config.near_plane)
    before, after = {}, {}
    for kind, pixels in (("object", object_pixels), ("background", background_pixels)):
        rows, columns = torch.as_tensor(pixels[:, 0]), torch.as_tensor(pixels[:, 1])
        origins, directions = rays.origins[rows, columns].to(seg.pipeline.device), rays.directions[rows, columns].to(seg.pipeline.device)
        for profiles, run in ((before, runs["rgb_run"]), (after, seg)):
            t, profiles[kind] = ray_profiles(run.pipeline.model.field.density_fn, origins, directions, near, far, params["samples"])
    summary = {"scene": scene, "view": view.stem, "near": near, "far": far, "pixels": {"object": object_pixels.tolist(), "background": background_pixels.tolist()}, **profile_summary(t, before, after)}
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2))
    np.savez_compressed(snakemake.output.profiles, t=t, **{f"{kind}_before": before[kind] for kind in before}, **{f"{kind}_after": after[kind] for kind in after})
    title = f"{scene}, held-out view {view.stem}: density along {params['rays']} object and background rays"
    profiles_picture(t, before, after, Path(snakemake.output.picture), title, drawn=params["rays"])
    for kind in ("object", "background"):
        logger.info(
            "%d %s rays: median optical depth %.3g before, %.3g after (median ratio %.3g; fell on %.0f%% of them)", summary[kind]["rays"], kind,
            summary[kind]["optical_depth_before"], summary[kind]["optical_depth_after"], summary[kind]["optical_depth_ratio"], 100 * summary[kind]["fell_fraction"],
        )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
