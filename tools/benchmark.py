"""Run the workflow on generated demo plants it was not tuned on and print one table (a benchmark, not a test).

Each scene is a demo plant with its own seed and fruit count, run in its own
working directory under `--out` with the repository's config (the scene's preset)
and only the `demo` section changed. The table gives, per scene and method, the
share of each frame the objects fill (all of them, and per object), the true
and predicted counts, F1 of the detections matched to true fruits, held-out
mask IoU, the median colour match of held-out object pixels, PSNR, the paired
t-test of each baseline's IoU against InvNeRF-Seg's, the RGB training's and the
method's time (from Snakemake's benchmark files) and the peak memory; with `--stages`, each scene's stages
with their rays per second (results/timings.csv).

    .venv/bin/python tools/benchmark.py --out /tmp/invnerf-benchmark --cores 2
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from invnerf_seg.methods import METHODS, SHARED_MODEL_STAGES, TRAINING_STAGES
from invnerf_seg.summary import stage_profile

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

# Scenes the settings were never chosen on (the demo is seed 7, the tests seed 11, the fine-tuning levers seeds 51 and 52),
# spanning the share of each frame the objects fill: whole plants and trees filmed whole (0.1% to 8%), one with 48
# fruits, a single small fruit and a three-class plant filmed whole, and close-ups (the paper's single and double pod).
# Each: the demo section's changes, the masks settings, and the preset (cpu_small_objects where the objects fill under
# 3% of each frame, as a user filming a whole plant would choose). The shares in the names are the generator's; the
# table prints the measured ones.
SCENES = {
    "share8_seed61": {"demo": {"seed": 61, "n_fruits": 12, "orbit_radius": 1.55}, "preset": "cpu"},
    "share3_seed62": {"demo": {"seed": 62, "n_fruits": 12, "fruit_radius": [0.04, 0.055], "orbit_radius": 1.8}, "preset": "cpu"},
    "share1_seed63": {"demo": {"seed": 63, "n_fruits": 16, "fruit_radius": [0.02, 0.028], "orbit_radius": 2.0}, "preset": "cpu_small_objects"},
    "share03_seed64": {"demo": {"seed": 64, "n_fruits": 10, "fruit_radius": [0.016, 0.021], "orbit_radius": 2.1}, "preset": "cpu_small_objects"},
    "many48_seed65": {"demo": {"seed": 65, "n_fruits": 48, "fruit_radius": [0.018, 0.024], "orbit_radius": 2.0}, "preset": "cpu_small_objects"},
    # A single small fruit on a whole plant, about 0.1% of each frame.
    "single_whole_seed66": {"demo": {"seed": 66, "n_fruits": 1, "fruit_radius": [0.03, 0.035], "orbit_radius": 1.9}, "preset": "cpu_small_objects"},
    # Three fruits, each its own class in the masks, counted per class, the whole plant in view.
    "classes3_whole_seed67": {
        "demo": {"seed": 67, "n_fruits": 3, "mask_values": "instance"}, "masks": {"encoding": "instance", "multiclass": True},
        "preset": "cpu_small_objects",
    },
    # Fresh seeds of scenes whose first seed chose a setting (share03_seed64 the fine-tuning's object margin, share1_seed63 the
    # export's mask_threshold, many48_seed65 the tried 2,000 RGB steps): the same generator settings, a plant nobody looked at.
    "share1_seed73": {"demo": {"seed": 73, "n_fruits": 16, "fruit_radius": [0.02, 0.028], "orbit_radius": 2.0}, "preset": "cpu_small_objects"},
    "share03_seed74": {"demo": {"seed": 74, "n_fruits": 10, "fruit_radius": [0.016, 0.021], "orbit_radius": 2.1}, "preset": "cpu_small_objects"},
    "single_whole_seed76": {"demo": {"seed": 76, "n_fruits": 1, "fruit_radius": [0.03, 0.035], "orbit_radius": 1.9}, "preset": "cpu_small_objects"},
    "many48_seed75": {"demo": {"seed": 75, "n_fruits": 48, "fruit_radius": [0.018, 0.024], "orbit_radius": 2.0}, "preset": "cpu_small_objects"},
    # More plants nobody looked at, so that the fresh seeds span 0.1% to 8% of a frame: the settings of share3, share8, the
    # three-class plant filmed whole and the pods.
    "share3_seed77": {"demo": {"seed": 77, "n_fruits": 12, "fruit_radius": [0.04, 0.055], "orbit_radius": 1.8}, "preset": "cpu"},
    "share8_seed78": {"demo": {"seed": 78, "n_fruits": 12, "orbit_radius": 1.55}, "preset": "cpu"},
    "classes3_whole_seed79": {
        "demo": {"seed": 79, "n_fruits": 3, "mask_values": "instance"}, "masks": {"encoding": "instance", "multiclass": True},
        "preset": "cpu_small_objects",
    },
    "pods_seed80": {"demo": {"seed": 80, "n_fruits": 8, "fruit_shape": "pod", "fruit_radius": [0.025, 0.03], "orbit_radius": 1.4}, "preset": "cpu"},
    # Eight hanging pods three times longer than wide (16 to 18 cm), the whole plant in view: counted one each, lengths measured.
    "pods_seed68": {"demo": {"seed": 68, "n_fruits": 8, "fruit_shape": "pod", "fruit_radius": [0.025, 0.03], "orbit_radius": 1.4}, "preset": "cpu"},
    # Four round fruits, each with a pod hanging from it and touching it: eight objects, counted apart by shape.
    "pairs_seed69": {"demo": {"seed": 69, "n_fruits": 8, "fruit_shape": "pairs", "fruit_radius": [0.045, 0.06], "orbit_radius": 1.5}, "preset": "cpu"},
    # Close-ups: the paper's single pod (the camera circles the fruit at 0.45 m) and double pod (three classes at 0.9 m).
    # Their videos are at 30 fps, as when they were first measured: from the demo's 10 fps the single fruit's frames came out
    # worse (RGB PSNR 26.9 against 27.3, IoU 0.952 against 0.975; docs/benchmark.md).
    "single_closeup_seed35": {
        "demo": {"seed": 35, "n_fruits": 1, "fruit_radius": [0.03, 0.035], "orbit_radius": 0.45, "orbit_centre": "fruits", "video_fps": 30}, "preset": "cpu",
    },
    # The three classes at cpu_small_objects: at cpu its held-out IoU stayed at 0.77 to 0.84 (under the 0.85 asked), at
    # cpu_small_objects it read 0.883 (2026-12-03; chosen on this scene; 0.884 on seed 81, docs/benchmark.md).
    "classes3_closeup_seed37": {
        "demo": {"seed": 37, "n_fruits": 3, "mask_values": "instance", "orbit_radius": 0.9, "orbit_centre": "fruits", "video_fps": 30},
        "masks": {"encoding": "instance", "multiclass": True}, "preset": "cpu_small_objects",
    },
    # A fresh seed of it, so that the preset is tried on a close-up it was not chosen on.
    "classes3_closeup_seed81": {
        "demo": {"seed": 81, "n_fruits": 3, "mask_values": "instance", "orbit_radius": 0.9, "orbit_centre": "fruits", "video_fps": 30},
        "masks": {"encoding": "instance", "multiclass": True}, "preset": "cpu_small_objects",
    },
}
# Snakemake benchmark names: the stages every method shares, then each method's own.
SHARED_STAGES = ["demo_scene", "frames", "poses", "scale", *SHARED_MODEL_STAGES]


def prepare(workdir: Path, scene: dict, methods: list[str]) -> None:
    """A working directory with the repository's config, this scene's demo plant, masks settings, preset and methods."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["demo"].update(scene["demo"])
    config["scenes"]["demo"]["masks"].update(scene.get("masks", {}))
    config["scenes"]["demo"]["preset"] = scene["preset"]
    if scene["demo"].get("orbit_centre") == "fruits":  # a close-up: the ground markers lie outside the view
        config["demo"]["marker_size"] = None
        config["scenes"]["demo"].pop("scale", None)
    config["methods"] = methods
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def run(workdir: Path, cores: int, rerun_triggers: list[str] | None) -> bool:
    """Run the workflow there (what is done already is kept; a failed stage does not stop the others); its output goes to workdir/benchmark.log."""
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", str(cores), "--keep-going"]
    if rerun_triggers:
        command += ["--rerun-triggers", *rerun_triggers]
    with (workdir / "benchmark.log").open("w") as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    return result.returncode == 0


