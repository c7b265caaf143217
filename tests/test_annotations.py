"""LabelMe / AnyLabeling JSON annotations rasterised into class-coded masks."""

import json
from pathlib import Path

import numpy as np
import pytest

from invnerf_seg.annotations import import_annotations
from invnerf_seg.masks import MaskError, read_labels
from tests.test_masks import make_frames


def write_annotation(path: Path, shapes: list[dict], size: tuple[int, int] = (32, 24)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "5.4.1", "imagePath": path.stem + ".png", "imageWidth": size[0], "imageHeight": size[1], "shapes": shapes}))


def test_polygons_rectangles_and_circles_become_class_ids(tmp_path: Path):
    make_frames(tmp_path / "frames", n=2)
    write_annotation(tmp_path / "ann" / "frame_00001.json", [
        {"label": "pod", "shape_type": "polygon", "points": [[2, 2], [10, 2], [10, 10], [2, 10]]},
        {"label": "bean", "shape_type": "rectangle", "points": [[20, 4], [28, 12]]},
    ])
    write_annotation(tmp_path / "ann" / "frame_00002.json", [{"label": "pod", "shape_type": "circle", "points": [[16, 12], [20, 12]]}])
    written, classes = import_annotations(tmp_path / "ann", tmp_path / "frames", tmp_path / "out")
    assert classes == {"bean": 1, "pod": 2}  # sorted names: the same id in every frame
    first = read_labels(written[0])
    assert first[5, 5] == 2 and first[8, 24] == 1 and first[20, 16] == 0
    assert (first == 2).sum() == 81  # the 8x8 square polygon, edges included
    second = read_labels(written[1])
    assert second[12, 16] == 2 and second[12, 25] == 0 and abs(int((second == 2).sum()) - round(np.pi * 16)) < 12
    assert json.loads((tmp_path / "out" / "label_ids.json").read_text()) == classes


def test_a_frame_without_annotation_is_named(tmp_path: Path):
    make_frames(tmp_path / "frames", n=2)
    write_annotation(tmp_path / "ann" / "frame_00001.json", [])
    with pytest.raises(MaskError, match="1 frame.*no annotation.*frame_00002.png"):
        import_annotations(tmp_path / "ann", tmp_path / "frames", tmp_path / "out")


def test_an_annotation_for_another_image_size_is_named(tmp_path: Path):
    make_frames(tmp_path / "frames", n=1)
    write_annotation(tmp_path / "ann" / "frame_00001.json", [], size=(64, 48))
    with pytest.raises(MaskError, match="frame_00001.json is for a 64x48 image but its frame is 32x24"):
        import_annotations(tmp_path / "ann", tmp_path / "frames", tmp_path / "out")


@pytest.mark.parametrize(
    "shape, message",
    [
        ({"label": "pod", "shape_type": "polygon", "points": [[1, 1], [2, 2]]}, "needs a label and at least 3 points"),
        ({"label": "pod", "shape_type": "linestrip", "points": [[1, 1], [2, 2]]}, "linestrip"),
        ({"shape_type": "polygon", "points": [[1, 1], [2, 2], [3, 1]]}, "needs a label"),
        ({"label": "pod", "shape_type": "polygon", "points": [[1, 1], ["a", 2], [3, 1]]}, "two numbers"),
        ({"label": "pod", "shape_type": "polygon", "points": [[1, 1, 1], [2, 2, 2], [3, 1, 1]]}, "two numbers"),
        ("pod at 1,1", "not str"),
        ({"label": "pod", "shape_type": "polygon", "points": [[100, 100], [120, 100], [110, 120]]}, "wholly outside the 32x24 image"),
    ],
)
def test_bad_shapes_are_named(tmp_path: Path, shape, message):
    make_frames(tmp_path / "frames", n=1)
    write_annotation(tmp_path / "ann" / "frame_00001.json", [shape])
    with pytest.raises(MaskError, match=f"frame_00001.json, shape 1: .*{message}"):
        import_annotations(tmp_path / "ann", tmp_path / "frames", tmp_path / "out")


def test_not_json_is_named(tmp_path: Path):
    make_frames(tmp_path / "frames", n=1)
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "frame_00001.json").write_text("{not json")
    with pytest.raises(MaskError, match="cannot read annotation .*frame_00001.json"):
        import_annotations(tmp_path / "ann", tmp_path / "frames", tmp_path / "out")
