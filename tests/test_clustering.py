"""Clustering and counting on synthetic blobs whose count is known."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from invnerf_seg.clustering import (
    NOISE,
    CountParams,
    convex_halves,
    count_by_class,
    count_objects,
    describe_objects,
    diameter,
    estimate_object_diameter,
    fit_sphere,
    merge_small_clusters,
    split_large_clusters,
    ward_parts,
)

REPO = Path(__file__).resolve().parents[1]


def sphere_surface(centre, radius, n, rng):
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return np.asarray(centre) + radius * directions


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def separate_fruits(rng, n_fruits=6, radius=0.05):
    centres = [(0.3 * i, 0.1 * (i % 2), 0.0) for i in range(n_fruits)]
    return np.concatenate([sphere_surface(c, radius, 800, rng) for c in centres]), np.array(centres)


def test_separate_fruits_are_counted_with_the_given_size(rng):
    points, centres = separate_fruits(rng)
    sampled, labels, decisions = count_objects(points, CountParams(object_diameter=0.1))
    objects = describe_objects(sampled, labels)
    assert len(objects) == 6
    found = np.array(sorted(o["centre"] for o in objects))
    assert np.allclose(found, centres, atol=0.01)
    assert not decisions["estimated"]


def test_size_is_estimated_when_not_given(rng):
    points, _ = separate_fruits(rng)
    assert estimate_object_diameter(points) == pytest.approx(0.1, rel=0.15)
    _, labels, decisions = count_objects(points, CountParams(object_diameter=None))
    assert decisions["estimated"] and labels.max() + 1 == 6


def test_counting_is_scale_free(rng):
    points, _ = separate_fruits(rng)
    _, labels, _ = count_objects(points * 37.0, CountParams(object_diameter=None))
    assert labels.max() + 1 == 6


def test_small_fragment_is_merged_into_its_neighbour(rng):
    points = np.concatenate([sphere_surface((0, 0, 0), 0.05, 500, rng), sphere_surface((1, 0, 0), 0.05, 500, rng), sphere_surface((0.07, 0, 0), 0.005, 30, rng)])
    labels = np.array([0] * 500 + [1] * 500 + [2] * 30)
    merged = merge_small_clusters(points, labels, min_points=150, max_distance=0.05)
    assert set(np.unique(merged)) == {0, 1}
    assert (merged[-30:] == 0).all()


def test_isolated_small_cluster_is_dropped(rng):
    points = np.concatenate([sphere_surface((0, 0, 0), 0.05, 500, rng), sphere_surface((5, 0, 0), 0.005, 20, rng)])
    labels = np.array([0] * 500 + [1] * 20)
    merged = merge_small_clusters(points, labels, min_points=150, max_distance=0.05)
    assert (merged[-20:] == NOISE).all()


@pytest.mark.parametrize("touching", [2, 3])
def test_touching_fruits_are_split(rng, touching):
    blob = np.concatenate([sphere_surface((0.1 * i, 0, 0), 0.05, 600, rng) for i in range(touching)])
    single = sphere_surface((2, 0, 0), 0.05, 600, rng)
    points = np.concatenate([blob, single])
    labels = np.array([0] * len(blob) + [1] * len(single))
    split, _ = split_large_clusters(points, labels, typical_points=600, typical_diameter=0.1, ratio=1.6, max_split=4)
    assert len(np.unique(split[: len(blob)])) == touching
    assert len(np.unique(split[len(blob):])) == 1


def test_dense_single_fruit_is_not_split(rng):
    """Many points alone do not make two fruits: the cluster must also be too wide."""
    points = sphere_surface((0, 0, 0), 0.05, 3000, rng)
    split, _ = split_large_clusters(points, np.zeros(3000, dtype=int), typical_points=600, typical_diameter=0.1, ratio=1.6, max_split=4)
    assert len(np.unique(split)) == 1


def fruits_in_a_row(n, rng):
    """Surfaces of `n` fruits of radius 0.05 along x, each touching the next."""
    return [sphere_surface((0.095 * i, 0, 0), 0.05, 700, rng) for i in range(n)]


@pytest.mark.parametrize("in_a_row", [2, 3, 4])
def test_touching_fruits_in_a_row_beside_others_end_to_end(rng, in_a_row):
    """The fruits standing alone set the typical size; the row is that many times it, and is cut into that many."""
    row = fruits_in_a_row(in_a_row, rng)
    others = [sphere_surface((0.5 * (i + 1), 0.3, 0), 0.05, 700, rng) for i in range(4)]
    _, labels, _ = count_objects(np.concatenate(row + others), CountParams(object_diameter=0.1))
    assert labels.max() + 1 == in_a_row + 4


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("in_a_row", [2, 3, 4])
def test_touching_fruits_in_a_row_alone_are_counted_by_the_rows_shape(in_a_row, seed):
    """No fruit stands alone, so the typical size is the row's own: the row is told by being as wide as one fruit and n times as long."""
    _, labels, decisions = count_objects(np.concatenate(fruits_in_a_row(in_a_row, np.random.default_rng(seed))), CountParams(object_diameter=0.1))
    assert labels.max() + 1 == in_a_row


