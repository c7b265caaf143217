"""The demo plant as a posed dataset in the FruitNeRF layout, to try (and test) the posed-input path.

The views lie on the demo's orbit, rendered from the true cameras; the
transforms.json carries those cameras in the plant's own world frame, so the
workflow's outputs can be compared with the truth without any alignment.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from invnerf_seg.demo_scene import SceneSpec, build_scene, focal_length, orbit_camera_to_world, render, scene_truth


def write_posed_demo(spec: SceneSpec, root: Path, n_views: int, image_format: str = "jpg") -> dict:
    """Write images/, semantics/, transforms.json (with semantic_path) and truth.json; return the transforms."""
    scene = build_scene(spec)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "semantics").mkdir(exist_ok=True)
    focal = focal_length(spec)
    transforms = {
        "camera_model": "OPENCV", "fl_x": focal, "fl_y": focal, "cx": spec.width / 2, "cy": spec.height / 2,
        "w": spec.width, "h": spec.height, "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0,
        # What ns-process-data writes; the workflow must not let it move the poses.
        "applied_transform": [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, -1, 0]],
        "frames": [],
    }
    for i in range(n_views):
        c2w = orbit_camera_to_world(scene, spec, i / n_views)
        image, instances = render(scene, spec, c2w)
        name = f"view_{i:03d}"
        Image.fromarray(image).save(root / "images" / f"{name}.{image_format}", quality=95)
        Image.fromarray(np.where(instances > 0, 255, 0).astype(np.uint8)).save(root / "semantics" / f"{name}.png")
        transforms["frames"].append({"file_path": f"images/{name}.{image_format}", "semantic_path": f"semantics/{name}.png", "transform_matrix": c2w.tolist()})
    (root / "transforms.json").write_text(json.dumps(transforms, indent=2))
    (root / "truth.json").write_text(json.dumps(scene_truth(scene), indent=2))
    return transforms
