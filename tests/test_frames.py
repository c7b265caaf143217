"""Frame extraction: rate, naming, and clear errors for bad videos."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from invnerf_seg.demo_video import extracted_frame_sources, source_frame_index
from invnerf_seg.frames import VideoError, extract_frames, frame_name


def test_frames_are_extracted_at_the_rate_and_named_from_one(numbered_video: Path, tmp_path: Path) -> None:
    frames = extract_frames(numbered_video, tmp_path / "frames", fps=5)
    assert [f.name for f in frames] == [frame_name(i) for i in range(1, 11)]
    assert frame_name(1) == "frame_00001.png"


def test_ffmpeg_picks_the_video_frames_the_demo_masks_assume(numbered_video: Path, tmp_path: Path) -> None:
    """The demo's ground-truth masks are only right if this formula matches ffmpeg."""
    for fps in (5, 4):
        frames = extract_frames(numbered_video, tmp_path / f"frames{fps}", fps=fps)
        decoded = [int(round(np.asarray(Image.open(f)).mean() / 4)) for f in frames]
        expected = extracted_frame_sources(60, 30, fps)[: len(frames)]
        assert decoded == expected, f"fps {fps}"
    assert source_frame_index(0, 30, 5) == 2


def test_downscaling_keeps_aspect(numbered_video: Path, tmp_path: Path) -> None:
    frames = extract_frames(numbered_video, tmp_path / "small", fps=5, max_width=32)
    assert Image.open(frames[0]).size == (32, 24)


def test_missing_video_is_named(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="video not found: .*nothing.mp4"):
        extract_frames(tmp_path / "nothing.mp4", tmp_path / "out", fps=5)


def test_unreadable_video_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    with pytest.raises(VideoError, match="broken.mp4"):
        extract_frames(broken, tmp_path / "out", fps=5)


def test_too_short_video_says_how_many_frames(numbered_video: Path, tmp_path: Path) -> None:
    with pytest.raises(VideoError, match=r"gave 10 frame\(s\) at 5 fps; at least 20"):
        extract_frames(numbered_video, tmp_path / "out", fps=5, min_frames=20)


def test_a_full_disk_is_said_plainly(numbered_video: Path, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "out" / "frame_00001.png").mkdir(parents=True)  # ffmpeg cannot write its first frame
    monkeypatch.setattr("invnerf_seg.frames.shutil.disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))
    with pytest.raises(VideoError, match="numbered.mp4: the disk of .* is full"):
        extract_frames(numbered_video, tmp_path / "out", fps=5)


def test_an_unreadable_video_is_said_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    with pytest.raises(VideoError) as caught:
        extract_frames(broken, tmp_path / "out", fps=5)
    assert "\n" not in str(caught.value) and "Invalid data" in str(caught.value)