def test_rows_are_cut_only_when_the_row_split_is_on(rng):
    _, labels, decisions = count_objects(np.concatenate(fruits_in_a_row(3, rng)), CountParams(object_diameter=0.1, row_ratio=0))
    assert labels.max() + 1 == 1 and decisions["split_as_rows"] == 0


def ellipsoid_surface(centre, axes, n, rng):
    """Points on the surface x = centre + axes @ u, |u| = 1 (a pod when one axis is long)."""
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return np.asarray(centre) + directions @ np.asarray(axes).T


def hanging_pod_axes(length_radius=0.12, radius=0.04, hang=(0.3, 0.2, -1.0)):
    """A pod's axes: long along the `hang` direction (tilted, mostly downward)."""
    long = np.asarray(hang) / np.linalg.norm(hang)
    side = np.cross([0.0, 0.0, 1.0], long)
    side /= np.linalg.norm(side)
    return np.stack([long, side, np.cross(long, side)], axis=1) @ np.diag([length_radius, radius, radius]), long


@pytest.mark.parametrize("touch", ["tip", "side"])
def test_a_round_fruit_against_a_pod_is_two(rng, touch):
    """One cluster of about one object's size (the size split leaves it), but not one convex shape: halved by shape.

    At the tip the pod continues the fruit; at the side it hangs straight down beside it, touching its flank.
    """
    axes, long = hanging_pod_axes() if touch == "tip" else hanging_pod_axes(hang=(0.05, 0.0, -1.0))
    pod_centre = (0.05 + 0.12) * long if touch == "tip" else np.array([0.09, 0.0, -0.06])
    fruit, pod = sphere_surface((0, 0, 0), 0.05, 3000, rng), ellipsoid_surface(pod_centre, axes, 6000, rng)
    sampled, labels, decisions = count_objects(np.concatenate([fruit, pod]), CountParams(object_diameter=0.1))
    assert labels.max() + 1 == 2 and decisions["split_by_shape"] == 1
    objects = describe_objects(sampled, labels)
    assert sorted(round(o["length"] / 0.1) for o in objects) == [1, 2]  # the fruit 0.1 long, the pod 0.24


