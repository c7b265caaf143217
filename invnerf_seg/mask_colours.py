"""Mask ids as the colours the fine-tuning learns, and predicted colours back to classes.

InvNeRF-Seg fine-tunes the RGB model on masks given as images. With one
class, objects are white on black, as in the paper. With several classes
(`masks.multiclass`, the paper's double-pod case), each mask value gets its
own colour from the corners of the RGB cube, so that the same MSE loss
teaches the field which class is where, and the export tells them apart by
the colour the field predicts.

A predicted colour matches a class colour as well as its worst channel
does: a channel the class has on must be bright, a channel it has off must
be dark. For white this is the darkest channel (the "whiteness").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # counting reads mask colours without torch, whose import takes seconds
    import torch

CLASSES_FILE = "classes.json"  # beside a mask dataset: mask value -> the colour it was trained as
WHITE = (1.0, 1.0, 1.0)
BINARY_CLASS = 255
# Saturated, far apart colours; at most this many classes.
CLASS_COLOURS = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, 1.0, 0.0), (1.0, 0.0, 1.0), (0.0, 1.0, 1.0), WHITE]


class ClassError(ValueError):
    """Masks with more values than there are class colours."""


def class_colours(mask_values: list[int], multiclass: bool) -> dict[int, tuple[float, float, float]]:
    """Colour of each class: one white class for binary fine-tuning, one colour per mask value otherwise."""
    if not multiclass:
        return {BINARY_CLASS: WHITE}
    values = sorted(int(value) for value in mask_values if value > 0)
    if len(values) > len(CLASS_COLOURS):
        raise ClassError(
            f"multiclass masks hold {len(values)} values ({values}); at most {len(CLASS_COLOURS)} classes can be told apart by colour. "
            "Give one value per class, or set masks.multiclass: false"
        )
    return {value: CLASS_COLOURS[index] for index, value in enumerate(values)}


def is_object(mask_image: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    """Boolean [...]: the pixels of mask images [..., C] that show an object, any class: any colour channel over half.

    The one definition every method and measure shares. Mask images are black
    background with white or a class colour on the objects; 8-bit images are
    over 127, float images (nerfstudio's, 0 to 1) over 0.5.
    """
    if isinstance(mask_image, np.ndarray):
        return mask_image[..., :3].max(axis=-1) > (127 if mask_image.dtype == np.uint8 else 0.5)
    return mask_image[..., :3].amax(dim=-1) > (127 if str(mask_image.dtype) == "torch.uint8" else 0.5)  # a torch tensor


def colour_image(labels: np.ndarray, classes: dict[int, tuple[float, float, float]]) -> np.ndarray:
    """An 8-bit RGB image: each object pixel in its class colour, background black."""
    image = np.zeros((*labels.shape, 3), dtype=np.uint8)
    if list(classes) == [BINARY_CLASS]:
        image[labels > 0] = 255
        return image
    for value, colour in classes.items():
        image[labels == value] = np.round(np.asarray(colour) * 255).astype(np.uint8)
    return image


def class_scores(rgb: np.ndarray | torch.Tensor, classes: dict[int, tuple[float, float, float]]) -> np.ndarray | torch.Tensor:
    """How well each predicted colour [..., 3] matches each class colour: [..., n_classes], in [0, 1].

    numpy arrays (counting, evaluation) and torch tensors (the export, on its device) alike.
    """
    on = np.array([[channel > 0.5 for channel in colour] for colour in classes.values()])  # [n_classes, 3]
    colours = rgb[..., None, :]
    if isinstance(rgb, np.ndarray):
        return np.where(on, colours, 1.0 - colours).min(axis=-1)
    return colours.where(colours.new_tensor(on).bool(), 1.0 - colours).amin(dim=-1)


def classify(rgb: np.ndarray, classes: dict[int, tuple[float, float, float]], threshold: float) -> np.ndarray:
    """The class value of each colour [..., 3], 0 where no class matches better than `threshold`."""
    scores = class_scores(np.asarray(rgb, dtype=np.float32), classes)
    values = np.array(list(classes), dtype=int)
    return np.where(scores.max(axis=-1) > threshold, values[scores.argmax(axis=-1)], 0)


def read_classes(path: Path) -> dict[int, tuple[float, float, float]]:
    """The class colours a mask dataset was written with (its classes.json)."""
    return {int(value): tuple(colour) for value, colour in json.loads(Path(path).read_text())["classes"].items()}


def write_classes(path: Path, classes: dict[int, tuple[float, float, float]]) -> None:
    """Record the class colours beside the mask dataset, for the export, counting and evaluation."""
    Path(path).write_text(json.dumps({"classes": {str(value): list(colour) for value, colour in classes.items()}}, indent=2))