def object_share(workdir: Path) -> tuple[float, float]:
    """Mean share of mask pixels over the scene's frames: all objects together, and per true object."""
    masks = sorted((workdir / "results" / "demo" / "masks").glob("*.png"))
    total = float(np.mean([(np.asarray(Image.open(path)) > 0).mean() for path in masks]))
    count = json.loads((workdir / "resources" / "demo" / "truth.json").read_text())["count"]
    return total, total / count


def stage_seconds(workdir: Path, stages: list[str]) -> tuple[dict[str, float], float]:
    """Seconds per stage (Snakemake's benchmark files; missing when the stage did not finish) and the peak memory in MB."""
    seconds, peak_mb = {}, 0.0
    for stage in stages:
        tsv = workdir / "benchmarks" / ("demo_scene.tsv" if stage == "demo_scene" else f"demo/{stage}.tsv")
        if not tsv.is_file():
            continue
        with tsv.open() as handle:
            record = next(csv.DictReader(handle, delimiter="\t"))
        seconds[stage] = float(record["s"])
        peak_mb = max(peak_mb, float(record["max_rss"]) if record["max_rss"] not in ("", "NA", "-") else 0.0)
    return seconds, peak_mb


def method_row(name: str, workdir: Path, method: str, share: tuple[float, float], comparison: dict) -> dict:
    """The table's row of one method on one scene; `failed` where its evaluation is missing."""
    seconds, peak_mb = stage_seconds(workdir, SHARED_STAGES + list(METHODS[method].stages))
    row = {"scene": name, "method": method, "share_total": share[0], "share_per_object": share[1], "rgb_s": seconds.get("nerf_rgb"),
           "method_s": sum(seconds.get(stage, 0.0) for stage in METHODS[method].stages), "train_s": seconds.get(METHODS[method].training_stage, 0.0),
           "peak_mb": peak_mb}
    metrics_path = workdir / "results" / "demo" / method / "eval" / "metrics.json"
    if not metrics_path.is_file():
        log = workdir / "logs" / "demo"
        errors = [line.strip() for path in sorted(log.glob("*.log")) for line in path.read_text(errors="replace").splitlines() if " ERROR " in line or "Error" in line]
        return {**row, "failed": errors[-1][:160] if errors else "see benchmark.log"}
    metrics = json.loads(metrics_path.read_text())
    compared = comparison.get(method, {})
    density_path = workdir / "results" / "demo" / "analysis" / "density_summary.json"
    if method == "invnerf" and density_path.is_file():
        # How the fine-tuning changed the field's median optical depth on object and on background rays (after / before).
        density = json.loads(density_path.read_text())
        row["object_depth_x"] = density["object"]["optical_depth_ratio"]
        row["background_depth_x"] = density["background"]["optical_depth_ratio"]
    return {
        **row,
        "true": metrics.get("count_true"),
        "predicted": metrics["count_predicted"],
        "per_class": ",".join(f"{count}" for _, count in sorted(metrics.get("count_per_class", {}).items())),
        "f1": metrics.get("matching", {}).get("f1"),
        "iou": metrics["iou_mean"],  # per class; None for FruitNeRF on a multi-class scene
        "iou_1class": metrics.get("iou_one_class_mean"),
        # Only InvNeRF-Seg renders a colour; the baselines' masks are binary, so their match is 0 or 1 by construction.
        "colour_match": metrics.get("object_colour_match") if method == "invnerf" else None,
        "psnr": metrics["psnr_mean"],
        "p_iou": compared.get("p_iou_vs_invnerf"),
        "p_iou_1class": compared.get("p_iou_one_class_vs_invnerf"),
    }


