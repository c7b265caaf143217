"""The methods the workflow runs and compares, and what each one is: one place to read, and to add a fourth.

The rules (`rules/common.smk`), the scripts, the benchmark and the tests take
from here which stages a method adds after the shared ones, which trained
runs it needs, whether it sees classes, and the functions that make its cloud
and render its held-out masks. Those are named as "module:function" and
imported only when a stage calls them, as nerfstudio's entry points name its
plugins, so that reading the registry (every Snakemake parse) stays cheap.
Adding a method: docs/adding_a_method.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    """One segmentation method, as the workflow runs it on every scene."""

    name: str
    """Its key in the config's `methods` and its folder `results/<scene>/<name>/`."""
    title: str
    """How tables and pictures name it."""
    stages: tuple[str, ...]
    """Its own stages after the shared ones (SHARED_MODEL_STAGES), in order, as Snakemake's benchmark files name them."""
    training_stage: str | None
    """The stage that trains a model of its own (None: it trains nothing beyond the shared RGB model)."""
    evaluation_runs: tuple[str, ...]
    """The trained runs whose held-out renders its evaluation reads, as folder names under `results/<scene>/nerf/`
    (each rendered once per scene: by the cloud stage of the method that trains it, else by `render_held_out_<run>`)."""
    one_class: bool
    """It sees every object as one class (FruitNeRF's semantics), so it is compared on the one-class IoU only."""
    views: str
    """"module:function" scoring its held-out views: (renders, mask dataset, cloud or None, settings) -> (PSNR per view, [(stem, rendered mask, true mask)]),
    where renders maps each of its `evaluation_runs` to that run's rendered views (held_out_renders.RenderedView)."""
    cloud: str | None = None
    """"module:function" making its cloud in its `<name>_cloud` stage (scripts/baseline_cloud.py):
    (runs, mask dataset, scene, settings, progress, report) -> (points, colours, the run sampled). None: a stage of its own."""
    evaluation_keys: tuple[str, ...] = ()
    """Keys of its config section (`config[name]`) that its held-out views read; its cloud stage gets the others."""
    masks_from_cloud: bool = False
    """Its held-out masks are its cloud seen from each view (SA3D trains no field that renders them)."""
    rendered_run: str | None = None
    """The run of its own whose held-out views its cloud stage renders too, with the model it has loaded to sample: a stage
    of its own would load the model again, about 10 s of start-up on 2 CPU cores. None: it trains no run of its own."""


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        # The method: nerfacto fine-tuned on the masks (nerf_train, export).
        Method("invnerf", "InvNeRF-Seg", ("nerf_finetune", "export_cloud", "density_profiles", "count_invnerf", "evaluate_invnerf"), "nerf_finetune", ("rgb", "seg"),
               False, views="invnerf_seg.evaluation:invnerf_views", rendered_run="seg"),
        # Baseline: the masks back-projected into the RGB model (sa3d).
        Method("sa3d", "SA3D", ("sa3d_cloud", "count_sa3d", "evaluate_sa3d"), None, ("rgb",), False, views="invnerf_seg.sa3d:held_out_views",
               cloud="invnerf_seg.sa3d:cloud", evaluation_keys=("render_radius_spacings",), masks_from_cloud=True),
        # Baseline: nerfacto with a semantic head trained jointly under a BCE mask loss (fruitnerf_method, fruitnerf_data).
        Method("fruitnerf", "FruitNeRF", ("nerf_fruitnerf", "fruitnerf_cloud", "count_fruitnerf", "evaluate_fruitnerf"), "nerf_fruitnerf",
               ("fruitnerf",), True, views="invnerf_seg.fruitnerf:held_out_views", cloud="invnerf_seg.fruitnerf:cloud", rendered_run="fruitnerf"),
    )
}
# The shared stages every method follows, in order, after the input stages (the RGB model's held-out renders included: its PSNR is every scene's;
# no cloud stage of every scene loads the RGB model, so it has a render stage of its own).
SHARED_MODEL_STAGES = ("masks", "nerf_data", "nerf_rgb", "render_held_out_rgb")
# The stages after every method's, once per scene: its loss curves and the methods side by side.
SCENE_REPORT_STAGES = ("training_curves", "compare")
# The stages that train a model; the summary weighs every other stage's time against theirs.
TRAINING_STAGES = ("nerf_rgb", *(method.training_stage for method in METHODS.values() if method.training_stage))
# The trained runs under results/<scene>/nerf/, and how the training curves title them.
RUN_TITLES = {"rgb": "RGB training (nerfacto)", "seg": "InvNeRF-Seg mask fine-tuning", "fruitnerf": "FruitNeRF (RGB + BCE mask loss)"}


def trained_runs(methods: list[str]) -> list[str]:
    """The runs under results/<scene>/nerf/ that these methods train (the RGB run always), in training order."""
    runs = ["rgb"]
    for name in methods:
        runs += [run for run in METHODS[name].evaluation_runs if run not in runs]
    return runs


def method_function(reference: str) -> Callable:
    """The function a "module:function" reference of the registry names, imported now."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
