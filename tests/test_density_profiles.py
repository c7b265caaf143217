"""Density profiles along rays, on a toy field whose density is known everywhere."""

import numpy as np
import pytest
import torch

from invnerf_seg.density_profiles import choose_pixels, optical_depth, profile_summary, profiles_picture, ray_profiles

CENTRE, RADIUS, DENSITY = torch.tensor([0.0, 0.0, 2.0]), 0.5, 40.0


def ball_density(points: torch.Tensor) -> torch.Tensor:
    """A toy field: DENSITY inside a ball of RADIUS at CENTRE, empty elsewhere; [N, 1] like nerfstudio's density_fn."""
    return (torch.linalg.norm(points - CENTRE, dim=-1, keepdim=True) < RADIUS).float() * DENSITY


def test_profiles_find_the_ball_where_it_is_and_integrate_its_chord():
    origins = torch.zeros(2, 3)
    directions = torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.6, 0.8]])  # through the centre; far past the ball
    t, density = ray_profiles(ball_density, origins, directions, near=0.05, far=4.0, samples=801)
    assert t.shape == (801,) and density.shape == (2, 801)
    inside = t[density[0] > 0]
    assert inside.min() == pytest.approx(1.5, abs=0.01) and inside.max() == pytest.approx(2.5, abs=0.01)
    assert optical_depth(t, density)[0] == pytest.approx(DENSITY * 2 * RADIUS, rel=0.02)
    assert optical_depth(t, density)[1] == 0.0


def test_summary_reports_what_the_fine_tuning_changed():
    t = np.linspace(0.0, 1.0, 11)
    before = {"object": np.full((3, 11), 10.0), "background": np.full((3, 11), 4.0)}
    after = {"object": np.full((3, 11), 20.0), "background": np.full((3, 11), 1.0)}
    summary = profile_summary(t, before, after)
    assert summary["object"]["optical_depth_before"] == pytest.approx(10.0) and summary["object"]["optical_depth_ratio"] == pytest.approx(2.0)
    assert summary["background"]["optical_depth_ratio"] == pytest.approx(0.25) and summary["background"]["peak_density_after"] == 1.0
    assert summary["object"]["fell_fraction"] == 0.0 and summary["background"]["fell_fraction"] == 1.0


def test_fell_fraction_counts_the_rays_whose_depth_fell():
    t = np.linspace(0.0, 1.0, 11)
    before = np.array([[4.0] * 11, [4.0] * 11, [4.0] * 11, [4.0] * 11])
    after = np.array([[1.0] * 11, [5.0] * 11, [3.0] * 11, [4.0] * 11])
    summary = profile_summary(t, {"object": before, "background": before}, {"object": after, "background": after})
    assert summary["background"]["fell_fraction"] == pytest.approx(0.5) and summary["background"]["rays"] == 4


def test_chosen_pixels_are_on_the_object_and_well_off_it():
    mask = np.zeros((40, 40), dtype=bool)
    mask[10:20, 10:20] = True
    objects, background = choose_pixels(mask, 5, seed=1)
    assert len(objects) == 5 and mask[objects[:, 0], objects[:, 1]].all()
    distance_to_object = np.maximum(np.maximum(10 - background, background - 19), 0).max(axis=1)
    assert (distance_to_object > 3).all()
    with pytest.raises(ValueError, match="no object pixel"):
        choose_pixels(np.zeros((5, 5), dtype=bool), 2)


def test_profiles_picture_is_written(tmp_path):
    t = np.linspace(0.0, 1.0, 5)
    kinds = {"object": np.ones((2, 5)), "background": np.zeros((2, 5))}
    profiles_picture(t, kinds, kinds, tmp_path / "p.png", "toy", drawn=1)
    assert (tmp_path / "p.png").stat().st_size > 1000
