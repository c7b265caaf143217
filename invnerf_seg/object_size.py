"""The expected object size, read off the 2D masks and the segmented cloud.

Counting needs the size of one object in the scene's world units: DBSCAN's
radius, the voxel size and the merge and split limits are fractions of it. A
COLMAP world has an arbitrary scale, so a user cannot write that size down
for a video. The masks know it in pixels, and the cloud knows how far each
object is from each camera: an object `d` pixels wide at depth `z` in a
camera of focal length `f` is `d * z / f` wide in the world. The median over
many objects and views is robust to objects that touch or hide each other in
one view.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from invnerf_seg.cameras import pixel_indices, posed_cameras
from invnerf_seg.masks import read_labels

MIN_AREA_PX = 30          # smaller mask components are too noisy to measure
MIN_POINTS_BEHIND = 10    # cloud points a component needs for its depth


def mask_components(labels: np.ndarray, min_area_px: int = MIN_AREA_PX) -> list[np.ndarray]:
    """Boolean masks of the objects in an id image: connected parts of each id, off the image border.

    Objects cut by the border would measure too small.
    """
    components = []
    for object_id in np.unique(labels[labels > 0]):
        parts, count = ndimage.label(labels == object_id)
        for part in range(1, count + 1):
            component = parts == part
            on_border = component[0].any() or component[-1].any() or component[:, 0].any() or component[:, -1].any()
            if component.sum() >= min_area_px and not on_border:
                components.append(component)
    return components


def equivalent_diameter_px(component: np.ndarray) -> float:
    """Diameter of the disc with the component's area."""
    return float(2.0 * np.sqrt(component.sum() / np.pi))


def object_sizes(points: np.ndarray, transforms: dict, masks_dir: Path, max_views: int = 20) -> list[float]:
    """World diameters of the mask objects of up to `max_views` evenly spread posed frames."""
    cameras = posed_cameras(transforms)
    names = sorted(cameras)
    chosen = names[:: max(1, len(names) // max_views)][:max_views]
    sizes = []
    for name in chosen:
        mask_path = masks_dir / name
        if not mask_path.is_file():
            continue
        c2w, camera = cameras[name]
        labels = read_labels(mask_path)
        rows, cols, in_image, depths = pixel_indices(points, c2w, camera, *labels.shape)
        for component in mask_components(labels):
            behind = in_image.copy()
            behind[in_image] = component[rows[in_image], cols[in_image]]
            if behind.sum() >= MIN_POINTS_BEHIND:
                focal = 0.5 * (float(camera["fl_x"]) + float(camera["fl_y"]))
                sizes.append(equivalent_diameter_px(component) * float(np.median(depths[behind])) / focal)
    return sizes


def expected_object_diameter(points: np.ndarray, transforms: dict, masks_dir: Path) -> float | None:
    """Median world diameter of the masked objects, None when no object could be measured."""
    sizes = object_sizes(points, transforms, masks_dir)
    return float(np.median(sizes)) if sizes else None


def object_diameter_setting(setting: float | str, points: np.ndarray, transforms: dict, masks_dir: Path) -> tuple[float | None, str]:
    """The object size counting uses and where it comes from: the config, the masks, or (None) the cloud."""
    if setting != "auto":
        return float(setting), "config"
    measured = expected_object_diameter(points, transforms, masks_dir)
    return (measured, "masks") if measured is not None else (None, "cloud")
