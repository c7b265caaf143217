"""From a segmented point cloud to separate, counted objects.

The steps follow the paper: statistical outlier removal, voxel downsampling,
DBSCAN, merging clusters too small to be an object into a close neighbour,
and splitting clusters too large for one object into 2 to `max_split` parts
with agglomerative (Ward) clustering. Two steps are added. Right after
DBSCAN, clusters the input masks do not show as object are dropped
(`mask_support`): a fine-tuned field's faint colour on distant background
passes the export and clusters like fruit. Before the size split, a cluster
that is not one convex shape (a round fruit touching a pod) is halved,
since touching objects of different shapes are often together no larger
than one object.

Every distance is a fraction of the expected object diameter, so the same
settings hold for a COLMAP scene of arbitrary scale and for a metric dataset.
When the diameter is not given it is estimated from the cloud itself: the
median size of the clusters that a scale-free first pass finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import open3d as o3d
from scipy.spatial import ConvexHull, QhullError, cKDTree
from sklearn.cluster import DBSCAN, AgglomerativeClustering
from sklearn.mixture import GaussianMixture

from invnerf_seg.mask_colours import classify
from invnerf_seg.mask_support import MaskView, cluster_support

NOISE = -1
# Ward's linkage needs n^2/2 distances: 8000 points take 256 MB; larger clusters are split on a subset of this size.
MAX_WARD_POINTS = 8000
# Gaussian mixtures tried per cluster when halving it by shape (one k-means start, the rest random): a single start
# missed the true halves of two touching fruits.
HALVING_TRIES = 6
# A row of touching objects is as wide as one object. One elongated object is not: with the mask-measured diameter D
# (the disc of its mask's area, sqrt(length x width) for an ellipse) an object at least 1.6 times longer than wide is
# at most sqrt(1 / 1.6) = 0.79 D wide (the benchmark's pods 0.68 to 0.78 D), hence the lower bound. A cluster wider
# than 1.5 D is no single object's row either (the benchmark's fuzzy single fruits reach 1.6 D wide, but are round).
ROW_MIN_WIDTH = 0.85
ROW_MAX_WIDTH = 1.5


@dataclass
class CountParams:
    """Counting settings; distances are fractions of the object diameter."""

    object_diameter: float | None = None
    outlier_neighbours: int = 20
    outlier_std_ratio: float = 2.0
    voxel_fraction: float = 0.08
    eps_fraction: float = 0.3
    min_samples: int = 4
    merge_fraction: float = 0.3
    merge_distance_fraction: float = 0.5
    split_ratio: float = 1.6
    max_split: int = 4
    typical_min_fraction: float = 0.6
    hull_ratio: float = 0.82
    row_ratio: float = 1.6
    # Off by default: a cloud alone has no masks to check against. The workflow sets it (config `count`).
    min_mask_support: float = 0.0
    mask_dilation_px: int = 1


def remove_outliers(points: np.ndarray, neighbours: int, std_ratio: float) -> np.ndarray:
    """Points whose mean neighbour distance is not unusually large."""
    if len(points) <= neighbours:
        return points
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    _, kept = cloud.remove_statistical_outlier(nb_neighbors=neighbours, std_ratio=std_ratio)
    return points[np.asarray(kept, dtype=int)]


def voxel_downsample(points: np.ndarray, voxel: float) -> np.ndarray:
    """One point (the mean) per occupied voxel: even density for DBSCAN."""
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    return np.asarray(cloud.voxel_down_sample(voxel).points)


def voxel_diagonal(decisions: dict[str, dict], voxel_fraction: float) -> float:
    """The diagonal of counting's largest voxel (over the classes' decisions): no cloud point lies farther from a clustered point of its own."""
    diameters = [decided["object_diameter"] or 0.0 for decided in decisions.values()]
    return float(np.sqrt(3.0) * voxel_fraction * max(diameters, default=0.0))


def diameter(points: np.ndarray) -> float:
    """Object size from the spread of its points: 2 x RMS distance to the centre.

    For points filling a ball of diameter D this is 0.77 D, for points on its
    surface 1.0 D; robust to a few stray points, unlike the bounding box.
    """
    if len(points) < 2:
        return 0.0
    return float(2.0 * np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))


def estimate_object_diameter(points: np.ndarray, min_samples: int = 8) -> float:
    """Median cluster diameter of a first DBSCAN pass at a scale read off the point spacing."""
    if len(points) < 2 * min_samples:
        return diameter(points)
    tree = cKDTree(points)
    spacing = float(np.median(tree.query(points, k=min_samples + 1)[0][:, -1]))
    labels = DBSCAN(eps=2.0 * spacing, min_samples=min_samples).fit_predict(points)
    sizes = [diameter(points[labels == label]) for label in set(labels) - {NOISE} if (labels == label).sum() >= min_samples]
    return float(np.median(sizes)) if sizes else diameter(points)


def merge_small_clusters(points: np.ndarray, labels: np.ndarray, min_points: float, max_distance: float) -> np.ndarray:
    """Fold clusters with fewer than `min_points` into the nearest large cluster within `max_distance`.

    A small cluster with no large one close by is a floater or a fragment
    and is dropped (labelled noise).
    """
    labels = labels.copy()
    ids, counts = np.unique(labels[labels != NOISE], return_counts=True)
    large = ids[counts >= min_points]
    small = ids[counts < min_points]
    if len(large) == 0:
        return labels
    large_mask = np.isin(labels, large)
    tree = cKDTree(points[large_mask])
    large_labels = labels[large_mask]
    for label in small:
        members = labels == label
        distances, nearest = tree.query(points[members])
        closest = int(np.argmin(distances))
        labels[members] = large_labels[nearest[closest]] if distances[closest] <= max_distance else NOISE
    return labels


def ward_parts(points: np.ndarray, parts: int, max_points: int = MAX_WARD_POINTS, seed: int = 0) -> np.ndarray:
    """Ward clustering into `parts`, on at most `max_points` points.

    Ward's linkage holds every pairwise distance (n^2/2 floats: 2.4 TB for
    780k points), so a larger cluster is clustered on an even random subset
    and every point takes the part of its nearest subset point.
    """
    if len(points) <= max_points:
        return AgglomerativeClustering(n_clusters=parts, linkage="ward").fit_predict(points)
    subset = np.random.default_rng(seed).choice(len(points), size=max_points, replace=False)
    subset_parts = AgglomerativeClustering(n_clusters=parts, linkage="ward").fit_predict(points[subset])
    return subset_parts[cKDTree(points[subset]).query(points)[1]]


def cut_into_parts(points: np.ndarray, labels: np.ndarray, members: np.ndarray, parts: int) -> None:
    """Cut the cluster `members` by Ward linkage into `parts`: the first keeps its label, the others get new ones (in place)."""
    sub = ward_parts(points[members], parts)
    for part in range(1, parts):
        labels[members[sub == part]] = labels.max() + 1


def split_large_clusters(
    points: np.ndarray, labels: np.ndarray, typical_points: float, typical_diameter: float, ratio: float, max_split: int,
) -> tuple[np.ndarray, int]:
    """Split clusters that are both too many points and too wide for one object; also how many were split on a subset.

    The number of parts is the cluster's point count over the typical one,
    clamped to 2..max_split; Ward linkage cuts touching blobs apart.
    """
    labels = labels.copy()
    subsampled = 0
    for label in np.unique(labels[labels != NOISE]):
        members = np.flatnonzero(labels == label)
        parts = int(np.clip(round(len(members) / typical_points), 1, max_split))
        too_big = len(members) > ratio * typical_points and diameter(points[members]) > np.sqrt(ratio) * typical_diameter
        if parts < 2 or not too_big:
            continue
        subsampled += len(members) > MAX_WARD_POINTS
        cut_into_parts(points, labels, members, parts)
    return labels, subsampled


def split_rows(points: np.ndarray, labels: np.ndarray, object_diameter: float, row_ratio: float, max_split: int) -> tuple[np.ndarray, int]:
    """Cut each cluster that is a row of touching objects into as many as its length holds widths; also how many were cut.

    Where no object stands alone (a pair or a row of touching fruits, alone
    in the scene) the typical point count is the row's own, so the size
    split never fires, and three round fruits in a row are nearly one convex
    shape, so the shape split does not either. A row is told by its own
    shape against the object diameter: at least `row_ratio` times longer
    than wide, and as wide as one object (ROW_MIN_WIDTH to ROW_MAX_WIDTH of
    the diameter), which one elongated object such as a pod is not. It is
    cut by Ward linkage into round(length / width) parts, at most
    `max_split`.
    """
    labels = labels.copy()
    cuts = 0
    for label in np.unique(labels[labels != NOISE]):
        members = np.flatnonzero(labels == label)
        length, width, _ = principal_extents(points[members])
        if width <= 0 or length < row_ratio * width or not ROW_MIN_WIDTH * object_diameter <= width <= ROW_MAX_WIDTH * object_diameter:
            continue
        parts = min(round(length / width), max_split)
        if parts < 2:
            continue
        cut_into_parts(points, labels, members, parts)
        cuts += 1
    return labels, cuts


def convex_halves(points: np.ndarray, min_part_points: int = 20) -> tuple[float, np.ndarray] | None:
    """How convex the cluster is, as (hull ratio, which points form its second half); None when it is too small to tell.

    A Gaussian mixture of two components (each with its own shape, so a pod
    and a round fruit each get one) halves the cluster; the ratio is the two
    halves' convex hull volumes over the whole cluster's. One convex object
    halved loses little (0.87 to 0.98 on the benchmark plants' fruits and
    pods, seen whole or as a cap), while two touching objects leave the space
    between them inside the whole's hull only (0.61 to 0.81 for a round fruit
    against a pod, tip or side, and 0.78 for two touching fruits, made in the tests).
    """
    if len(points) < 2 * min_part_points:
        return None
    try:
        whole = ConvexHull(points).volume
    except QhullError:  # flat or degenerate points: nothing to judge the shape by
        return None
    best: tuple[float, np.ndarray] | None = None
    for seed, init in enumerate(["kmeans", *["random_from_data"] * (HALVING_TRIES - 1)]):
        halves = GaussianMixture(n_components=2, covariance_type="full", init_params=init, random_state=seed).fit_predict(points) == 1
        if min(halves.sum(), (~halves).sum()) < min_part_points:
            continue
        try:
            ratio = (ConvexHull(points[halves]).volume + ConvexHull(points[~halves]).volume) / whole
        except QhullError:
            continue
        if best is None or ratio < best[0]:
            best = (float(ratio), halves)
    return best


def split_non_convex(points: np.ndarray, labels: np.ndarray, hull_ratio: float) -> tuple[np.ndarray, int]:
    """Halve each cluster that is not one convex shape but is two: its halves' hulls fill less than `hull_ratio` of its own, each half's more.

    This separates touching objects by shape rather than by size: a round
    fruit against a pod is one cluster of about the typical size (so the
    size split leaves it), but the two do not make one convex shape while
    each of them does; a pod alone, however long, is one convex shape and
    stays one. A cluster whose halves are not convex either (a sheet of
    floaters) is left to the size rules: halving it would only count its
    pieces. Returns the labels and how many clusters were halved.
    """
    labels = labels.copy()
    next_label = labels.max() + 1 if len(labels) else 0
    cuts = 0
    for label in np.unique(labels[labels != NOISE]):
        members = np.flatnonzero(labels == label)
        found = convex_halves(points[members])
        if found is None or found[0] >= hull_ratio:
            continue
        halves_convex = [convex_halves(points[members[side]]) for side in (found[1], ~found[1])]
        if any(half is not None and half[0] < hull_ratio for half in halves_convex):
            continue
        labels[members[found[1]]] = next_label
        next_label += 1
        cuts += 1
    return labels, cuts


def relabel(labels: np.ndarray) -> np.ndarray:
    """Consecutive ids 0..n-1, largest cluster first; noise stays -1."""
    ids, counts = np.unique(labels[labels != NOISE], return_counts=True)
    order = ids[np.argsort(-counts, kind="stable")]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(label, NOISE) for label in labels], dtype=int)


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Least-squares sphere through the points (centre, radius); None when it does not fit.

    The cloud holds the surface the cameras saw, often a cap of each object:
    its mean lies off the object's centre, towards the cameras, and its
    spread underestimates the size. A sphere fitted to the cap finds both.
    It is refused for nearly flat points (a plane fits any huge sphere), a
    sphere larger than the points' own extent, or points far off its surface.
    """
    if len(points) < 10:
        return None
    spread = np.linalg.svd(points - points.mean(axis=0), compute_uv=False)
    if spread[2] < 0.1 * spread[0]:
        return None
    design = np.column_stack([2.0 * points, np.ones(len(points))])
    solution, *_ = np.linalg.lstsq(design, (points**2).sum(axis=1), rcond=None)
    centre = solution[:3]
    squared = solution[3] + centre @ centre
    if squared <= 0:
        return None
    radius = float(np.sqrt(squared))
    off_surface = np.sqrt(((np.linalg.norm(points - centre, axis=1) - radius) ** 2).mean())
    if radius > np.ptp(points, axis=0).max() or off_surface > 0.3 * radius:
        return None
    return centre, radius


