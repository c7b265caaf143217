"""The methods registry is the one list of methods: the config schema, the runs and the step scripts follow it."""

from __future__ import annotations

import json
import re
import runpy
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from snakemake.iocontainers import InputFiles, Namedlist

from invnerf_seg.cloud_io import ObjectCloud, read_ply
from invnerf_seg.held_out_renders import RenderedView, write_renders
from invnerf_seg.mask_colours import BINARY_CLASS, CLASSES_FILE, WHITE, write_classes
from invnerf_seg.methods import METHODS, RUN_TITLES, Method, method_function, trained_runs

REPO = Path(__file__).resolve().parents[1]


def test_the_config_schema_offers_exactly_the_registered_methods():
    schema = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())
    assert schema["properties"]["methods"]["items"]["enum"] == list(METHODS)


def test_every_method_counts_and_evaluates_its_own_cloud():
    for name, method in METHODS.items():
        assert method.stages[-2:] == (f"count_{name}", f"evaluate_{name}")
        assert method.training_stage is None or method.training_stage in method.stages
        assert all(run in RUN_TITLES for run in method.evaluation_runs)
        # a run its cloud stage renders is its own: it trains it, and its evaluation reads it
        assert method.rendered_run is None or (method.training_stage is not None and method.rendered_run in method.evaluation_runs)


def test_the_runs_a_scene_trains_follow_its_methods():
    assert trained_runs(["sa3d"]) == ["rgb"]
    assert trained_runs(["invnerf", "sa3d", "fruitnerf"]) == ["rgb", "seg", "fruitnerf"]
    assert trained_runs(["fruitnerf"]) == ["rgb", "fruitnerf"]


# The toy method of docs/adding_a_method.md: its two functions, as a method module holds them.
def toy_views(renders: dict[str, list[RenderedView]], mask_dataset: Path, cloud: Path | None, settings: dict):
    assert [view.stem for view in renders["rgb"]] == ["view_0001"]  # the rendered views of the entry's run reach it
    true = np.zeros((8, 8, 3))
    true[2:6, 2:6] = 1.0
    rendered = true.copy()
    rendered[2, 2:6] = 0.0  # one row of the object missed: IoU 12/16
    return {"view_0001": 25.0}, [("view_0001", rendered, true)]


def toy_cloud(runs: dict[str, Path], mask_dataset: Path | None, scene: str, settings: dict, progress, report):
    points = np.random.default_rng(0).normal(scale=0.05, size=(200, 3))
    cameras = np.array([[1.0, 0, 0], [-1.0, 0, 0], [0, 1.0, 0], [0, -1.0, 0]])
    run = SimpleNamespace(camera_centres=lambda: cameras, dataparser_transform=np.eye(4)[:3], dataparser_scale=1.0)
    report(f"toy: {len(points)} points, settings {settings}")
    return ObjectCloud(points, np.ones((len(points), 3)), np.full((len(points), 3), 0.5)), run


def toy_entry() -> Method:
    """The entry exactly as the walk-through writes it."""
    text = (REPO / "docs" / "adding_a_method.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    return eval(textwrap.dedent(code).strip(), {"Method": Method})


def run_step(script: str, tmp_path: Path, rule: str, inputs: dict, outputs: dict, params: dict, method: str) -> None:
    """A step script's main() as Snakemake calls it, for the toy method."""
    module = runpy.run_path(str(REPO / "scripts" / script))
    module["main"](SimpleNamespace(
        input=InputFiles(fromdict=inputs), output=Namedlist(fromdict=outputs), params=SimpleNamespace(**params),
        wildcards=SimpleNamespace(scene="plant", method=method), log=[str(tmp_path / f"{rule}.log")], rule=rule,
    ))


def test_a_fourth_method_needs_only_its_entry_and_its_functions(tmp_path: Path, monkeypatch):
    toy = toy_entry()
    monkeypatch.setitem(METHODS, "toy", toy)
    assert trained_runs(["invnerf", "toy"]) == ["rgb", "seg"]
    mask_dataset = tmp_path / "data_mask"
    mask_dataset.mkdir()
    write_classes(mask_dataset / CLASSES_FILE, {BINARY_CLASS: WHITE})
    (tmp_path / "count.json").write_text(json.dumps({"count": 1}))
    (tmp_path / "transforms.json").write_text(json.dumps({"frames": []}))

    run_step("baseline_cloud.py", tmp_path, "toy_cloud", {"rgb_run": str(tmp_path / "rgb")},
             {"cloud": str(tmp_path / "cloud.ply"), "appearance": str(tmp_path / "cloud_rgb.ply"), "picture": str(tmp_path / "cloud.png")},
             {"method": "toy", "settings": {"x": 1}}, "toy")
    points, _ = read_ply(tmp_path / "cloud.ply")
    same_points, appearance = read_ply(tmp_path / "cloud_rgb.ply")
    assert len(points) == 200 and (tmp_path / "cloud.png").is_file()
    assert np.allclose(same_points, points) and np.allclose(appearance, 128 / 255)
    assert "toy: 200 points, settings {'x': 1}" in (tmp_path / "toy_cloud.log").read_text()

    image = np.zeros((8, 8, 3), dtype=np.float32)
    write_renders(tmp_path / "rgb.npz", [RenderedView("view_0001", tmp_path / "view_0001.png", image, image)])
    run_step("evaluate.py", tmp_path, "evaluate_toy",
             {"rgb_renders": str(tmp_path / "rgb.npz"), "mask_dataset": str(mask_dataset), "counts": str(tmp_path / "count.json"),
              "transforms": str(tmp_path / "transforms.json")},
             {name: str(tmp_path / file) for name, file in
              [("metrics", "metrics.json"), ("views", "views.csv"), ("picture", "masks.png"), ("rendered_masks", "masks.npz")]},
             {"iou_threshold": 0.5, "settings": {}, "posed": False}, "toy")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["method"] == "toy" and metrics["psnr_mean"] == 25.0 and metrics["count_predicted"] == 1
    assert metrics["iou_mean"] == pytest.approx(0.75) and metrics["iou_one_class_mean"] == pytest.approx(0.75)


def test_every_registered_function_can_be_imported():
    for method in METHODS.values():
        for reference in (method.views, method.cloud):
            assert reference is None or callable(method_function(reference)), reference
