"""Posed input in the FruitNeRF layout: parsing, the world frame kept, semantics, and bad datasets named."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.masks import MaskError, read_labels
from invnerf_seg.nerf_data import build_datasets
from invnerf_seg.posed_dataset import PosedDatasetError, import_posed_dataset, import_semantics, read_posed_dataset
from tests.posed_data import write_posed_dataset


def test_import_keeps_cameras_and_world_frame_and_drops_applied_transform(tmp_path: Path):
    given = write_posed_dataset(tmp_path / "data")
    transforms = import_posed_dataset(tmp_path / "data", tmp_path / "frames", tmp_path / "poses" / "transforms.json")
    assert sorted(p.name for p in (tmp_path / "frames").glob("*.png")) == [f"view_{i:03d}.png" for i in range(6)]
    assert Image.open(tmp_path / "frames" / "view_000.png").size == (64, 48)
    written = json.loads((tmp_path / "poses" / "transforms.json").read_text())
    assert written == transforms
    assert "applied_transform" not in written  # nerfstudio would move the poses with it
    for key in ("camera_model", "fl_x", "fl_y", "cx", "cy", "w", "h", "k1", "p2"):
        assert written[key] == given[key]
    assert [f["transform_matrix"] for f in written["frames"]] == [f["transform_matrix"] for f in given["frames"]]
    assert written["frames"][0]["file_path"] == "images/view_000.png"


def test_semantics_through_semantic_path_and_by_name(tmp_path: Path):
    write_posed_dataset(tmp_path / "data")
    meta = json.loads((tmp_path / "data" / "transforms.json").read_text())
    (tmp_path / "data" / "semantics" / "view_001.png").rename(tmp_path / "data" / "sem_elsewhere.png")
    meta["frames"][1]["semantic_path"] = "sem_elsewhere.png"
    del meta["frames"][2]["semantic_path"]  # found in semantics/ by its image's name
    (tmp_path / "data" / "transforms.json").write_text(json.dumps(meta))
    written = import_semantics(tmp_path / "data", tmp_path / "masks")
    assert [p.name for p in written] == [f"view_{i:03d}.png" for i in range(6)]
    truth = np.asarray(Image.open(tmp_path / "data" / "sem_elsewhere.png")) > 127
    labels = read_labels(tmp_path / "masks" / "view_001.png")
    assert truth.any() and np.array_equal(labels > 0, truth) and set(np.unique(labels)) <= {0, 255}


def test_per_frame_intrinsics_are_kept_and_scaled_for_training(tmp_path: Path):
    write_posed_dataset(tmp_path / "data")
    meta = json.loads((tmp_path / "data" / "transforms.json").read_text())
    meta["frames"][0]["fl_x"] = 70.0
    (tmp_path / "data" / "transforms.json").write_text(json.dumps(meta))
    transforms = import_posed_dataset(tmp_path / "data", tmp_path / "frames", tmp_path / "transforms.json")
    import_semantics(tmp_path / "data", tmp_path / "masks")
    assert transforms["frames"][0]["fl_x"] == 70.0 and "fl_x" not in transforms["frames"][1]
    shared = build_datasets(transforms, tmp_path / "frames", tmp_path / "masks", tmp_path / "rgb", tmp_path / "mask", max_width=32)
    assert shared["frames"][0]["fl_x"] == 35.0 and shared["fl_x"] == pytest.approx(transforms["fl_x"] / 2)
    assert Image.open(tmp_path / "mask" / "images" / "view_000.png").size == (32, 24)


def edit_transforms(root: Path, change) -> None:
    meta = json.loads((root / "transforms.json").read_text())
    change(meta)
    (root / "transforms.json").write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(frames=[]), "transforms.json lists no frames"),
        (lambda m: m.update(camera_model="FANCY_LENS"), "camera_model 'FANCY_LENS' is not supported"),
        (lambda m: m["frames"][2].update(file_path="images/gone.jpg"), r"frame 3: image .*gone.jpg is missing"),
        (lambda m: m.pop("fl_x"), "frame 1: no fl_x"),
        (lambda m: m.update(w=100), "view_000.jpg is 64x48, .*transforms.json says 100x48"),
        (lambda m: m["frames"][1].update(transform_matrix=[[1, 0, 0]]), "frame 2: transform_matrix is not a finite 4x4"),
        (lambda m: m["frames"][1].update(file_path=m["frames"][0]["file_path"]), "view_000 is used twice"),
        (lambda m: m["frames"][1].update(transform_matrix=[["a", 0, 0, 0]] * 4), "frame 2: transform_matrix is not a finite 4x4 matrix of numbers"),
        (lambda m: m["frames"][1].update(transform_matrix=[[0, 0, 0, 1]] * 3 + [[0, 0, 0, 1]]), "frame 2: transform_matrix has a singular rotation"),
        (lambda m: m["frames"][0].update(file_path="../../etc/passwd"), "frame 1: '../../etc/passwd' lies outside the dataset folder"),
        (lambda m: m["frames"][0].update(file_path="/etc/passwd"), "frame 1: '/etc/passwd' lies outside the dataset folder"),
        (lambda m: m["frames"][0].update(semantic_path="../outside.png"), "frame 1: '../outside.png' lies outside the dataset folder"),
    ],
)
def test_bad_datasets_are_refused_naming_the_file(tmp_path: Path, change, message):
    write_posed_dataset(tmp_path / "data", n_views=3)
    edit_transforms(tmp_path / "data", change)
    with pytest.raises(PosedDatasetError, match=message):
        read_posed_dataset(tmp_path / "data")


def test_missing_transforms_and_missing_semantics_are_named(tmp_path: Path):
    with pytest.raises(PosedDatasetError, match="not found"):
        read_posed_dataset(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PosedDatasetError, match="has no transforms.json"):
        read_posed_dataset(tmp_path / "empty")
    write_posed_dataset(tmp_path / "data", n_views=3)
    (tmp_path / "data" / "semantics" / "view_002.png").unlink()
    with pytest.raises(MaskError, match="semantic mask .*view_002.png of image view_002.jpg is missing"):
        import_semantics(tmp_path / "data", tmp_path / "masks")
    edit_transforms(tmp_path / "data", lambda m: m["frames"][2].pop("semantic_path"))
    with pytest.raises(MaskError, match="1 image.* have no semantic mask.*view_002.jpg"):
        import_semantics(tmp_path / "data", tmp_path / "masks")


def test_a_truncated_image_is_named(tmp_path: Path):
    write_posed_dataset(tmp_path / "data", n_views=3)
    image = tmp_path / "data" / "images" / "view_001.jpg"
    image.write_bytes(image.read_bytes()[:300])
    with pytest.raises(PosedDatasetError, match="cannot read image .*view_001.jpg"):
        read_posed_dataset(tmp_path / "data")
