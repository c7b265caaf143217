"""Provided masks: checked against the frames, normalised, and pictured."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.masks import MaskError, import_provided_masks, overlay_sheet, read_labels, read_object_mask, write_overlays
from tests.conftest import write_png


def make_frames(folder: Path, n: int = 3, size: tuple[int, int] = (32, 24)) -> None:
    for i in range(1, n + 1):
        write_png(folder / f"frame_{i:05d}.png", np.full((size[1], size[0], 3), 40 * i, dtype=np.uint8))


def test_binary_masks_are_thresholded_and_written(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames")
    for i in range(1, 4):
        mask = np.zeros((24, 32), dtype=np.uint8)
        mask[5:10, 5:10] = 200
        mask[0, 0] = 100  # below the threshold: background
        write_png(tmp_path / "mine" / f"frame_{i:05d}.png", mask)
    written = import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", "binary")
    assert len(written) == 3
    result = np.asarray(Image.open(written[0]))
    assert set(np.unique(result)) == {0, 255}
    assert (result == 255).sum() == 25


def test_instance_masks_keep_every_object_and_its_id(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames", n=1)
    mask = np.zeros((24, 32), dtype=np.uint8)
    mask[2:4, 2:4], mask[10:12, 10:12] = 1, 2
    write_png(tmp_path / "mine" / "frame_00001.png", mask)
    import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", "instance")
    assert read_object_mask(tmp_path / "out" / "frame_00001.png").sum() == 8
    labels = read_labels(tmp_path / "out" / "frame_00001.png")
    assert labels[2, 2] == 1 and labels[10, 10] == 2 and labels[0, 0] == 0


def test_missing_mask_is_named(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames")
    write_png(tmp_path / "mine" / "frame_00001.png", np.zeros((24, 32), dtype=np.uint8))
    with pytest.raises(MaskError, match="2 frame.*frame_00002.png, frame_00003.png"):
        import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", "binary")


def test_wrong_size_is_named(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames", n=1)
    write_png(tmp_path / "mine" / "frame_00001.png", np.zeros((10, 10), dtype=np.uint8))
    with pytest.raises(MaskError, match="frame_00001.png is 10x10 but its frame is 32x24"):
        import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", "binary")


def test_empty_mask_folder_is_refused(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames", n=1)
    (tmp_path / "mine").mkdir()
    with pytest.raises(MaskError, match="holds no .png files"):
        import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", "binary")


def test_overlays_per_frame_and_a_sheet(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames", n=5)
    for i in range(1, 5):  # frame 5 has no mask (no pose): no overlay either
        labels = np.zeros((24, 32), dtype=np.uint8)
        labels[:, :10], labels[:, 20:] = 1, 2
        write_png(tmp_path / "masks" / f"frame_{i:05d}.png", labels)
    prompts = {"frame_00001.png": [{"points": [[5, 5]], "labels": [1], "box": [0, 0, 9, 23]}]}
    overlays = write_overlays(tmp_path / "frames", tmp_path / "masks", tmp_path / "overlays", prompts)
    assert [p.name for p in overlays] == [f"frame_{i:05d}.png" for i in range(1, 5)]
    second = np.asarray(Image.open(overlays[1]))
    assert not np.array_equal(second[5, 5], second[5, 25])  # two ids, two colours
    assert np.asarray(Image.open(overlays[0]))[5, 5].tolist() == [0, 255, 0]  # the positive point is drawn
    overlay_sheet(overlays, tmp_path / "sheet.png", columns=4)
    assert Image.open(tmp_path / "sheet.png").size == (4 * 32, 1 * 24)
