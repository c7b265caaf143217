"""Step scripts: a full disk or a read-only results folder is said in one line; the traceback stays in the log."""

import errno
import subprocess
import sys
from pathlib import Path

import pytest

STEP = """
import errno, sys
from invnerf_seg.step import start_step
start_step(sys.argv[1], "frames")
raise OSError(int(sys.argv[2]), "simulated", "results/demo/frames/frame_00001.png")
"""


@pytest.mark.parametrize(("code", "said"), [(errno.ENOSPC, "no space left on the disk"), (errno.EROFS, "read-only")])
def test_storage_errors_are_one_line(tmp_path: Path, code: int, said: str):
    log = tmp_path / "step.log"
    result = subprocess.run([sys.executable, "-c", STEP, str(log), str(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"[frames] {line}" for line in result.stderr.strip().removeprefix("[frames] ").splitlines()]
    assert said in result.stderr and "results/demo/frames/frame_00001.png" in result.stderr and "Traceback" not in result.stderr
    assert "Traceback" in log.read_text()


def test_other_errors_keep_their_traceback(tmp_path: Path):
    result = subprocess.run([sys.executable, "-c", STEP.replace("OSError(int(sys.argv[2]), ", "ValueError("), str(tmp_path / "s.log"), "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" in result.stderr
