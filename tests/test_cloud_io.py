"""PLY files: what is written is read back, an empty cloud included."""

from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import VIEWPOINTS, cloud_box, cloud_picture, clouds_sheet, draw_cloud, label_colours, read_ply, write_ply


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


def test_cloud_box_is_the_cube_around_the_points():
    points = np.array([[0.0, 0.0, 0.0], [4.0, 1.0, 2.0], [1.0, -1.0, 0.5]])
    centre, half = cloud_box(points)
    assert np.allclose(centre, [2.0, 0.0, 1.0]) and half == 2.0
    assert np.all(np.abs(points - centre) <= half)


def test_a_shared_box_sets_the_axes_of_a_smaller_cloud():
    """In the methods' sheet a far stray of one method sets every panel's axes: clouds compare at one scale."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    blob = rng.normal(size=(200, 3)) * 0.05
    box = cloud_box(np.vstack([blob, [[3.0, 3.0, 3.0]]]))
    figure = plt.figure()
    axes = figure.add_subplot(projection="3d")
    draw_cloud(axes, blob, np.full((200, 3), 0.5), VIEWPOINTS[0], "blob", box=box)
    centre, half = box
    assert np.allclose([axes.get_xlim(), axes.get_ylim(), axes.get_zlim()], [[c - half, c + half] for c in centre])
    plt.close(figure)


def test_methods_sheet_draws_empty_clouds_too(tmp_path: Path):
    blob = np.random.default_rng(1).normal(size=(100, 3))
    clouds_sheet(tmp_path / "sheet.png", {"a": (blob, np.full((100, 3), 0.5)), "empty": (np.zeros((0, 3)), np.zeros((0, 3)))})
    assert (tmp_path / "sheet.png").stat().st_size > 0
