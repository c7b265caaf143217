"""Segmentation masks: reading what users bring, checking it against the frames, writing it.

Inside the workflow a mask is an 8-bit PNG named like its frame: 0 is
background and any other value is object. The value is the object's id when
the source knows one (instance- or class-coded masks, several prompted
objects) and 255 for plain binary masks, so that later stages can tell
objects apart while the fine-tuning only needs "object or not".
Users bring binary masks (object where the grey value is above 127) or
instance/class-coded masks (one grey value per id, 0 background).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from invnerf_seg.frames import frame_size, list_frames

MASK_ENCODINGS = ("binary", "instance")
BINARY_OBJECT = 255
# Distinct overlay colours per object id (id 255, a binary object, gets the first).
PALETTE = np.array(
    [[255, 0, 255], [0, 220, 255], [255, 200, 0], [0, 255, 90], [255, 80, 80], [120, 120, 255], [255, 140, 0], [170, 255, 0]],
    dtype=np.float32,
)


class MaskError(ValueError):
    """The masks do not fit the frames."""


def read_labels(path: Path, expected_size: tuple[int, int] | None = None, encoding: str = "instance") -> np.ndarray:
    """A mask as an id image (0 background), checked against the frame size (width, height).

    `binary` reads grey > 127 as object (id 255); `instance` keeps every
    non-zero grey value as an object id.
    """
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
    if encoding == "binary":
        return np.where(grey > 127, BINARY_OBJECT, 0).astype(np.uint8)
    return grey.astype(np.uint8)


def read_object_mask(path: Path, expected_size: tuple[int, int] | None = None) -> np.ndarray:
    """A workflow mask as a boolean object mask (any id counts as object)."""
    return read_labels(path, expected_size, encoding="instance") > 0


def write_labels(labels: np.ndarray, path: Path) -> None:
    """Write an id image (bool masks become 0/255) as an 8-bit PNG."""
    if labels.dtype == bool:
        labels = np.where(labels, BINARY_OBJECT, 0)
    Image.fromarray(labels.astype(np.uint8), mode="L").save(path)


def frames_covered_by(source_dir: Path, frames_dir: Path, suffix: str, kind: str) -> list[Path]:
    """The frames, once the user's folder is known to hold a `suffix` file named like each of them.

    A missing folder, an empty one or a frame without its file stops here,
    naming them, instead of silently training on less.
    """
    if not source_dir.is_dir():
        raise MaskError(f"{kind} folder not found: {source_dir}")
    frames = list_frames(frames_dir)
    if not frames:
        raise MaskError(f"no frames in {frames_dir} to match {kind}s against")
    available = {path.stem for path in source_dir.glob(f"*{suffix}")}
    if not available:
        raise MaskError(f"{kind} folder {source_dir} holds no {suffix} files")
    missing = [frame.name for frame in frames if frame.stem not in available]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise MaskError(f"{len(missing)} frame(s) have no {kind} in {source_dir}: {shown} (they must be named like the frames)")
    return frames


def import_provided_masks(source_dir: Path, frames_dir: Path, out_dir: Path, encoding: str) -> list[Path]:
    """Check the user's PNG masks against every frame (names, sizes) and write them in the workflow's form."""
    frames = frames_covered_by(source_dir, frames_dir, ".png", "mask")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in frames:
        labels = read_labels(source_dir / frame.name, expected_size=frame_size(frame), encoding=encoding)
        write_labels(labels, out_dir / frame.name)
        written.append(out_dir / frame.name)
    return written


def overlay(frame: np.ndarray, labels: np.ndarray, alpha: float = 0.55) -> np.ndarray:
    """The frame with each object id tinted in its own colour, to check a mask at a glance."""
    blended = frame.astype(np.float32).copy()
    for index, label in enumerate(sorted(set(np.unique(labels).tolist()) - {0})):
        where = labels == label
        colour = PALETTE[0] if label == BINARY_OBJECT else PALETTE[index % len(PALETTE)]
        blended[where] = (1 - alpha) * blended[where] + alpha * colour
    return blended.astype(np.uint8)


def draw_prompts(image: Image.Image, objects: list[dict]) -> None:
    """Draw point prompts (green object, red background) and boxes (yellow) on an overlay."""
    draw = ImageDraw.Draw(image)
    for obj in objects:
        if "box" in obj:
            draw.rectangle(list(obj["box"]), outline=(255, 230, 0))
        for (x, y), label in zip(obj.get("points", []), obj.get("labels", [])):
            colour = (0, 255, 0) if label == 1 else (255, 0, 0)
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour, outline=(0, 0, 0))


def write_overlays(frames_dir: Path, masks_dir: Path, out_dir: Path, prompts: dict[str, list[dict]] | None = None) -> list[Path]:
    """One overlay picture per masked frame (with its prompts, when MobileSAM made the mask)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in list_frames(frames_dir):
        mask_path = masks_dir / frame.name
        if not mask_path.is_file():
            continue
        picture = Image.fromarray(overlay(np.asarray(Image.open(frame).convert("RGB")), read_labels(mask_path)))
        if prompts and frame.name in prompts:
            draw_prompts(picture, prompts[frame.name])
        picture.save(out_dir / frame.name)
        written.append(out_dir / frame.name)
    return written


def overlay_sheet(overlays: list[Path], path: Path, max_tiles: int = 12, columns: int = 4) -> None:
    """A contact sheet of overlays evenly spread through the frames."""
    if not overlays:
        raise MaskError("no masks were written, so there is nothing to picture")
    chosen = [overlays[i] for i in np.linspace(0, len(overlays) - 1, min(max_tiles, len(overlays))).astype(int)]
    tiles = [np.asarray(Image.open(p).convert("RGB")) for p in chosen]
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    sheet = np.zeros((rows * h, columns * w, 3), dtype=np.uint8)
    for index, tile in enumerate(tiles):
        r, c = divmod(index, columns)
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w] = tile[:h, :w]
    Image.fromarray(sheet).save(path)
