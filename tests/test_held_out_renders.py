"""The held-out renders file: written once per trained run, read back by every evaluation exactly as rendered."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from invnerf_seg.held_out_renders import RenderedView, read_renders, write_renders


def test_views_come_back_exactly_as_written_in_their_order(tmp_path: Path):
    rng = np.random.default_rng(0)
    views = [
        RenderedView("frame_0008", Path("data/images/frame_0008.png"), rng.random((6, 8, 3), dtype=np.float32), rng.random((6, 8, 3), dtype=np.float32)),
        RenderedView("frame_0016", Path("data/images/frame_0016.png"), rng.random((6, 8, 3), dtype=np.float32), rng.random((6, 8, 3), dtype=np.float32),
                     semantic_probability=rng.random((6, 8, 1), dtype=np.float32)),
    ]
    path = tmp_path / "renders" / "rgb.npz"
    path.parent.mkdir()
    write_renders(path, views)
    read = read_renders(path)
    assert [view.stem for view in read] == ["frame_0008", "frame_0016"] and read[1].image_path == Path("data/images/frame_0016.png")
    for written, back in zip(views, read):
        assert np.array_equal(written.rgb, back.rgb) and np.array_equal(written.surface, back.surface) and back.rays == 48
    assert read[0].semantic_probability is None and np.array_equal(read[1].semantic_probability, views[1].semantic_probability)


def test_a_run_without_held_out_views_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="no held-out views"):
        write_renders(tmp_path / "rgb.npz", [])
    assert not (tmp_path / "rgb.npz").exists()


def test_reading_renders_and_scoring_views_import_no_torch():
    """Every evaluation stage reads renders: importing torch there cost 2 to 3 s a stage for nothing."""
    script = "import sys, invnerf_seg.evaluation, invnerf_seg.held_out_renders, invnerf_seg.fruitnerf; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