def print_table(rows: list[dict]) -> None:
    """Markdown table of the rows."""
    columns = ["scene", "method", "share_total", "share_per_object", "true", "predicted", "per_class", "f1", "iou", "iou_1class", "colour_match", "psnr",
               "p_iou", "p_iou_1class", "object_depth_x", "background_depth_x", "rgb_s", "train_s", "method_s", "peak_mb"]

    def cell(row: dict, column: str) -> str:
        value = row.get(column)
        if value is None or value == "":
            return ""
        if column.startswith("share"):
            return f"{100 * value:.2f}%"
        if column.endswith("_depth_x"):
            return f"x{value:.2f}"
        if column in ("f1", "iou", "iou_1class", "colour_match", "p_iou", "p_iou_1class"):
            return f"{value:.3g}" if column.startswith("p_") else f"{value:.3f}"
        if column == "psnr":
            return f"{value:.2f}"
        return f"{value:.0f}" if isinstance(value, float) else str(value)

    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = [cell(row, c) for c in columns]
        if "failed" in row:
            cells[columns.index("true"):columns.index("psnr") + 1] = ["failed: " + row["failed"].replace("|", "/")] + [""] * (columns.index("psnr") - columns.index("true"))
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="one working directory per scene goes here")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--scenes", nargs="*", default=list(SCENES), choices=list(SCENES))
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--preset", help="run every scene with this preset of the config (e.g. paper, on a CUDA GPU) instead of its own")
    parser.add_argument(
        "--rerun-triggers", nargs="*", choices=["mtime", "params", "input", "software-env", "code"],
        help="Snakemake's rerun triggers (all by default); leave out code to keep the stages of an earlier run in --out whose scripts changed since",
    )
    parser.add_argument("--table-only", action="store_true", help="print the table of the scenes already run under --out, running nothing")
    parser.add_argument("--stages", action="store_true", help="after the table, each scene's stages: time, peak memory, rays per second")
    args = parser.parse_args()
    rows = []
    for name in args.scenes:
        workdir = args.out / name
        scene = {**SCENES[name], "preset": args.preset or SCENES[name]["preset"]}
        if args.table_only and not (workdir / "results" / "demo" / "masks").is_dir():
            continue
        if not args.table_only:
            prepare(workdir, scene, args.methods)
            print(f"{name}: running in {workdir}", flush=True)
            run(workdir, args.cores, args.rerun_triggers)
        comparison_path = workdir / "results" / "demo" / "comparison.json"
        comparison = {row["method"]: row for row in json.loads(comparison_path.read_text())["methods"]} if comparison_path.is_file() else {}
        share = object_share(workdir)
        rows += [method_row(name, workdir, method, share, comparison) for method in args.methods]
        print_table(rows)
        sys.stdout.flush()
        (args.out / "benchmark.json").write_text(json.dumps(rows, indent=2))
    if args.stages:
        for name in args.scenes:
            timings_path = args.out / name / "results" / "timings.csv"
            if timings_path.is_file():
                with timings_path.open(newline="") as handle:
                    print(f"\n{name}\n\n{stage_profile(list(csv.DictReader(handle)), set(TRAINING_STAGES))}")


if __name__ == "__main__":
    main()
