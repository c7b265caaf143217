"""Measure the export thresholds on finished scenes with known fruits (an evaluation, not a test).

For each workflow directory given, loads the fine-tuned model of a scene,
samples every training view's rays as the export does, and labels each
visible sample by whether it lies on a true fruit (within 1.25 radii of a
true centre, after aligning the scene's world to the truth's). It then prints,
for a grid of density and whiteness thresholds, how clean the cloud would be
(share of points on fruits) and how complete (share of fruits with at least
`--min-points` points), and the distributions that separate the two.

    .venv/bin/python tools/export_thresholds.py /path/to/workdir [more workdirs] --scene demo
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import yaml

from invnerf_seg.cameras import to_world
from invnerf_seg.evaluation import truth_alignment
from invnerf_seg.export import every_nth_pixel, field_samples
from invnerf_seg.nerf_model import load_run_config, run_dir
from invnerf_seg.surface_selection import transmittance

DENSITIES = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
WHITENESS = [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6]
MIN_TRANSMITTANCE = 0.1
ON_FRUIT_RADII = 1.25


def visible_samples(config_path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World positions, densities and whiteness of the samples a training camera sees (transmittance > 0.1).

    `config_path` is relative to its workflow directory, the current one:
    nerfstudio's config.yml names its data and checkpoints relative to it.
    """
    run = load_run_config(config_path)
    positions, densities, whiteness = [], [], []
    for samples in field_samples(run.pipeline.model, run.train_cameras, every_nth_pixel(2), rays_per_chunk=4096):
        visible = (transmittance(samples.density, samples.deltas) > MIN_TRANSMITTANCE) & (samples.density.squeeze(-1) > min(DENSITIES))
        positions.append(samples.positions[visible].cpu().numpy())
        densities.append(samples.density.squeeze(-1)[visible].cpu().numpy())
        whiteness.append(samples.rgb.min(dim=-1).values[visible].cpu().numpy())
    world = to_world(np.concatenate(positions), run.dataparser_transform, run.dataparser_scale)
    return world, np.concatenate(densities), np.concatenate(whiteness)


def fruit_of(points: np.ndarray, truth: dict) -> np.ndarray:
    """Index of the fruit each truth-frame point lies on, -1 for none."""
    centres, radii = np.asarray(truth["centres"]), np.asarray(truth["radii"])
    relative = np.linalg.norm(points[:, None] - centres[None], axis=2) / radii[None]
    nearest = relative.argmin(axis=1)
    return np.where(relative[np.arange(len(points)), nearest] < ON_FRUIT_RADII, nearest, -1)


def scene_table(workdir: Path, scene: str, min_points: int) -> list[dict]:
    """One row per threshold pair for one scene."""
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    truth = json.loads((workdir / config["scenes"][scene]["truth"]).read_text())
    # The cameras the model was trained with: in metres where the scene has a scale reference, COLMAP's units otherwise.
    transforms = json.loads((workdir / "results" / scene / "nerf" / "data_rgb" / "transforms.json").read_text())
    os.chdir(workdir)
    points, density, whiteness = visible_samples(run_dir(Path("results") / scene / "nerf" / "seg", scene) / "config.yml")
    alignment = truth_alignment(transforms, truth)
    if alignment is not None:
        scale, rotation, translation, _ = alignment
        points = scale * points @ rotation.T + translation
    fruit = fruit_of(points, truth)
    on = fruit >= 0
    for name, values in [("density", density), ("whiteness", whiteness)]:
        print(f"  {name:9s} on fruits    quartiles {np.percentile(values[on], [5, 25, 50, 75, 95]).round(3).tolist()}")
        print(f"  {name:9s} off fruits   quartiles {np.percentile(values[~on], [5, 25, 50, 75, 95]).round(3).tolist()}")
    rows = []
    for min_density in DENSITIES:
        for min_whiteness in WHITENESS:
            kept = (density > min_density) & (whiteness > min_whiteness)
            per_fruit = np.bincount(fruit[kept & on], minlength=len(truth["centres"]))
            rows.append(
                {
                    "min_density": min_density,
                    "min_whiteness": min_whiteness,
                    "points": int(kept.sum()),
                    "on_fruit": float(on[kept].mean()) if kept.any() else 0.0,
                    "fruits_found": float((per_fruit >= min_points).mean()),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdirs", type=Path, nargs="+")
    parser.add_argument("--scene", default="demo")
    parser.add_argument("--min-points", type=int, default=50, help="points a fruit needs to count as found")
    args = parser.parse_args()
    tables = []
    for workdir in [path.resolve() for path in args.workdirs]:
        print(f"{workdir} ({args.scene})")
        tables.append(scene_table(workdir, args.scene, args.min_points))
    print(f"\n{'density':>8} {'white':>6} {'points (min)':>12} {'on fruit (min)':>15} {'fruits found (min)':>19}")
    for index, row in enumerate(tables[0]):
        across = [table[index] for table in tables]
        print(
            f"{row['min_density']:8.1f} {row['min_whiteness']:6.2f} {min(r['points'] for r in across):12d} "
            f"{min(r['on_fruit'] for r in across):15.3f} {min(r['fruits_found'] for r in across):19.3f}"
        )


if __name__ == "__main__":
    main()