def test_one_convex_object_stays_one_whatever_its_shape(rng):
    """A pod, a round fruit and a cap seen from one side are each one object: their halves' hulls fill nearly all of theirs."""
    axes, _ = hanging_pod_axes()
    directions = rng.normal(size=(6000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    cap = 0.05 * directions[directions[:, 0] > 0]
    for points in (ellipsoid_surface((0, 0, 0), axes, 6000, rng), sphere_surface((0, 0, 0), 0.05, 3000, rng), cap):
        assert convex_halves(points)[0] > CountParams().hull_ratio
        _, labels, decisions = count_objects(points, CountParams(object_diameter=0.1))
        assert labels.max() + 1 == 1 and decisions["split_by_shape"] == 0


@pytest.mark.parametrize("length_to_width", [1.6, 2.0, 3.0])
def test_a_long_object_alone_stays_one_with_the_diameter_its_mask_gives(rng, length_to_width):
    """A pod alone: its mask's disc-equivalent diameter is sqrt(length x width), wider than the pod is, so it is no row."""
    width = 0.08
    axes, _ = hanging_pod_axes(length_radius=length_to_width * width / 2, radius=width / 2)
    _, labels, decisions = count_objects(ellipsoid_surface((0, 0, 0), axes, 6000, rng), CountParams(object_diameter=np.sqrt(length_to_width) * width))
    assert labels.max() + 1 == 1 and decisions["split_as_rows"] == 0


def test_a_zigzag_of_floaters_is_not_halved(rng):
    """Not convex, but neither are its halves: no two objects, so the shape split leaves it (halving it would count pieces of junk)."""
    corners = np.array([[0.05 * i, 0.3 * (i % 2), 0.1 * (i % 3)] for i in range(9)])
    t = rng.random((8, 1500, 1))
    zigzag = (corners[:-1, None] + t * (corners[1:, None] - corners[:-1, None])).reshape(-1, 3) + rng.normal(scale=0.01, size=(8 * 1500, 3))
    assert convex_halves(zigzag)[0] < CountParams().hull_ratio
    _, _, decisions = count_objects(zigzag, CountParams(object_diameter=0.1))
    assert decisions["split_by_shape"] == 0


def test_the_shape_split_can_be_turned_off(rng):
    axes, long = hanging_pod_axes()
    points = np.concatenate([sphere_surface((0, 0, 0), 0.05, 3000, rng), ellipsoid_surface(0.17 * long, axes, 6000, rng)])
    _, labels, _ = count_objects(points, CountParams(object_diameter=0.1, hull_ratio=0.0, row_ratio=0.0))
    assert labels.max() + 1 == 1


def test_diameter_of_a_sphere_surface(rng):
    assert diameter(sphere_surface((0, 0, 0), 0.5, 5000, rng)) == pytest.approx(1.0, rel=0.02)


def test_empty_cloud_counts_zero():
    sampled, labels, _ = count_objects(np.zeros((0, 3)), CountParams(object_diameter=0.1))
    assert len(sampled) == 0 and describe_objects(sampled, labels) == []


def test_a_seen_cap_gives_the_object_centre_and_size(rng):
    # Only the camera-facing half of a fruit is in the cloud: its mean is off-centre, the sphere is not.
    points = sphere_surface((1.0, 2.0, 3.0), 0.05, 600, rng)
    cap = points[points[:, 2] > 3.0]
    centre, radius = fit_sphere(cap)
    assert np.allclose(centre, (1.0, 2.0, 3.0), atol=0.003) and radius == pytest.approx(0.05, rel=0.05)
    (obj,) = describe_objects(cap, np.zeros(len(cap), dtype=int))
    assert obj["size_from"] == "sphere" and obj["diameter"] == pytest.approx(0.1, rel=0.05)
    assert obj["volume"] == pytest.approx(np.pi / 6 * 0.1**3, rel=0.15)
    assert np.linalg.norm(cap.mean(axis=0) - (1.0, 2.0, 3.0)) > 0.02


def test_a_flat_patch_falls_back_to_the_spread(rng):
    patch = np.column_stack([rng.uniform(0, 0.1, 200), rng.uniform(0, 0.1, 200), np.zeros(200)])
    (obj,) = describe_objects(patch, np.zeros(200, dtype=int))
    assert obj["size_from"] == "spread" and np.allclose(obj["centre"], patch.mean(axis=0))


def test_touching_objects_of_two_classes_are_counted_apart(rng):
    # Two pods touching (one cluster by distance), one red and one green, plus a lone red pod.
    red_pod = sphere_surface((0.0, 0.0, 0.0), 0.05, 600, rng)
    green_pod = sphere_surface((0.09, 0.0, 0.0), 0.05, 600, rng)
    lone = sphere_surface((0.5, 0.0, 0.0), 0.05, 600, rng)
    points = np.concatenate([red_pod, green_pod, lone])
    colours = np.concatenate([np.tile([0.9, 0.1, 0.1], (600, 1)), np.tile([0.1, 0.9, 0.1], (600, 1)), np.tile([0.9, 0.1, 0.1], (600, 1))])
    classes = {1: (1.0, 0.0, 0.0), 2: (0.0, 1.0, 0.0)}
    counted = count_by_class(points, colours, classes, CountParams(object_diameter=0.1))
    assert counted.per_class == {"1": 2, "2": 1}
    assert sorted(obj["id"] for obj in counted.objects) == [0, 1, 2]
    assert [obj["class"] for obj in counted.objects] == [1, 1, 2]
    assert len(counted.points) == len(counted.labels) and counted.labels.max() == 2


def test_ward_on_a_subset_splits_as_well_as_ward_on_all(rng):
    blob = np.concatenate([sphere_surface((0.1 * i, 0, 0), 0.05, 3000, rng) for i in range(2)])
    def purity(parts):  # the share of points in their sphere's majority part
        return (np.bincount(parts[:3000]).max() + np.bincount(parts[3000:]).max()) / 6000

    assert purity(ward_parts(blob, 2, max_points=1000)) >= purity(ward_parts(blob, 2)) - 0.05 > 0.8


MILLION_POINT_COUNT = """
import resource, json
import numpy as np
from invnerf_seg.clustering import CountParams, count_objects
rng = np.random.default_rng(0)
def shell(centre, radius, n):
    v = rng.normal(size=(n, 3))
    return np.asarray(centre) + radius * v / np.linalg.norm(v, axis=1, keepdims=True)
giant = shell((0, 0, 0), 0.5, 1_000_000)  # one cluster ten objects wide
small = [shell((2 + 0.3 * i, 0, 0), 0.05, 10_000) for i in range(10)]  # as dense as the giant
_, labels, decisions = count_objects(np.concatenate([giant] + small), CountParams(object_diameter=0.1))
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "count": int(labels.max() + 1),
                  "subset": decisions["clusters_split_on_a_subset"]}))
"""


def test_a_million_point_cluster_is_counted_within_2_gb():
    """Ward on the whole cluster would ask for terabytes; the count stage stays under 2 GB."""
    result = subprocess.run([sys.executable, "-c", MILLION_POINT_COUNT], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["peak_mb"] < 2048 and report["subset"] == 1 and report["count"] == 10 + 4


def test_a_single_fruit_with_floaters_is_one(rng):
    """One fruit and two small floaters: the median of all three clusters would be a floater's, which would then pass for an object."""
    fruit = sphere_surface((0, 0, 0), 0.05, 4000, rng)
    floaters = [sphere_surface((0.4, 0, 0), 0.012, 300, rng), sphere_surface((0, 0.5, 0), 0.008, 120, rng)]
    _, labels, decisions = count_objects(np.concatenate([fruit, *floaters]), CountParams(object_diameter=0.1))
    assert labels.max() + 1 == 1
    assert decisions["typical_from"].startswith("1 of 3 clusters")
