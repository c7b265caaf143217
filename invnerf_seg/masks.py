"""Segmentation masks: reading what users bring, checking it against the frames, writing it.

Inside the workflow a mask is an 8-bit PNG named like its frame: 0 is
background and any other value is object. The value is the object's id when
the source knows one (instance- or class-coded masks, several prompted
objects) and 255 for plain binary masks, so that later stages can tell
objects apart while the fine-tuning only needs "object or not".
Users bring binary masks (object where the grey value is above 127, or 1 in
a mask that holds only 0 and 1) or instance/class-coded masks (one grey value
per id, 0 background), as 8- or 16-bit grey, RGB, or RGBA whose object is
drawn only in the alpha channel. A mask set is checked as a whole after it is
written: one with no object pixel, or with object nearly everywhere, is
refused, because training on it gives a confident, wrong cloud.
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


# A mask set whose every mask has object in at least this share of its pixels is refused (inverted masks).
FULL_COVER = 0.98
# Why a whole mask set can come out empty, per mask source: what to check.
EMPTY_CAUSES = {
    "provided": "are the objects drawn above grey 127 (or as 1 in 0/1 masks) under `encoding: binary`, "
    "or as non-zero ids under `instance`?",
    "labelme": "do the polygons lie inside the images (points in pixels of the frame)?",
    "dataset": "are the dataset's semantic images blank?",
    "mobilesam": "do the prompts point at the objects, in the key frames' pixels?",
}


class MaskError(ValueError):
    """The masks do not fit the frames."""


def is_point(point: object) -> bool:
    """A pixel position as prompts and annotations give it: [x, y], two finite numbers."""
    return (
        isinstance(point, (list, tuple)) and len(point) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in point)
    )


def grey_values(image: Image.Image) -> np.ndarray:
    """A mask image's values as integers, whatever the PNG's mode.

    16-bit masks keep their values (PIL's conversion to 8 bits would clip
    them); an RGBA or grey+alpha mask whose colour is uniform but whose alpha
    varies is drawn in its alpha channel, as some annotation tools export.
    """
    if image.mode.startswith("I"):
        return np.asarray(image).astype(np.int64)
    grey = np.asarray(image.convert("L")).astype(np.int64)
    if "A" in image.getbands() and grey.min() == grey.max():
        alpha = np.asarray(image.getchannel("A")).astype(np.int64)
        if alpha.min() != alpha.max():
            return alpha
    return grey


def read_labels(path: Path, expected_size: tuple[int, int] | None = None, encoding: str = "instance") -> np.ndarray:
    """A mask as an id image (0 background), checked against the frame size (width, height).

    `binary` reads grey > 127 as object (id 255), or 1 in a mask of only 0
    and 1; `instance` keeps every non-zero value as an object id.
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
    grey = grey_values(image)
    if encoding == "binary":
        zero_one = grey.max() == 1 and grey.min() == 0
        return np.where(grey == 1 if zero_one else grey > 127, BINARY_OBJECT, 0).astype(np.uint8)
    if grey.max() > 255:
        raise MaskError(f"mask {path} holds id {grey.max()}; instance masks take ids 1 to 255")
    return grey.astype(np.uint8)


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


def check_mask_set(masks: list[Path], source: str) -> list[str]:
    """The frames whose mask is empty, once the set as a whole is known to hold objects, and not everywhere.

    Refuses (naming the folder and the likely cause) a set with no object
    pixel at all, or with object in nearly every pixel of every mask.
    """
    if not masks:
        raise MaskError("no masks were written")
    shares = {path.name: float((read_labels(path) > 0).mean()) for path in masks}
    folder = masks[0].parent
    if max(shares.values()) == 0:
        raise MaskError(f"all {len(masks)} masks in {folder} are empty (no object pixel); {EMPTY_CAUSES.get(source, '')}".rstrip("; "))
    if min(shares.values()) >= FULL_COVER:
        raise MaskError(
            f"every mask in {folder} marks object in {FULL_COVER:.0%} or more of its pixels: "
            "are they inverted? The object must be white (or its id), the background black (0)"
        )
    return [name for name, share in shares.items() if share == 0]


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


def mark_empty(image: Image.Image) -> None:
    """A red frame and "empty mask" on an overlay, so that a frame without object stands out on the sheet."""
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, image.width - 1, image.height - 1], outline=(255, 0, 0), width=3)
    draw.text((6, 6), "empty mask", fill=(255, 0, 0))


def write_overlays(frames_dir: Path, masks_dir: Path, out_dir: Path, prompts: dict[str, list[dict]] | None = None) -> list[Path]:
    """One overlay picture per masked frame (with its prompts, when MobileSAM made the mask); empty masks framed in red."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in list_frames(frames_dir):
        mask_path = masks_dir / frame.name
        if not mask_path.is_file():
            continue
        labels = read_labels(mask_path)
        picture = Image.fromarray(overlay(np.asarray(Image.open(frame).convert("RGB")), labels))
        if prompts and frame.name in prompts:
            draw_prompts(picture, prompts[frame.name])
        if not labels.any():
            mark_empty(picture)
        picture.save(out_dir / frame.name)
        written.append(out_dir / frame.name)
    return written


def overlay_sheet(overlays: list[Path], path: Path, max_tiles: int = 12, columns: int = 4, flagged: list[str] = ()) -> None:
    """A contact sheet of overlays evenly spread through the frames, with up to a third of it for `flagged` frames (empty masks)."""
    if not overlays:
        raise MaskError("no masks were written, so there is nothing to picture")
    shown_flagged = [p for p in overlays if p.name in set(flagged)][: max_tiles // 3]
    rest = [p for p in overlays if p not in shown_flagged]
    spread = [rest[i] for i in np.linspace(0, len(rest) - 1, min(max_tiles - len(shown_flagged), len(rest))).astype(int)] if rest else []
    chosen = sorted(set(spread) | set(shown_flagged), key=overlays.index)
    tiles = [np.asarray(Image.open(p).convert("RGB")) for p in chosen]
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    sheet = np.zeros((rows * h, columns * w, 3), dtype=np.uint8)
    for index, tile in enumerate(tiles):
        r, c = divmod(index, columns)
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w] = tile[:h, :w]
    Image.fromarray(sheet).save(path)
