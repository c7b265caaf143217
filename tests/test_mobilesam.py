"""The MobileSAM path with an untrained vit_t model: prompt checks, shapes and mask writing."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.masks import MaskError
from invnerf_seg.mobilesam import load_predictor, read_prompts, segment_frames_with_prompts
from tests.conftest import write_png


def test_untrained_model_writes_one_mask_per_frame(tmp_path: Path):
    write_png(tmp_path / "frames" / "frame_00001.png", np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8))
    prompts = {"frames": {"frame_00001.png": [{"points": [[10, 10], [50, 40]], "labels": [1, 0]}, {"box": [20, 5, 40, 30]}]}}
    (tmp_path / "prompts.json").write_text(json.dumps(prompts))
    written = segment_frames_with_prompts(None, tmp_path / "prompts.json", tmp_path / "frames", tmp_path / "masks")
    assert [p.name for p in written] == ["frame_00001.png"]
    mask = np.asarray(Image.open(written[0]))
    assert mask.shape == (48, 64) and set(np.unique(mask)) <= {0, 255}


@pytest.mark.parametrize(
    "objects, message",
    [
        ([{"points": [[70, 10]], "labels": [1]}], r"point \(70, 10\) lies outside the 64x48 image"),
        ([{"points": [[10, 10]], "labels": [1, 0]}], "one label"),
        ([{"box": [10, 10, 5, 20]}], "box .* is not inside"),
        ([{}], "needs points or a box"),
    ],
)
def test_bad_prompts_are_named(tmp_path: Path, objects, message):
    (tmp_path / "p.json").write_text(json.dumps({"frames": {"frame_00001.png": objects}}))
    with pytest.raises(MaskError, match=message):
        read_prompts(tmp_path / "p.json", {"frame_00001.png": (64, 48)})


def test_frames_without_prompts_are_listed(tmp_path: Path):
    (tmp_path / "p.json").write_text(json.dumps({"frames": {"frame_00001.png": [{"box": [0, 0, 5, 5]}]}}))
    with pytest.raises(MaskError, match="no prompts for 1 frame.*frame_00002.png"):
        read_prompts(tmp_path / "p.json", {"frame_00001.png": (64, 48), "frame_00002.png": (64, 48)})


def test_missing_checkpoint_says_where_to_get_it(tmp_path: Path):
    with pytest.raises(MaskError, match="mobile_sam.pt.*MobileSAM project"):
        load_predictor(tmp_path / "mobile_sam.pt")
