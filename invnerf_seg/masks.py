"""Segmentation masks: reading what users bring, checking it against the frames, writing it.

Inside the workflow a mask is a PNG named like its frame, 255 where the object
is and 0 elsewhere. Users bring binary masks (object where the grey value is
above 127) or instance/class-coded masks (one grey value per id, 0 background).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

MASK_ENCODINGS = ("binary", "instance")


class MaskError(ValueError):
    """The masks do not fit the frames."""


def read_mask(path: Path, expected_size: tuple[int, int] | None = None, encoding: str = "binary") -> np.ndarray:
    """A boolean object mask from a PNG, checked against the frame size (width, height)."""
    if encoding not in MASK_ENCODINGS:
        raise MaskError(f"unknown mask encoding {encoding!r}; choose one of {MASK_ENCODINGS}")
    try:
        image = Image.open(path)
        image.load()
    except (OSError, ValueError) as error:
        raise MaskError(f"cannot read mask {path}: {error}") from error
    if expected_size is not None and image.size != tuple(expected_size):
        raise MaskError(f"mask {path} is {image.size[0]}x{image.size[1]} but its frame is {expected_size[0]}x{expected_size[1]}")
    grey = np.asarray(image.convert("L"))
    return grey > 127 if encoding == "binary" else grey > 0


def write_mask(mask: np.ndarray, path: Path) -> None:
    """Write a boolean mask as a 0/255 PNG."""
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8)).save(path)


def import_provided_masks(source_dir: Path, frames_dir: Path, out_dir: Path, encoding: str) -> list[Path]:
    """Check the user's masks against every extracted frame and write them in the workflow's form.

    A frame without a mask, a mask of the wrong size or an empty mask set
    stops here with the file named, instead of silently training on less.
    """
    if not source_dir.is_dir():
        raise MaskError(f"mask folder not found: {source_dir}")
    frames = sorted(frames_dir.glob("frame_*.png"))
    if not frames:
        raise MaskError(f"no frames in {frames_dir} to match masks against")
    available = {path.stem for path in source_dir.glob("*.png")}
    if not available:
        raise MaskError(f"mask folder {source_dir} holds no PNG masks")
    missing = [frame.name for frame in frames if frame.stem not in available]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise MaskError(f"{len(missing)} frame(s) have no mask in {source_dir}: {shown} (masks must be named like the frames)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in frames:
        with Image.open(frame) as image:
            size = image.size
        mask = read_mask(source_dir / frame.name, expected_size=size, encoding=encoding)
        write_mask(mask, out_dir / frame.name)
        written.append(out_dir / frame.name)
    return written


def overlay(frame: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int] = (255, 0, 255), alpha: float = 0.55) -> np.ndarray:
    """The frame with its mask tinted, so a user can check a mask at a glance."""
    blended = frame.astype(np.float32).copy()
    blended[mask] = (1 - alpha) * blended[mask] + alpha * np.array(colour, dtype=np.float32)
    return blended.astype(np.uint8)


def overlay_sheet(frames_dir: Path, masks_dir: Path, path: Path, max_tiles: int = 12, columns: int = 4) -> None:
    """A contact sheet of mask overlays over frames evenly spread through the video."""
    frames = sorted(frames_dir.glob("frame_*.png"))
    chosen = [frames[i] for i in np.linspace(0, len(frames) - 1, min(max_tiles, len(frames))).astype(int)]
    tiles = [overlay(np.asarray(Image.open(f).convert("RGB")), read_mask(masks_dir / f.name)) for f in chosen]
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    sheet = np.zeros((rows * h, columns * w, 3), dtype=np.uint8)
    for index, tile in enumerate(tiles):
        r, c = divmod(index, columns)
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w] = tile
    Image.fromarray(sheet).save(path)
