"""tools/benchmark.py's scenes: valid configs whose plants the generator can build, spanning small to large object shares."""

import importlib.util
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml

from invnerf_seg.demo_scene import SceneSpec, build_scene, orbit_camera_to_world, render

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("benchmark", REPO / "tools" / "benchmark.py")
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)


def object_share(demo: dict, views: int = 4) -> float:
    """Mean share of fruit pixels over a few orbit views, at a small size."""
    scene_spec = SceneSpec(**{**demo, "width": 160, "height": 120, "supersampling": 1})
    scene = build_scene(scene_spec)
    return float(np.mean([(render(scene, scene_spec, orbit_camera_to_world(scene, scene_spec, i / views))[1] > 0).mean() for i in range(views)]))


@pytest.mark.parametrize("name", list(benchmark.SCENES))
def test_each_scene_is_a_valid_config(tmp_path: Path, name: str):
    benchmark.prepare(tmp_path, benchmark.SCENES[name], list(benchmark.METHODS))
    config = yaml.safe_load((tmp_path / "config" / "config.yaml").read_text())
    jsonschema.validate(config, yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text()))
    assert config["methods"] == ["invnerf", "sa3d", "fruitnerf"]


def test_scenes_span_small_to_large_object_shares():
    shares = {name: object_share(scene["demo"]) for name, scene in benchmark.SCENES.items() if scene["demo"].get("orbit_centre") != "fruits"}
    assert min(shares.values()) < 0.002, shares  # a single small fruit on a whole plant
    assert max(shares.values()) > 0.06, shares
    assert any(0.002 <= share < 0.005 for share in shares.values()), shares
    assert any(scene["demo"]["n_fruits"] >= 40 for scene in benchmark.SCENES.values())
