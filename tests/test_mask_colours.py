"""Mask values as class colours, and predicted colours back to classes."""

import numpy as np
import pytest

from invnerf_seg.mask_colours import (
    BINARY_CLASS,
    WHITE,
    ClassError,
    class_colours,
    classify,
    colour_image,
    is_object,
    read_classes,
    write_classes,
)


def test_binary_masks_are_white_whatever_their_values():
    classes = class_colours([0, 1, 2], multiclass=False)
    assert classes == {BINARY_CLASS: WHITE}
    image = colour_image(np.array([[0, 1, 2]]), classes)
    assert image.tolist() == [[[0, 0, 0], [255, 255, 255], [255, 255, 255]]]


def test_each_class_gets_its_own_colour_and_comes_back_from_it(tmp_path):
    classes = class_colours([0, 3, 7], multiclass=True)
    assert list(classes) == [3, 7] and classes[3] != classes[7]
    image = colour_image(np.array([[0, 3, 7]]), classes) / 255.0
    noisy = np.clip(image * 0.8 + 0.1, 0, 1)  # a field never predicts exact colours
    assert classify(noisy, classes, threshold=0.5).tolist() == [[0, 3, 7]]
    write_classes(tmp_path / "classes.json", classes)
    assert read_classes(tmp_path / "classes.json") == classes


def test_whiteness_is_the_darkest_channel():
    rgb = np.array([[0.9, 0.9, 0.2], [0.6, 0.7, 0.65]])
    assert classify(rgb, {BINARY_CLASS: WHITE}, threshold=0.5).tolist() == [0, BINARY_CLASS]


def test_too_many_classes_for_the_colours_is_refused():
    with pytest.raises(ClassError, match="at most 7 classes"):
        class_colours(list(range(1, 9)), multiclass=True)


def test_an_object_pixel_is_any_colour_over_half_in_8_bit_float_and_torch():
    import torch

    image = np.zeros((2, 2, 3), dtype=np.uint8)
    image[0, 0] = 255
    image[1, 1] = (0, 0, 255)  # a class colour, not white
    image[0, 1] = 127  # dark grey: background
    expected = [[True, False], [False, True]]
    assert is_object(image).tolist() == expected
    assert is_object(image / 255.0).tolist() == expected
    assert is_object(torch.from_numpy(image)).tolist() == expected
    assert is_object(torch.from_numpy(image).float() / 255).tolist() == expected
