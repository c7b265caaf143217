"""The MobileSAM path with an untrained vit_t model: prompt checks, shapes and mask writing."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from invnerf_seg.cameras import project
from invnerf_seg.masks import MaskError
from invnerf_seg.mobilesam import load_predictor, read_prompts, segment_frames_with_prompts
from invnerf_seg.prompt_carry import SparseModel
from tests.conftest import write_png
from tests.test_prompt_carry import CAMERA, looking_down


def test_untrained_model_writes_one_id_mask_per_frame(tmp_path: Path):
    write_png(tmp_path / "frames" / "frame_00001.png", np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8))
    prompts = {"frames": {"frame_00001.png": [{"points": [[10, 10], [50, 40]], "labels": [1, 0]}, {"id": 7, "box": [20, 5, 40, 30]}]}}
    (tmp_path / "prompts.json").write_text(json.dumps(prompts))
    written, used = segment_frames_with_prompts(None, tmp_path / "prompts.json", tmp_path / "frames", tmp_path / "masks")
    assert [p.name for p in written] == ["frame_00001.png"]
    mask = np.asarray(Image.open(written[0]))
    assert mask.shape == (48, 64) and set(np.unique(mask)) <= {0, 1, 7}  # the first object got id 1
    assert [obj["id"] for obj in used["frame_00001.png"]] == [1, 7]


def test_prompts_on_one_key_frame_are_carried_to_the_other_posed_frames(tmp_path: Path):
    """Key frame prompts + a toy COLMAP model: every posed frame gets carried prompts and a mask."""
    rng = np.random.default_rng(1)
    for i in (1, 2, 3):
        write_png(tmp_path / "frames" / f"frame_{i:05d}.png", rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
    poses = {"frame_00001.png": looking_down(5.0), "frame_00002.png": looking_down(4.0)}  # frame 3 has no pose
    transforms = {**CAMERA, "frames": [{"file_path": f"images/{name}", "transform_matrix": c2w.tolist()} for name, c2w in poses.items()]}
    # Sparse points on a grid over the ground plane: whatever the untrained model's key mask covers holds some.
    grid = np.stack(np.meshgrid(np.arange(-3.2, 3.3, 0.2), np.arange(-2.4, 2.5, 0.2)), axis=-1).reshape(-1, 2)
    points = {i + 1: np.array([x, y, 0.0]) for i, (x, y) in enumerate(grid)}
    key_pixels, _ = project(np.array(list(points.values())), poses["frame_00001.png"], CAMERA)
    sparse = SparseModel(points, {"frame_00001.png": (key_pixels, np.array(list(points))), "frame_00002.png": (key_pixels[:0], np.zeros(0, int))})
    torch.manual_seed(0)  # the untrained model's mask is arbitrary but not empty with this seed
    prompts = {"frames": {"frame_00001.png": [{"id": 3, "box": [0, 0, 128, 96]}]}}
    (tmp_path / "prompts.json").write_text(json.dumps(prompts))
    written, used = segment_frames_with_prompts(None, tmp_path / "prompts.json", tmp_path / "frames", tmp_path / "masks", geometry=(transforms, sparse))
    assert [p.name for p in written] == ["frame_00001.png", "frame_00002.png"]  # frame 3 (no pose) is dropped
    carried = used["frame_00002.png"]
    assert [obj["id"] for obj in carried] == [3] and set(carried[0]["labels"]) == {1}
    expected, _ = project(np.array(list(points.values())), poses["frame_00002.png"], CAMERA)
    for u, v in carried[0]["points"]:
        assert np.min(np.linalg.norm(expected - [u, v], axis=1)) < 1e-6
    assert set(np.unique(np.asarray(Image.open(written[1])))) <= {0, 3}


@pytest.mark.parametrize(
    "objects, message",
    [
        ([{"points": [[70, 10]], "labels": [1]}], r"point \(70, 10\) lies outside the 64x48 image"),
        ([{"points": [[10, 10]], "labels": [1, 0]}], "one label"),
        ([{"box": [10, 10, 5, 20]}], "box .* is not inside"),
        ([{}], "needs points or a box"),
        ([{"id": 0, "box": [1, 1, 5, 5]}], "id must be an integer from 1 to 254"),
        ([{"points": [["10", 10]], "labels": [1]}], "every point must be two numbers"),
        ([{"points": [[10, 10, 1]], "labels": [1]}], "every point must be two numbers"),
        ([{"box": "10 10 20 20"}], "a box is four numbers"),
    ],
)
def test_bad_prompts_are_named(tmp_path: Path, objects, message):
    (tmp_path / "p.json").write_text(json.dumps({"frames": {"frame_00001.png": objects}}))
    with pytest.raises(MaskError, match=message):
        read_prompts(tmp_path / "p.json", {"frame_00001.png": (64, 48)}, every_frame=False)


def test_frames_without_prompts_are_listed_when_nothing_can_carry_prompts(tmp_path: Path):
    (tmp_path / "p.json").write_text(json.dumps({"frames": {"frame_00001.png": [{"box": [0, 0, 5, 5]}]}}))
    sizes = {"frame_00001.png": (64, 48), "frame_00002.png": (64, 48)}
    with pytest.raises(MaskError, match="no prompts for 1 frame.*frame_00002.png"):
        read_prompts(tmp_path / "p.json", sizes, every_frame=True)
    assert list(read_prompts(tmp_path / "p.json", sizes, every_frame=False)) == ["frame_00001.png"]


def test_prompts_for_an_unknown_frame_are_named(tmp_path: Path):
    (tmp_path / "p.json").write_text(json.dumps({"frames": {"frame_00009.png": [{"box": [0, 0, 5, 5]}]}}))
    with pytest.raises(MaskError, match="names frame_00009.png, which is not a frame of this scene"):
        read_prompts(tmp_path / "p.json", {"frame_00001.png": (64, 48)}, every_frame=False)


def test_missing_checkpoint_says_where_to_get_it(tmp_path: Path):
    with pytest.raises(MaskError, match="mobile_sam.pt.*MobileSAM project"):
        load_predictor(tmp_path / "mobile_sam.pt")


@pytest.mark.parametrize("content", [b"not a checkpoint at all", b"\x80\x02}q\x00."])  # garbage; an empty pickled dict
def test_a_file_that_is_not_the_weights_is_named(tmp_path: Path, content: bytes):
    (tmp_path / "mobile_sam.pt").write_bytes(content)
    with pytest.raises(MaskError, match="cannot load MobileSAM checkpoint .*mobile_sam.pt .*weights/mobile_sam.pt"):
        load_predictor(tmp_path / "mobile_sam.pt")
