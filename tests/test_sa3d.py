"""SA3D: the sample thresholds of both variants, and the cross-view vote on a toy scene with known masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from invnerf_seg.sa3d import SA3DParams, agreed, candidate_samples, rendering_weights, vote_fractions

SIZE = {"w": 64, "h": 48, "fl_x": 50.0, "fl_y": 50.0, "cx": 32.0, "cy": 24.0}
RADIUS = 0.3


def look_at_origin(position: np.ndarray) -> np.ndarray:
    """OpenGL camera-to-world of a camera at `position` looking at the origin (it looks down its -z)."""
    back = position / np.linalg.norm(position)
    up = np.array([0.0, 0.0, 1.0]) if abs(back[1]) > 0.9 else np.array([0.0, 1.0, 0.0])
    right = np.cross(up, back)
    right /= np.linalg.norm(right)
    c2w = np.eye(4)
    c2w[:3, :3] = np.stack([right, np.cross(back, right), back], axis=1)
    c2w[:3, 3] = position
    return c2w


def sphere_mask(c2w: np.ndarray) -> np.ndarray:
    """The true mask of a sphere of RADIUS at the origin: the pixels whose ray meets it."""
    rows, columns = np.mgrid[0 : SIZE["h"], 0 : SIZE["w"]] + 0.5
    directions = np.stack([(columns - SIZE["cx"]) / SIZE["fl_x"], -(rows - SIZE["cy"]) / SIZE["fl_y"], -np.ones_like(rows)], axis=-1) @ c2w[:3, :3].T
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
    origin = c2w[:3, 3]
    closest = origin - (directions @ origin)[..., None] * directions
    return np.linalg.norm(closest, axis=-1) < RADIUS


@pytest.fixture
def six_views():
    """Cameras on the six axes, 3 units out, each with the sphere's true mask."""
    views = []
    for axis in range(3):
        for sign in (1.0, -1.0):
            position = np.zeros(3)
            position[axis] = 3.0 * sign
            c2w = look_at_origin(position)
            views.append((c2w, SIZE, sphere_mask(c2w)))
    return views


def test_points_on_the_object_win_the_vote_and_points_elsewhere_lose_it(six_views):
    rng = np.random.default_rng(0)
    in_object = rng.normal(size=(200, 3))
    in_object = 0.6 * RADIUS * in_object / np.linalg.norm(in_object, axis=1, keepdims=True)  # inside: in every view's mask, whatever the pixel grid
    # Points away from the sphere, as a foreground ray past the object's edge would hit on the background.
    elsewhere = rng.uniform(-1.0, 1.0, size=(400, 3))
    elsewhere = elsewhere[np.linalg.norm(elsewhere, axis=1) > 2.5 * RADIUS]
    assert (vote_fractions(in_object, six_views) == 1.0).all()
    assert agreed(in_object, six_views, 0.5).all()
    dropped = ~agreed(elsewhere, six_views, 0.5)
    print(f"{dropped.mean():.1%} of {len(elsewhere)} points off the object dropped by the vote")
    assert dropped.mean() > 0.95


def test_a_point_no_view_has_in_frame_gets_no_vote(six_views):
    outside_every_frame = np.array([[50.0, 50.0, 50.0]])
    assert np.isnan(vote_fractions(outside_every_frame, six_views)).all()
    assert not agreed(outside_every_frame, six_views, 0.0).any()


def test_density_and_weight_variants_keep_the_first_surface():
    # One ray: empty, a dense surface, dense space behind it, a thin haze.
    density = torch.tensor([[0.0, 50.0, 50.0, 1.0]]).unsqueeze(-1)
    deltas = torch.full((1, 4, 1), 0.1)
    assert candidate_samples(density, deltas, SA3DParams(variant="density")).tolist() == [[False, True, False, False]]
    weights = rendering_weights(density, deltas)
    assert weights[0, 1] == pytest.approx(1 - np.exp(-5.0), rel=1e-5)
    assert candidate_samples(density, deltas, SA3DParams(variant="weight", min_weight=0.1)).tolist() == [[False, True, False, False]]


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="sa3d.variant is 'mask'"):
        SA3DParams(variant="mask")


