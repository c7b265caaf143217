"""A small posed dataset in the FruitNeRF layout, rendered from a demo plant with its true cameras."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from invnerf_seg.demo_scene import SceneSpec, build_scene, focal_length, orbit_camera_to_world, render


def write_posed_dataset(root: Path, n_views: int = 6, width: int = 64, height: int = 48, image_format: str = "jpg") -> dict:
    """images/, semantics/ and transforms.json (with semantic_path), in the plant's own world frame."""
    spec = SceneSpec(seed=5, n_fruits=3, width=width, height=height, supersampling=1)
    scene = build_scene(spec)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "semantics").mkdir(exist_ok=True)
    focal = focal_length(spec)
    transforms = {
        "camera_model": "OPENCV", "fl_x": focal, "fl_y": focal, "cx": width / 2, "cy": height / 2, "w": width, "h": height,
        "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0,
        "applied_transform": [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, -1, 0]],  # must not move the workflow's world
        "frames": [],
    }
    for i in range(n_views):
        c2w = orbit_camera_to_world(scene, spec, i / n_views)
        image, instances = render(scene, spec, c2w)
        name = f"view_{i:03d}"
        Image.fromarray(image).save(root / "images" / f"{name}.{image_format}")
        Image.fromarray(np.where(instances > 0, 255, 0).astype(np.uint8)).save(root / "semantics" / f"{name}.png")
        transforms["frames"].append({
            "file_path": f"images/{name}.{image_format}",
            "semantic_path": f"semantics/{name}.png",
            "transform_matrix": c2w.tolist(),
        })
    (root / "transforms.json").write_text(json.dumps(transforms, indent=2))
    truth = {"count": int(len(scene.fruit_centres)), "centres": scene.fruit_centres.tolist(), "radii": scene.fruit_radii.tolist()}
    (root / "truth.json").write_text(json.dumps(truth))
    return transforms