def principal_extents(points: np.ndarray) -> np.ndarray:
    """The object's extent along its three principal axes, longest first (length, width, thickness).

    The extents run between the extreme points: the statistical outliers are
    removed before clustering, and a percentile would cut the thin tips of a
    pod. The cloud holds the surfaces the cameras saw, so a fruit seen from
    one side has a thickness of about half its width.
    """
    if len(points) < 3:
        return np.zeros(3)
    centred = points - points.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    along = centred @ axes.T
    return np.sort(along.max(axis=0) - along.min(axis=0))[::-1]


def describe_objects(points: np.ndarray, labels: np.ndarray, object_class: int | None = None) -> list[dict]:
    """Centre, point count, extent and size of each object, in the cloud's world units.

    `diameter` and `volume` come from a sphere fitted to the object's points
    (`size_from: sphere`), or from their spread when no sphere fits
    (`size_from: spread`, 4 x the RMS distance to their mean). `length`,
    `width` and `thickness` are its extents along its principal axes: a pod
    is long, which one diameter cannot say.
    """
    objects = []
    for label in range(labels.max() + 1 if len(labels) else 0):
        members = points[labels == label]
        sphere = fit_sphere(members)
        centre, size, size_from = (sphere[0], 2.0 * sphere[1], "sphere") if sphere else (members.mean(axis=0), diameter(members), "spread")
        length, width, thickness = principal_extents(members)
        objects.append(
            {
                "id": label,
                **({} if object_class is None else {"class": object_class}),
                "centre": np.asarray(centre).tolist(),
                "points": int(len(members)),
                "extent": (members.max(axis=0) - members.min(axis=0)).tolist(),
                "diameter": float(size),
                "volume": float(np.pi / 6.0 * size**3),
                "size_from": size_from,
                "length": float(length),
                "width": float(width),
                "thickness": float(thickness),
            }
        )
    return objects


