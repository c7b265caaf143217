"""PLY files: what is written is read back, an empty cloud included."""

from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import cloud_picture, label_colours, read_ply, write_ply


def test_points_and_colours_round_trip(tmp_path: Path):
    points = np.random.default_rng(0).normal(size=(100, 3))
    colours = np.tile([1.0, 0.5, 0.0], (100, 1))
    write_ply(tmp_path / "c.ply", points, colours)
    read_points, read_colours = read_ply(tmp_path / "c.ply")
    assert np.allclose(read_points, points)
    assert np.allclose(read_colours, np.round(colours * 255) / 255)


def test_empty_cloud_is_a_valid_file(tmp_path: Path):
    write_ply(tmp_path / "empty.ply", np.zeros((0, 3)))
    points, _ = read_ply(tmp_path / "empty.ply")
    assert points.shape == (0, 3)
    cloud_picture(tmp_path / "empty.png", points, np.zeros((0, 3)), "nothing")
    assert (tmp_path / "empty.png").stat().st_size > 0


def test_noise_is_grey_and_clusters_coloured():
    colours = label_colours(np.array([-1, 0, 1]))
    assert np.allclose(colours[0], [0.6, 0.6, 0.6]) and not np.allclose(colours[1], colours[2])
