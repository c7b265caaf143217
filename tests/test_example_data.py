"""The example inputs in data/ stay valid: each is read by the code a user's copy of it would meet."""

from pathlib import Path

import numpy as np

from invnerf_seg.annotations import import_annotations
from invnerf_seg.masks import read_labels
from invnerf_seg.mobilesam import read_prompts
from invnerf_seg.truth import read_truth
from tests.test_masks import make_frames
from tests.workflow_runs import REPO

DATA = REPO / "data"


def test_the_example_annotation_rasterises_into_pod_masks(tmp_path: Path):
    make_frames(tmp_path / "frames", n=1, size=(64, 48))
    written, classes = import_annotations(DATA / "labelme", tmp_path / "frames", tmp_path / "masks")
    assert classes == {"pod": 1}
    labels = read_labels(written[0])
    assert labels[12, 16] == 1 and labels[30, 44] == 1 and labels[40, 5] == 0
    assert 40 < int(np.count_nonzero(labels)) < 200  # a small polygon and a circle of radius 5


def test_the_example_prompts_are_read_for_their_key_frames():
    sizes = {f"frame_{index:05d}.png": (320, 240) for index in range(1, 30)}
    prompts = read_prompts(DATA / "prompts" / "soy.json", sizes, every_frame=False)
    assert sorted(prompts) == ["frame_00001.png", "frame_00021.png"]
    assert [obj["id"] for obj in prompts["frame_00001.png"]] == [1, 2]


def test_the_example_truth_file_is_valid():
    truth = read_truth(DATA / "truth" / "tree.json")
    assert truth["count"] == len(truth["centres"]) == len(truth["radii"]) == 2