def typical_cluster_points(points: np.ndarray, labels: np.ndarray, object_diameter: float, min_fraction: float) -> tuple[float, str]:
    """The point count of a typical object: the median over the clusters at least `min_fraction` of the object diameter wide.

    Floaters and fragments are excluded so that they cannot set the scale: with
    one fruit and two floaters, the median of all three clusters is a
    floater's, which then passes for an object. Only when no cluster is that
    wide does the median run over all clusters. Returns the count and which
    clusters it came from.
    """
    ids = np.unique(labels[labels != NOISE])
    if len(ids) == 0:
        return 0.0, "no cluster"
    counts = np.array([(labels == label).sum() for label in ids])
    wide = np.array([diameter(points[labels == label]) >= min_fraction * object_diameter for label in ids])
    if wide.any():
        return float(np.median(counts[wide])), f"{int(wide.sum())} of {len(ids)} clusters at least {min_fraction:g} of the object diameter wide"
    return float(np.median(counts)), f"all {len(ids)} clusters (none is {min_fraction:g} of the object diameter wide)"


def drop_unsupported(points: np.ndarray, labels: np.ndarray, views: Sequence[MaskView], min_support: float) -> tuple[np.ndarray, int]:
    """Labels with the clusters the masks do not see as object (support below `min_support`) made noise, and how many.

    Done on DBSCAN's clusters, before the typical size is taken: on a plant
    with 10 fruits the haze made 130 of DBSCAN's 138 clusters, which would
    otherwise set the scale that merging and splitting go by.
    """
    support = cluster_support(points, labels, views)
    unsupported = np.flatnonzero(support < min_support)
    return np.where(np.isin(labels, unsupported), NOISE, labels), len(unsupported)


