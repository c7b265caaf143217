"""The ns-train command line, the fine-tuning guard and the progress parsing."""

import json
from pathlib import Path

import pytest

from invnerf_seg.nerf_train import STEP_LINE, run_dir, same_frames_and_cameras, train_command

PRESET = {"rays_per_batch": 512, "model": {"num_proposal_samples_per_ray": [32, 16], "hidden_dim": 32, "far_plane": 2.0}}


def test_command_carries_preset_and_stage(tmp_path: Path):
    command = train_command(tmp_path / "data", tmp_path / "out", "plant", 300, PRESET, 0.002, 8, load_dir=tmp_path / "ckpt")
    text = " ".join(command)
    assert command[1] == "invnerf-nerfacto"
    assert "--pipeline.model.num-proposal-samples-per-ray 32 16" in text
    assert "--pipeline.model.far-plane 2.0" in text
    assert "--max-num-iterations 300" in text and "--optimizers.fields.optimizer.lr 0.002" in text
    assert "--pipeline.model.camera-optimizer.mode off" in text
    assert f"--load-dir {tmp_path / 'ckpt'}" in text
    assert text.index("nerfstudio-data") > text.index("--load-dir")
    assert "--eval-mode interval --eval-interval 8" in text


def test_run_dir_is_fixed(tmp_path: Path):
    assert run_dir(tmp_path, "plant") == tmp_path / "plant" / "invnerf-nerfacto" / "run"


def test_finetuning_refuses_other_frames(tmp_path: Path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"w": 10, "frames": [{"file_path": "images/frame_00001.png"}]}))
    b.write_text(json.dumps({"w": 10, "frames": [{"file_path": "images/frame_00002.png"}]}))
    same_frames_and_cameras(a, a)
    with pytest.raises(ValueError, match="must use the RGB run's frames and cameras"):
        same_frames_and_cameras(a, b)


def test_progress_rows_are_recognised():
    match = STEP_LINE.match("1200 (40.00%)       478.911 ms           2 m, 56 s     2.30 K   ")
    assert match and match.group(1) == "1200"
    assert STEP_LINE.match("Step (% Done)       Train Iter (time)") is None
