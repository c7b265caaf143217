"""The traits table: principal extents of long and round objects, colours from the RGB model at the objects' points, one row per object."""

from pathlib import Path

import numpy as np
import pytest

from invnerf_seg.clustering import NOISE, describe_objects, principal_extents, voxel_diagonal
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


def test_object_colours_are_the_rgb_models_over_each_objects_points_and_outliers_colour_none():
    """Counting labels downsampled points; every cloud point near one takes its label, a stray point far off none."""
    points = np.array([[0.0, 0, 0], [0.01, 0, 0], [1.0, 0, 0], [1.0, 0.01, 0], [5.0, 5.0, 5.0]])
    appearance = np.array([[0.8, 0.1, 0.1], [0.6, 0.1, 0.1], [0.2, 0.9, 0.1], [0.2, 0.7, 0.1], [1.0, 1.0, 1.0]])
    clustered, labels = np.array([[0.005, 0, 0], [1.0, 0.005, 0], [3.0, 0, 0]]), np.array([1, 0, NOISE])
    colours = object_colours(points, appearance, clustered, labels, 3, max_distance=0.05)
    assert colours[:2] == pytest.approx(np.array([[51.0, 204.0, 25.5], [178.5, 25.5, 25.5]]))
    assert np.isnan(colours[2]).all()  # an object with no cloud point near its clustered points


def test_the_colour_radius_is_the_largest_voxel_diagonal():
    decisions = {"1": {"object_diameter": 0.1}, "2": {"object_diameter": 0.2}, "3": {"object_diameter": None}}
    assert voxel_diagonal(decisions, 0.08) == pytest.approx(np.sqrt(3) * 0.016)
    assert voxel_diagonal({}, 0.08) == 0.0


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
