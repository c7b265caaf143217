"""The RGB and mask datasets share frames and cameras, resized consistently."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.mask_colours import BINARY_CLASS, CLASSES_FILE, WHITE, read_classes
from invnerf_seg.nerf_data import DatasetError, build_datasets, resize_factor
from tests.conftest import write_png


def transforms_for(n: int, width: int = 64, height: int = 48) -> dict:
    return {
        "camera_model": "OPENCV", "w": width, "h": height, "fl_x": 60.0, "fl_y": 60.0, "cx": 32.0, "cy": 24.0,
        "k1": 0.01, "k2": 0.0, "p1": 0.0, "p2": 0.0,
        "frames": [{"file_path": f"images/frame_{i:05d}.png", "transform_matrix": np.eye(4).tolist()} for i in range(1, n + 1)],
    }


def make_inputs(root: Path, n: int = 3) -> None:
    for i in range(1, n + 1):
        write_png(root / "frames" / f"frame_{i:05d}.png", np.full((48, 64, 3), 100, dtype=np.uint8))
        mask = np.zeros((48, 64), dtype=np.uint8)
        mask[10:20, 10:20] = 255
        write_png(root / "masks" / f"frame_{i:05d}.png", mask)


def test_both_datasets_share_one_transforms_and_are_resized(tmp_path: Path):
    make_inputs(tmp_path)
    shared = build_datasets(transforms_for(3), tmp_path / "frames", tmp_path / "masks", tmp_path / "rgb", tmp_path / "mask", max_width=32)
    rgb_text = (tmp_path / "rgb" / "transforms.json").read_text()
    assert rgb_text == (tmp_path / "mask" / "transforms.json").read_text()
    assert (shared["w"], shared["h"], shared["fl_x"], shared["cx"], shared["k1"]) == (32, 24, 30.0, 16.0, 0.01)
    assert Image.open(tmp_path / "rgb" / "images" / "frame_00001.png").size == (32, 24)
    mask_image = np.asarray(Image.open(tmp_path / "mask" / "images" / "frame_00001.png"))
    assert mask_image.shape == (24, 32, 3) and mask_image[7, 7].tolist() == [255, 255, 255] and mask_image[0, 0].tolist() == [0, 0, 0]
    assert json.loads(rgb_text)["frames"][0]["file_path"] == "images/frame_00001.png"
    assert read_classes(tmp_path / "mask" / CLASSES_FILE) == {BINARY_CLASS: WHITE}


def test_multiclass_masks_become_one_colour_per_value(tmp_path: Path):
    make_inputs(tmp_path)
    two_pods = np.zeros((48, 64), dtype=np.uint8)
    two_pods[10:20, 10:20], two_pods[10:20, 30:40] = 1, 2
    write_png(tmp_path / "masks" / "frame_00002.png", two_pods)
    build_datasets(transforms_for(3), tmp_path / "frames", tmp_path / "masks", tmp_path / "rgb", tmp_path / "mask", None, multiclass=True)
    classes = read_classes(tmp_path / "mask" / CLASSES_FILE)
    assert sorted(classes) == [1, 2, 255] and len(set(classes.values())) == 3
    image = np.asarray(Image.open(tmp_path / "mask" / "images" / "frame_00002.png"))
    assert image[15, 15].tolist() == [round(255 * c) for c in classes[1]]
    assert image[15, 35].tolist() == [round(255 * c) for c in classes[2]]
    assert image[30, 30].tolist() == [0, 0, 0]


def test_missing_mask_stops_before_training(tmp_path: Path):
    make_inputs(tmp_path)
    (tmp_path / "masks" / "frame_00002.png").unlink()
    with pytest.raises(DatasetError, match="frame_00002.png is missing"):
        build_datasets(transforms_for(3), tmp_path / "frames", tmp_path / "masks", tmp_path / "rgb", tmp_path / "mask", None)


def test_transforms_without_frames_is_refused(tmp_path: Path):
    with pytest.raises(DatasetError, match="lists no frames"):
        build_datasets(transforms_for(0), tmp_path, tmp_path, tmp_path / "rgb", tmp_path / "mask", None)


def test_helpers():
    assert resize_factor(320, 160) == 0.5 and resize_factor(100, 160) == 1.0 and resize_factor(320, None) == 1.0


def test_frames_without_a_pose_stay_out_of_both_datasets(tmp_path: Path):
    make_inputs(tmp_path, n=3)
    transforms = transforms_for(3)
    del transforms["frames"][1]  # COLMAP could not register frame 2
    build_datasets(transforms, tmp_path / "frames", tmp_path / "masks", tmp_path / "rgb", tmp_path / "mask", None)
    for dataset in ("rgb", "mask"):
        assert sorted(p.name for p in (tmp_path / dataset / "images").iterdir()) == ["frame_00001.png", "frame_00003.png"]