def count_objects(points: np.ndarray, params: CountParams, views: Sequence[MaskView] = ()) -> tuple[np.ndarray, np.ndarray, dict]:
    """The cleaned cloud, its object labels, and what was decided on the way.

    Without an object diameter (none given, none measured on the masks) it
    is estimated from the cloud, a last resort: a cloud that breaks into
    fragments makes the estimate too small. With `params.min_mask_support`
    above 0, clusters that the posed `views`' masks do not see as object are
    dropped.
    """
    if params.min_mask_support > 0 and not views:
        raise ValueError("min_mask_support needs the posed views' masks to check clusters against; none were given")
    if len(points) == 0:
        return points, np.zeros(0, dtype=int), {"object_diameter": params.object_diameter, "estimated": params.object_diameter is None, "points_in": 0}
    cleaned = remove_outliers(points, params.outlier_neighbours, params.outlier_std_ratio)
    estimated = params.object_diameter is None
    object_diameter = estimate_object_diameter(cleaned) if estimated else float(params.object_diameter)
    sampled = voxel_downsample(cleaned, params.voxel_fraction * object_diameter)
    labels = DBSCAN(eps=params.eps_fraction * object_diameter, min_samples=params.min_samples).fit_predict(sampled)
    labels, unsupported = drop_unsupported(sampled, labels, views, params.min_mask_support) if params.min_mask_support > 0 else (labels, 0)
    typical, typical_from = typical_cluster_points(sampled, labels, object_diameter, params.typical_min_fraction)
    labels = merge_small_clusters(sampled, labels, params.merge_fraction * typical, params.merge_distance_fraction * object_diameter)
    # Shape before size: the size split's parts are pieces of a blob, not objects' surfaces, so their hulls say nothing.
    labels, shape_cuts = split_non_convex(sampled, labels, params.hull_ratio) if params.hull_ratio > 0 else (labels, 0)
    labels, ward_subsampled = split_large_clusters(sampled, labels, typical, object_diameter, params.split_ratio, params.max_split)
    labels, row_cuts = split_rows(sampled, labels, object_diameter, params.row_ratio, params.max_split) if params.row_ratio > 0 else (labels, 0)
    decisions = {
        "object_diameter": object_diameter,
        "estimated": estimated,
        "points_in": int(len(points)),
        "points_after_outliers": int(len(cleaned)),
        "points_after_voxels": int(len(sampled)),
        "typical_cluster_points": typical,
        "typical_from": typical_from,
        "clusters_split_on_a_subset": ward_subsampled,  # larger than MAX_WARD_POINTS: Ward on a random subset
        "split_by_shape": shape_cuts,  # halves of a non-convex cluster (touching objects)
        "split_as_rows": row_cuts,  # clusters cut as rows of touching objects, each as wide as one
        "dropped_without_mask_support": unsupported,  # clusters on background pixels of the masks that see them
    }
    return sampled, relabel(labels), decisions


