"""Measure prompt carrying on the demo scene against its true fruit masks (an evaluation, not a test).

Takes the demo's COLMAP output (results/<scene>/poses), re-renders the true
fruit instance masks of every extracted frame from the true cameras, lifts
each fruit from its true mask on the key frames (standing in for MobileSAM's
key-frame masks), carries it to every other posed frame and reports how
often the carried points land on the right fruit and how much of the fruit
the carried box holds.

    .venv/bin/python tools/check_prompt_carry.py --keys frame_00001.png frame_00011.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import yaml

from invnerf_seg.cameras import posed_cameras
from invnerf_seg.demo_scene import SceneSpec, build_scene, render
from invnerf_seg.prompt_carry import CarrySettings, KeyObject, SparseModel, carry_prompts, lift_objects

MIN_VISIBLE_PX = 50  # fruits smaller than this in a frame (mostly hidden) are not scored


def true_instances(spec: SceneSpec, cameras: dict[str, list]) -> dict[str, np.ndarray]:
    """The demo's fruit instance image of each extracted frame, rendered from its true camera."""
    scene = build_scene(spec)
    return {name: render(scene, spec, np.asarray(c2w))[1] for name, c2w in sorted(cameras.items())}


def score(carried: dict[str, list[dict]], instances: dict[str, np.ndarray]) -> dict:
    """On-fruit fraction of positive points, box coverage, and fruits visible but not prompted."""
    on_fruit, coverage, missed, scored = [], [], 0, 0
    for name, objects in carried.items():
        labels = instances[name]
        by_id = {obj["id"]: obj for obj in objects}
        for fruit in range(1, int(labels.max()) + 1):
            rows, cols = np.nonzero(labels == fruit)
            if len(rows) < MIN_VISIBLE_PX:
                continue
            scored += 1
            if fruit not in by_id:
                missed += 1
                continue
            prompt = by_id[fruit]
            points = [p for p, label in zip(prompt["points"], prompt["labels"]) if label == 1]
            on_fruit.append(np.mean([labels[int(v), int(u)] == fruit for u, v in points]))
            x0, y0, x1, y1 = prompt["box"]
            coverage.append(np.mean((cols >= x0) & (cols <= x1) & (rows >= y0) & (rows <= y1)))
    return {
        "fruit_views_scored": scored,
        "missed": missed,
        "points_on_fruit_mean": float(np.mean(on_fruit)),
        "views_with_all_points_on_fruit": float(np.mean(np.array(on_fruit) == 1.0)),
        "box_coverage_mean": float(np.mean(coverage)),
        "views_box_covers_90pct": float(np.mean(np.array(coverage) >= 0.9)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--scene", default="demo")
    parser.add_argument("--keys", nargs="+", default=["frame_00001.png", "frame_00011.png"])
    args = parser.parse_args()
    config = yaml.safe_load(Path(args.config).read_text())
    poses = Path("results") / args.scene / "poses"
    transforms = json.loads((poses / "transforms.json").read_text())
    sparse = SparseModel.from_json(json.loads((poses / "sparse.json").read_text()))
    truth = json.loads(Path(config["scenes"][args.scene]["truth"]).read_text())
    instances = true_instances(SceneSpec(**config["demo"]), truth["cameras"])
    keys = [KeyObject(name, {"id": fruit}, instances[name] == fruit) for name in args.keys for fruit in range(1, truth["count"] + 1) if (instances[name] == fruit).sum() >= MIN_VISIBLE_PX]
    settings = CarrySettings(**{k: v for k, v in config["mobilesam"].items() if k != "checkpoint"})
    lifted = lift_objects(keys, sparse, posed_cameras(transforms), settings, "key frames")
    sparse_lifted = sum(1 for obj in lifted.values() if min(obj.points) > 0)
    print(f"{len(lifted)} fruits lifted from {', '.join(args.keys)}: {sparse_lifted} from COLMAP points, {len(lifted) - sparse_lifted} triangulated")
    others = [name for name in instances if name not in args.keys]
    carried = carry_prompts(lifted, sparse, posed_cameras(transforms), others, settings)
    print(json.dumps(score(carried, instances), indent=2))


if __name__ == "__main__":
    main()
