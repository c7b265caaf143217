"""The methods registry is the one list of methods: the config schema and the runs follow it."""

from __future__ import annotations

from pathlib import Path

import yaml

from invnerf_seg.methods import METHODS, RUN_TITLES, trained_runs

REPO = Path(__file__).resolve().parents[1]


def test_the_config_schema_offers_exactly_the_registered_methods():
    schema = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())
    assert schema["properties"]["methods"]["items"]["enum"] == list(METHODS)


def test_every_method_counts_and_evaluates_its_own_cloud():
    for name, method in METHODS.items():
        assert method.stages[-2:] == (f"count_{name}", f"evaluate_{name}")
        assert method.training_stage is None or method.training_stage in method.stages
        assert all(run in RUN_TITLES for run in method.evaluation_runs)


def test_the_runs_a_scene_trains_follow_its_methods():
    assert trained_runs(["sa3d"]) == ["rgb"]
    assert trained_runs(["invnerf", "sa3d", "fruitnerf"]) == ["rgb", "seg", "fruitnerf"]
    assert trained_runs(["fruitnerf"]) == ["rgb", "fruitnerf"]
