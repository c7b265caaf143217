"""Try mask fine-tuning settings on one trained RGB model and print what each did (a measurement, not a test).

Takes a workflow working directory whose scene has finished `nerf_rgb` and
`nerf_data` (for example one of tools/benchmark.py's), fine-tunes the RGB model
once per variant into `<workdir>/levers/<variant>/`, renders the held-out views
and prints, per variant: the median colour match of the held-out object pixels
(1: the class colour, 0.5: the grey plateau), the background's 95th percentile,
the held-out mask IoU at `iou_threshold` (and at the export's `mask_threshold`), the held-out pixels it
gets wrong by kind (object pixels missed; background called object within 2 px
of an object, where the outline is too wide, or farther, where it hazes the
background), and the fine-tuning's seconds.

    .venv/bin/python tools/finetune_levers.py /tmp/invnerf-benchmark/seed31_8 \\
        --variant 'shipped:{}' --variant 'share50:{object_share: 0.5}'

A variant is `name:<YAML mapping>` of settings over the scene's preset:
iterations, learning_rate, object_share, object_margin, colour_start (zero or keep), grid_frozen_steps, model
(nerfacto options merged; `trained_parts: colour_head` or `field_mlps` trains only those parts for the whole run).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from scipy.ndimage import binary_dilation

from invnerf_seg.evaluation import class_iou, object_colour_match, true_mask
from invnerf_seg.held_out_renders import render_views
from invnerf_seg.mask_colours import CLASSES_FILE, classify, read_classes
from invnerf_seg.nerf_model import load_run
from invnerf_seg.nerf_train import StageSettings, checkpoint_dir, train_stage


def base_settings(config: dict, scene: str) -> StageSettings:
    """The fine-tuning settings the workflow would use for the scene."""
    preset = config["presets"][config["scenes"][scene]["preset"]]
    return StageSettings(
        preset["model"], preset["rays_per_batch"], preset["finetune_iterations"], preset["finetune_lr"], config["nerf"]["eval_interval"],
        object_share=preset.get("finetune_object_share", 0.0), object_margin=preset.get("finetune_object_margin", 0),
        grid_frozen_steps=preset.get("finetune_grid_frozen_steps", 0),
    )


def error_pixels(views: list[tuple[str, np.ndarray, np.ndarray]], classes: dict, threshold: float, rim: int = 2) -> dict:
    """Held-out pixel errors by kind: missed object pixels, false ones within `rim` px of a true object (too wide), false ones farther (haze)."""
    missed = near = far = 0
    for _, rendered, target in views:
        predicted, true = classify(rendered, classes, threshold) > 0, classify(target, classes, 0.5) > 0
        false = predicted & ~true
        close = binary_dilation(true, iterations=rim)
        missed += int((true & ~predicted).sum())
        near += int((false & close).sum())
        far += int((false & ~close).sum())
    return {"missed": missed, "false_near": near, "false_far": far}


def held_out_scores(output: Path, scene: str, mask_dataset: Path, threshold: float, export_threshold: float) -> dict:
    """Colour match, background p95 and IoU of a fine-tuned run's held-out views."""
    classes = read_classes(mask_dataset / CLASSES_FILE)
    run = load_run(output, scene)
    views = [(view.stem, view.rgb, true_mask(mask_dataset, view.stem)) for view in render_views(run)]
    del run
    gc.collect()
    background = np.concatenate([rendered.max(axis=-1)[classify(target, classes, 0.5) == 0] for _, rendered, target in views])
    return {
        "colour_match": object_colour_match(views, classes),
        "background_p95": float(np.percentile(background, 95)),
        "iou": float(np.mean([class_iou(rendered, target, classes, threshold) for _, rendered, target in views])),
        "iou_at_export_threshold": float(np.mean([class_iou(rendered, target, classes, export_threshold) for _, rendered, target in views])),
        **error_pixels(views, classes, threshold),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--scene", default="demo")
    parser.add_argument("--variant", action="append", required=True, help="name:{yaml settings}")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    config = yaml.safe_load((args.workdir / "config" / "config.yaml").read_text())
    results = args.workdir / "results" / args.scene / "nerf"
    rows = []
    for spec in args.variant:
        name, _, overrides = spec.partition(":")
        base = base_settings(config, args.scene)
        changes = yaml.safe_load(overrides) or {}
        settings = replace(base, **{key: value for key, value in changes.items() if key != "model"}, model={**base.model, **changes.get("model", {})})
        output = args.workdir / "levers" / name
        log = args.workdir / "levers" / f"{name}.log"
        output.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        if not output.exists():
            train_stage(results / "data_mask", output, args.scene, settings, log, args.threads, lambda message, name=name: print(f"  {name}: {message}", flush=True),
                        rgb_models=checkpoint_dir(results / "rgb", args.scene))
        seconds = time.monotonic() - started
        scores = held_out_scores(output, args.scene, results / "data_mask", config["iou_threshold"], config["mask_threshold"])
        rows.append({"variant": name, "settings": json.dumps(changes), "seconds": round(seconds), **scores})
        print(json.dumps(rows[-1]), flush=True)
    print("| variant | settings | colour match (median) | background p95 | IoU | IoU at the export's threshold | missed px | false px within 2 px / farther | fine-tuning s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        match = "none" if row["colour_match"] is None else f"{row['colour_match']:.3f}"
        print(f"| {row['variant']} | `{row['settings']}` | {match} | {row['background_p95']:.3f} | {row['iou']:.3f} | {row['iou_at_export_threshold']:.3f} | {row['missed']} | {row['false_near']} / {row['false_far']} | {row['seconds']} |")


if __name__ == "__main__":
    main()
