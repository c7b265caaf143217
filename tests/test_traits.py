"""The traits table: principal extents of long and round objects, colours read through the masks, one row per object."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.clustering import describe_objects, principal_extents
from invnerf_seg.summary import traits_of, write_csv
from invnerf_seg.traits import TRAIT_COLUMNS, object_colours, traits_rows


def capsule_surface(length: float, radius: float, n: int, rng: np.random.Generator, axis: np.ndarray) -> np.ndarray:
    """Points on a capsule (a pod) of total `length` along `axis`."""
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    along = rng.uniform(-(length / 2 - radius), length / 2 - radius, size=n)
    local = radius * directions + np.outer(along, [1.0, 0, 0])
    # the x axis turned onto `axis`
    axis = axis / np.linalg.norm(axis)
    helper = np.array([0, 0, 1.0]) if abs(axis[2]) < 0.9 else np.array([0, 1.0, 0])
    second = np.cross(axis, helper)
    second /= np.linalg.norm(second)
    return local @ np.stack([axis, second, np.cross(axis, second)])


def test_a_pod_is_long_and_a_fruit_round():
    rng = np.random.default_rng(0)
    pod = principal_extents(capsule_surface(0.12, 0.015, 20000, rng, np.array([1.0, 2.0, 0.5])))
    assert pod[0] == pytest.approx(0.12, rel=0.05) and pod[1] == pytest.approx(0.03, rel=0.05) and pod[2] == pytest.approx(0.03, rel=0.05)
    fruit = principal_extents(capsule_surface(0.06, 0.03, 20000, rng, np.array([0, 0, 1.0])))  # a sphere
    assert fruit == pytest.approx([0.06, 0.06, 0.06], rel=0.05)


def test_object_colours_are_read_where_the_masks_mark_object(tmp_path: Path):
    """Two objects in front of one camera: each takes the colour of its own pixels, and background pixels are never read."""
    width, height, focal = 64, 48, 50.0
    transforms = {"fl_x": focal, "fl_y": focal, "cx": 32.0, "cy": 24.0, "w": width, "h": height,
                  "frames": [{"file_path": "images/view.png", "transform_matrix": np.eye(4).tolist()}]}  # OpenGL: looks down -z
    points = np.array([[-0.2, 0.0, -1.0], [-0.21, 0.01, -1.0], [0.2, 0.0, -1.0], [0.0, 0.3, -1.0]])
    labels = np.array([0, 0, 1, 1])
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), dtype=np.uint8)
    frame[:, :32] = (200, 30, 20)   # left: the red object
    frame[:, 32:] = (240, 220, 10)  # right: the yellow one
    mask[20:28, 18:24] = 1          # around the first object's points
    mask[20:28, 40:46] = 1          # around the second's first point; its other point lies on unmasked background
    (tmp_path / "frames").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(frame).save(tmp_path / "frames" / "view.png")
    Image.fromarray(mask).save(tmp_path / "masks" / "view.png")
    colours = object_colours(points, labels, 2, transforms, tmp_path / "frames", tmp_path / "masks")
    assert colours.tolist() == [[200, 30, 20], [240, 220, 10]]
    assert np.isnan(object_colours(points[:1] + [0, 5, 0], labels[:1], 1, transforms, tmp_path / "frames", tmp_path / "masks")).all()


def test_one_row_per_object_and_the_summary_names_scene_and_method(tmp_path: Path):
    rng = np.random.default_rng(1)
    points = np.concatenate([capsule_surface(0.1, 0.01, 500, rng, np.array([1.0, 0, 0])), 0.5 + capsule_surface(0.04, 0.02, 500, rng, np.array([1.0, 0, 0]))])
    labels = np.repeat([0, 1], 500)
    objects = describe_objects(points, labels)
    rows = traits_rows(objects, np.array([[10.2, 200.0, 30.0], [np.nan] * 3]), "scene units (COLMAP, arbitrary scale)")
    assert [row["object_id"] for row in rows] == [0, 1] and set(rows[0]) == set(TRAIT_COLUMNS)
    assert rows[0]["length"] == pytest.approx(0.1, rel=0.05) and rows[1]["length"] == pytest.approx(0.04, rel=0.05)
    assert (rows[0]["colour_r"], rows[1]["colour_r"]) == (10, "")
    path = tmp_path / "results" / "plant" / "invnerf" / "traits.csv"
    path.parent.mkdir(parents=True)
    write_csv(path, TRAIT_COLUMNS, rows)
    summary = traits_of(path)
    assert [(row["scene"], row["method"], row["object_id"]) for row in summary] == [("plant", "invnerf", "0"), ("plant", "invnerf", "1")]
    assert summary[0]["unit"] == "scene units (COLMAP, arbitrary scale)"
