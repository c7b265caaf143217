"""The FruitNeRF baseline's cloud and held-out views; its model is `fruitnerf_method`, its mask reader `fruitnerf_data`.

FruitNeRF sees every object as one class: its cloud is white, and its
rendered semantic masks are scored against the truth with every object white.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from invnerf_seg.evaluation import binary_target, psnr_per_view, semantic_mask_image, true_mask

if TYPE_CHECKING:  # the field sampling needs torch and nerfstudio; its evaluation, which reads renders only, imports neither
    from invnerf_seg.cloud_io import ObjectCloud
    from invnerf_seg.held_out_renders import RenderedView
    from invnerf_seg.nerf_model import LoadedRun

WHITE_POINT = np.ones(3)


def cloud(runs: dict[str, Path], mask_dataset: Path | None, scene: str, settings: dict, progress, report) -> tuple[ObjectCloud, LoadedRun]:
    """Dense, visible samples of its field whose semantic probability passes the threshold (nerfstudio frame), in white; its own RGB head's colours."""
    from invnerf_seg.export import EmptyCloudError, SemanticExportParams, chosen_samples, collect_points, select_semantic_samples
    from invnerf_seg.nerf_model import load_published_run

    params = SemanticExportParams(**settings)
    run = load_published_run(runs["fruitnerf"], scene)
    found = collect_points(chosen_samples(run.pipeline.model, run.train_cameras, params, lambda samples: (select_semantic_samples(samples, params), samples.rgb), progress))
    if not len(found.points):
        raise EmptyCloudError("FruitNeRF: no dense, visible sample of the field passes the semantic probability threshold")
    report(f"FruitNeRF: {len(found.points)} samples pass the semantic probability threshold")
    found.colours = np.tile(WHITE_POINT, (len(found.points), 1))
    return found, run


def held_out_views(renders: dict[str, list[RenderedView]], mask_dataset: Path, cloud_path: Path | None, settings: dict):
    """PSNR and semantic masks per view, both from the FruitNeRF model; the truth with every object white."""
    views = renders["fruitnerf"]
    masks = [(view.stem, semantic_mask_image(view.semantic_probability), binary_target(true_mask(mask_dataset, view.stem))) for view in views]
    return psnr_per_view(views), masks
