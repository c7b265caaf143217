"""A folder of photos becomes a scene's frames: upright by EXIF, one size, named after the photos."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.photos import PhotoError, import_photos

EXIF_ORIENTATION = 0x0112


def pattern(width: int = 40, height: int = 30) -> np.ndarray:
    """An upright test picture whose top-left corner is red and the rest a gradient: a turn shows."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[..., 1] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    image[..., 2] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    image[:8, :8] = (255, 0, 0)
    return image


def save_turned(path: Path, upright: np.ndarray) -> None:
    """As a phone held sideways stores it: the pixels a quarter turn back, with EXIF orientation 6 to show them upright."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # shown turned 90 degrees clockwise
    Image.fromarray(np.ascontiguousarray(np.rot90(upright, k=1))).save(path, exif=exif, quality=95)


def test_photos_become_upright_frames_named_after_them(tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(pattern()).save(photos / "b_side.png")
    Image.fromarray(pattern()).save(photos / "C_top.JPG", quality=95)
    save_turned(photos / "a_turned.jpeg", pattern())
    (photos / "notes.txt").write_text("taken at noon")
    frames, skipped = import_photos(photos, tmp_path / "frames", max_width=None, min_frames=3)
    assert [frame.name for frame in frames] == ["C_top.png", "a_turned.png", "b_side.png"]
    assert [path.name for path in skipped] == ["notes.txt"]
    turned = np.asarray(Image.open(tmp_path / "frames" / "a_turned.png"))
    assert turned.shape == (30, 40, 3)
    assert np.abs(turned.astype(int) - pattern().astype(int)).mean() < 4  # upright, up to JPEG loss
    assert np.abs(turned[2, 2].astype(int) - (255, 0, 0)).max() < 20  # the red corner is top left again


def test_wide_photos_are_shrunk_like_video_frames(tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("x", "y", "z"):
        Image.fromarray(pattern(80, 60)).save(photos / f"{name}.png")
    frames, _ = import_photos(photos, tmp_path / "frames", max_width=40, min_frames=3)
    assert all(Image.open(frame).size == (40, 30) for frame in frames)


def test_two_sizes_are_refused_naming_the_odd_photo(tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("p1", "p2", "p3"):
        Image.fromarray(pattern()).save(photos / f"{name}.png")
    Image.fromarray(pattern(30, 40)).save(photos / "odd.png")  # portrait, with no EXIF turn
    with pytest.raises(PhotoError, match=r"2 sizes: 3 are 40x30, but odd.png \(30x40\)"):
        import_photos(photos, tmp_path / "frames", None, 3)
    assert not (tmp_path / "frames").exists()


def test_a_turned_photo_has_its_upright_size(tmp_path: Path):
    """A portrait photo stored landscape with an EXIF turn is not of another size than the upright ones."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("p1", "p2"):
        Image.fromarray(pattern()).save(photos / f"{name}.png")
    save_turned(photos / "p3.jpg", pattern())
    frames, _ = import_photos(photos, tmp_path / "frames", None, 3)
    assert len(frames) == 3


@pytest.mark.parametrize("setup, message", [
    (lambda d: [Image.fromarray(pattern()).save(d / f"{n}") for n in ("a.png", "a.jpg", "b.png")], r"share a name.*a\.jpg, a\.png"),
    (lambda d: [(d / "a.jpg").write_bytes(b"not a jpeg"), *[Image.fromarray(pattern()).save(d / f"{n}.png") for n in "bc"]], r"cannot read photo .*a\.jpg"),
    (lambda d: [Image.fromarray(pattern()).save(d / "a.png")], r"holds 1 photo\(s\); at least 3"),
    (lambda d: (d / "readme.md").write_text("x"), "holds no JPEG or PNG photo"),
])
def test_bad_photo_folders_are_refused_by_name(tmp_path: Path, setup, message):
    photos = tmp_path / "photos"
    photos.mkdir()
    setup(photos)
    with pytest.raises(PhotoError, match=message):
        import_photos(photos, tmp_path / "frames", None, 3)
    assert not (tmp_path / "frames").exists() and not (tmp_path / "frames.partial").exists()
