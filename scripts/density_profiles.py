"""Snakemake step: density along object and background rays of a held-out view, before and after the mask fine-tuning."""

import json
from pathlib import Path

import numpy as np

from invnerf_seg.density_profiles import ProfileSettings, profiles_picture, view_profiles
from invnerf_seg.evaluation import read_image
from invnerf_seg.mask_colours import is_object
from invnerf_seg.nerf_model import load_run
from invnerf_seg.step import start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    scene, settings = snakemake.wildcards.scene, ProfileSettings(**snakemake.params.settings)
    # 512 rays per run: compiling the hash grids would take longer than the rays (measured 3.4 s against 1 s)
    rgb_run, seg_run = (load_run(Path(path), scene, compiled=False) for path in (snakemake.input.rgb_run, snakemake.input.seg_run))
    mask = is_object(read_image(Path(snakemake.input.mask_dataset) / "images" / seg_run.eval_image_paths[0].name))
    summary, t, before, after = view_profiles(rgb_run, seg_run, mask, settings)
    summary = {"scene": scene, **summary}
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2))
    np.savez_compressed(snakemake.output.profiles, t=t, **{f"{kind}_before": before[kind] for kind in before}, **{f"{kind}_after": after[kind] for kind in after})
    title = f"{scene}, held-out view {summary['view']}: density along {settings.rays} object and background rays"
    profiles_picture(t, before, after, Path(snakemake.output.picture), title, drawn=settings.rays)
    for kind in ("object", "background"):
        logger.info(
            "%d %s rays: median optical depth %.3g before, %.3g after (median ratio %.3g; fell on %.0f%% of them)", summary[kind]["rays"], kind,
            summary[kind]["optical_depth_before"], summary[kind]["optical_depth_after"], summary[kind]["optical_depth_ratio"], 100 * summary[kind]["fell_fraction"],
        )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
