"""Provided masks: checked against the frames, normalised, and pictured."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.masks import MaskError, check_mask_set, import_provided_masks, overlay_sheet, read_labels, write_overlays
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
    assert (read_labels(tmp_path / "out" / "frame_00001.png") > 0).sum() == 8
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


def square_mask(value: int, dtype=np.uint8) -> np.ndarray:
    mask = np.zeros((24, 32), dtype=dtype)
    mask[5:10, 5:10] = value
    return mask


@pytest.mark.parametrize(
    "image",
    [
        Image.fromarray(square_mask(1)),  # 0/1 8-bit
        Image.fromarray(square_mask(1, np.uint16)),  # 0/1 16-bit
        Image.fromarray(square_mask(65535, np.uint16)),  # 0/65535 16-bit
        Image.fromarray(np.dstack([np.zeros((24, 32, 3), np.uint8), square_mask(255)]), mode="RGBA"),  # object only in alpha
    ],
    ids=["zero-one-8bit", "zero-one-16bit", "full-16bit", "alpha-only"],
)
def test_common_binary_exports_are_read_as_drawn(tmp_path: Path, image: Image.Image) -> None:
    image.save(tmp_path / "mask.png")
    labels = read_labels(tmp_path / "mask.png", encoding="binary")
    assert (labels == 255).sum() == 25 and labels[5, 5] == 255


def test_instance_ids_above_255_are_refused(tmp_path: Path) -> None:
    Image.fromarray(square_mask(300, np.uint16)).save(tmp_path / "mask.png")
    with pytest.raises(MaskError, match="mask.png holds id 300"):
        read_labels(tmp_path / "mask.png", encoding="instance")


@pytest.mark.parametrize(
    "value, encoding, message",
    [
        (0, "binary", "all 3 masks in .* are empty .*encoding: binary"),
        (100, "binary", "all 3 masks .* are empty"),  # drawn below the binary threshold
        (255, "binary", "inverted"),
    ],
)
def test_a_mask_set_without_object_or_all_object_is_refused(tmp_path: Path, value: int, encoding: str, message: str) -> None:
    make_frames(tmp_path / "frames")
    for i in range(1, 4):
        write_png(tmp_path / "mine" / f"frame_{i:05d}.png", np.full((24, 32), value, dtype=np.uint8))
    written = import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", encoding)
    with pytest.raises(MaskError, match=message):
        check_mask_set(written, "provided")


def test_empty_masks_among_others_are_listed_and_shown(tmp_path: Path) -> None:
    make_frames(tmp_path / "frames", n=6)
    for i in range(1, 7):
        write_png(tmp_path / "mine" / f"frame_{i:05d}.png", square_mask(0 if i == 3 else 255))
    written = import_provided_masks(tmp_path / "mine", tmp_path / "frames", tmp_path / "out", "binary")
    empty = check_mask_set(written, "provided")
    assert empty == ["frame_00003.png"]
    overlays = write_overlays(tmp_path / "frames", tmp_path / "out", tmp_path / "overlays")
    assert np.asarray(Image.open(overlays[2]))[0, 16].tolist() == [255, 0, 0]  # framed in red
    assert np.asarray(Image.open(overlays[1]))[0, 16].tolist() != [255, 0, 0]
    overlay_sheet(overlays, tmp_path / "sheet.png", max_tiles=3, columns=3, flagged=empty)
    sheet = np.asarray(Image.open(tmp_path / "sheet.png"))
    assert [sheet[0, 32 * k + 16].tolist() == [255, 0, 0] for k in range(3)] == [False, True, False]  # frames 1, 3 (empty), 6