@dataclass
class ClassCounts:
    """Objects of every class, numbered across classes, and the clustered points they come from."""

    objects: list[dict]
    per_class: dict[str, int]
    decisions: dict[str, dict]
    points: np.ndarray
    labels: np.ndarray


def count_by_class(points: np.ndarray, colours: np.ndarray, classes: dict, params: CountParams, views: Sequence[MaskView] = ()) -> ClassCounts:
    """Split the cloud by predicted colour into its classes, then cluster and count each class apart.

    Objects of different classes are never merged, however close: the
    double-pod case, two touching pods told apart by their mask values.
    With posed `views`, each object carries its mask support.
    """
    point_classes = classify(colours, classes, threshold=0.0)
    multiclass = len(classes) > 1
    objects, per_class, decisions, point_parts, label_parts = [], {}, {}, [], []
    for value in classes:
        sampled, labels, decided = count_objects(points[point_classes == value], params, views)
        offset = len(objects)
        support = cluster_support(sampled, labels, views) if views else None
        for obj in describe_objects(sampled, labels, object_class=value if multiclass else None):
            seen = {} if support is None else {"mask_support": float(support[obj["id"]])}
            objects.append({**obj, "id": obj["id"] + offset, **seen})
        per_class[str(value)] = len(objects) - offset
        decisions[str(value)] = decided
        point_parts.append(sampled.reshape(-1, 3))
        label_parts.append(np.where(labels == NOISE, NOISE, labels + offset))
    return ClassCounts(objects, per_class, decisions, np.concatenate(point_parts), np.concatenate(label_parts).astype(int))
