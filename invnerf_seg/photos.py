"""A folder of photos as a scene's frames: upright, one size, named after the photos, ready for COLMAP.

Photos come in any order and under any name (a turntable series, a walk
around a plant with a phone). Each becomes the PNG frame `<photo stem>.png`,
so that per-view results and the user's masks keep the photos' names. A
phone stores a turned photo unturned with an EXIF orientation tag: it is
applied here, as every viewer does, since COLMAP and nerfstudio read the
pixels as stored. COLMAP here poses the frames with one shared camera, so the
photos must be of one size once upright; mixed sizes are refused with the
odd ones named.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Callable

from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
# EXIF orientations that turn the picture a quarter (5 to 8): its upright width and height are swapped.
QUARTER_TURNS = (5, 6, 7, 8)
EXIF_ORIENTATION = 0x0112


class PhotoError(ValueError):
    """The photo folder cannot become a scene's frames."""


def list_photos(folder: Path) -> tuple[list[Path], list[Path]]:
    """The folder's photos in name order, and its other files (skipped); no two photos may share a stem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PhotoError(f"photo folder not found: {folder}")
    files = sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))
    photos = [path for path in files if path.suffix.lower() in PHOTO_SUFFIXES]
    if not photos:
        raise PhotoError(f"photo folder {folder} holds no JPEG or PNG photo ({', '.join(PHOTO_SUFFIXES)})")
    stems = Counter(path.stem for path in photos)
    clashes = [path.name for path in photos if stems[path.stem] > 1]
    if clashes:
        raise PhotoError(f"photos in {folder} share a name but for the extension ({', '.join(clashes)}); each frame is named after its photo: rename one")
    return photos, [path for path in files if path not in photos]


def upright_size(photo: Path) -> tuple[int, int]:
    """(width, height) of a photo as it is shown: after its EXIF orientation, read from the header only."""
    try:
        with Image.open(photo) as image:
            width, height = image.size
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    except (OSError, UnidentifiedImageError) as error:
        raise PhotoError(f"cannot read photo {photo}: {error}") from error
    return (height, width) if orientation in QUARTER_TURNS else (width, height)


def check_one_size(sizes: dict[Path, tuple[int, int]], folder: Path) -> tuple[int, int]:
    """The photos' one upright size; several sizes are refused, naming the photos that differ from the most common."""
    counts = Counter(sizes.values())
    (common, count), *others = counts.most_common()
    if others:
        odd = [f"{path.name} ({width}x{height})" for path, (width, height) in sizes.items() if (width, height) != common]
        raise PhotoError(
            f"photos in {folder} come in {len(counts)} sizes: {count} are {common[0]}x{common[1]}, but {', '.join(odd[:5])}"
            f"{' ...' if len(odd) > 5 else ''}; the frames share one camera: crop or resize them to one size, or leave them out"
        )
    return common


def shrunk_size(size: tuple[int, int], max_width: int | None) -> tuple[int, int]:
    """The frame size of a photo: shrunk to `max_width` (aspect kept) when wider, as video frames are."""
    width, height = size
    if not max_width or width <= max_width:
        return size
    return max_width, max(1, round(height * max_width / width))


def import_photos(folder: Path, out_dir: Path, max_width: int | None, min_frames: int, progress: Callable[[int, int], None] | None = None) -> tuple[list[Path], list[Path]]:
    """Write every photo of `folder` upright as `out_dir/<stem>.png`; return the frames and the skipped files.

    Nothing is written unless every photo is readable and of the one size:
    the frames appear in `out_dir` only once all are written.
    """
    photos, skipped = list_photos(folder)
    if len(photos) < min_frames:
        raise PhotoError(f"photo folder {folder} holds {len(photos)} photo(s); at least {min_frames} are needed (frames.min_frames)")
    size = check_one_size({photo: upright_size(photo) for photo in photos}, Path(folder))
    target = shrunk_size(size, max_width)
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for index, photo in enumerate(photos):
        try:
            with Image.open(photo) as image:
                frame = ImageOps.exif_transpose(image).convert("RGB")
        except (OSError, UnidentifiedImageError) as error:
            shutil.rmtree(staging)
            raise PhotoError(f"cannot read photo {photo}: {error}") from error
        if frame.size != target:
            frame = frame.resize(target, Image.Resampling.LANCZOS)
        frame.save(staging / f"{photo.stem}.png")
        if progress is not None:
            progress(index + 1, len(photos))
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    return sorted(out_dir.glob("*.png")), skipped
