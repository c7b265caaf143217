"""The ns-train command line, the fine-tuning guard and the progress parsing."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from nerfstudio.models.nerfacto import NerfactoModelConfig

from invnerf_seg.nerf_model import run_dir
from invnerf_seg.nerf_train import (
    STEP_LINE,
    StageSettings,
    TrainingStopped,
    checkpoint_dir,
    model_mismatches,
    run_training,
    same_frames_and_cameras,
    train_command,
    train_stage,
    training_environment,
)
from invnerf_seg.summary import logged_throughput_of
from tests.conftest import TINY_MODEL

PRESET = {"rays_per_batch": 512, "model": {"num_proposal_samples_per_ray": [32, 16], "hidden_dim": 32, "far_plane": 2.0}}


def test_command_carries_preset_and_stage(tmp_path: Path):
    command = train_command(tmp_path / "data", tmp_path / "out", "plant", 300, PRESET, 0.002, 8, load_dir=tmp_path / "ckpt")
    text = " ".join(command)
    assert command[1:4] == ["-m", "invnerf_seg.ns_train", "invnerf-nerfacto"]
    assert "--pipeline.model.num-proposal-samples-per-ray 32 16" in text
    assert "--pipeline.model.far-plane 2.0" in text
    assert "--max-num-iterations 300" in text and "--optimizers.fields.optimizer.lr 0.002" in text
    assert "--pipeline.model.camera-optimizer.mode off" in text
    assert f"--load-dir {tmp_path / 'ckpt'}" in text
    assert text.index("nerfstudio-data") > text.index("--load-dir")
    assert "--eval-mode interval --eval-interval 8" in text
    assert "object-share" not in text, "uniform sampling unless asked"
    shared = " ".join(train_command(tmp_path / "data", tmp_path / "out", "plant", 300, PRESET, 0.002, 8, object_share=0.25))
    assert "--pipeline.datamanager.pixel-sampler.object-share 0.25" in shared and "object-margin" not in shared
    margin = " ".join(train_command(tmp_path / "data", tmp_path / "out", "plant", 300, PRESET, 0.002, 8, object_share=0.25, object_margin=2))
    assert "--pipeline.datamanager.pixel-sampler.object-margin 2" in margin
    assert "trained-parts" not in text, "every part trains unless asked"
    frozen = " ".join(train_command(tmp_path / "data", tmp_path / "out", "plant", 300, PRESET, 0.002, 8, grid_frozen_until=1250))
    assert "--pipeline.model.trained-parts field_mlps --pipeline.model.trained-parts-until-step 1250" in frozen


def test_the_training_process_imports_this_checkout(tmp_path: Path):
    """`python -m invnerf_seg.ns_train` finds this package from any directory, even without site-packages' install of it."""
    found = subprocess.run(
        [sys.executable, "-S", "-c", "import invnerf_seg; print(invnerf_seg.__file__)"],
        cwd=tmp_path, env=training_environment(1), capture_output=True, text=True, check=True,
    )
    assert Path(found.stdout.strip()).parent == Path(__file__).resolve().parents[1] / "invnerf_seg"


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


def test_only_the_colour_output_layer_is_reset():
    import torch

    from invnerf_seg.nerf_train import reset_colour_output

    state = {
        "_model.field.mlp_head.layers.0.weight": torch.ones(4, 3),
        "_model.field.mlp_head.layers.1.weight": torch.ones(3, 4),
        "_model.field.mlp_head.layers.1.bias": torch.ones(3),
        "_model.field.mlp_base.layers.0.weight": torch.ones(2, 2),
    }
    reset = reset_colour_output(state)
    assert reset["_model.field.mlp_head.layers.1.weight"].abs().sum() == 0
    assert reset["_model.field.mlp_head.layers.1.bias"].abs().sum() == 0
    assert reset["_model.field.mlp_head.layers.0.weight"].sum() == 12
    assert reset["_model.field.mlp_base.layers.0.weight"].sum() == 4
    assert state["_model.field.mlp_head.layers.1.bias"].sum() == 3, "the loaded state is not modified in place"
    with pytest.raises(ValueError, match="no colour head"):
        reset_colour_output({"_model.field.mlp_base.params": torch.ones(3)})


def test_finetune_start_keeps_weights_and_step_but_no_optimizer(tmp_path: Path):
    import torch

    from invnerf_seg.nerf_train import write_finetune_start

    models = tmp_path / "models"
    models.mkdir()
    pipeline = {"_model.field.mlp_head.layers.0.weight": torch.ones(2, 2), "_model.field.mlp_head.layers.0.bias": torch.ones(2)}
    torch.save({"step": 999, "pipeline": pipeline, "optimizers": {"fields": {"state": {}}}, "schedulers": {}, "scalers": {}}, models / "step-000000999.ckpt")
    start = write_finetune_start(models, tmp_path / "start")
    saved = torch.load(start / "step-000000999.ckpt", weights_only=False)
    assert saved["step"] == 999 and saved["optimizers"] == {} and "schedulers" not in saved
    assert saved["pipeline"]["_model.field.mlp_head.layers.0.weight"].abs().sum() == 0
    kept = write_finetune_start(models, tmp_path / "kept", colour_start="keep")
    assert torch.load(kept / "step-000000999.ckpt", weights_only=False)["pipeline"]["_model.field.mlp_head.layers.0.weight"].sum() == 4
    with pytest.raises(ValueError, match="colour_start"):
        write_finetune_start(models, tmp_path / "other", colour_start="random")


def test_fine_tuning_refuses_other_model_options_than_the_rgb_run():
    trained = NerfactoModelConfig(far_plane=10.0, num_proposal_samples_per_ray=(64, 32), hidden_dim=32)
    assert model_mismatches(trained, {"far_plane": 10.0, "num_proposal_samples_per_ray": [64, 32], "hidden_dim": 32}) == []
    assert model_mismatches(trained, {"far_plane": 2.0, "hidden_dim": 32}) == ["far_plane: RGB run 10.0, fine-tuning 2.0"]


def test_a_diverged_run_is_caught(tmp_path: Path):
    import torch

    from invnerf_seg.nerf_train import diverged_weights

    models = tmp_path / "models"
    models.mkdir()
    pipeline = {"_model.field.a": torch.ones(2), "_model.field.b": torch.tensor([1.0, float("nan")]), "_model.step": torch.tensor(3)}
    torch.save({"step": 9, "pipeline": pipeline}, models / "step-000000009.ckpt")
    assert diverged_weights(models) == ["_model.field.b"]


def test_a_sigterm_stops_the_training_process_and_says_so(tmp_path: Path):
    # A stand-in for ns-train's output loop: prints a progress row per step, for a minute.
    trainer = [sys.executable, "-c", "import time\nfor step in range(600):\n    print(f'{step} ({step/6:.2f}%)  100 ms', flush=True)\n    time.sleep(0.1)"]
    threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    with pytest.raises(TrainingStopped, match=r"stopped by SIGTERM after \d+ of 600 steps; a rerun resumes"):
        run_training(trainer, tmp_path / "train.log", 1, 600, report=lambda message: None, rays_per_step=1024)
    assert time.monotonic() - started < 20, "the training process must stop with the step, not run on"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the handler is put back"


def test_a_finished_training_reports_its_throughput_from_its_first_to_its_last_step(tmp_path: Path):
    trainer = [sys.executable, "-c", "import time\nfor step in range(5, 26):\n    print(f'{step} ({step:.2f}%)  10 ms', flush=True)\n    time.sleep(0.01)"]
    messages = []
    run_training(trainer, tmp_path / "train.log", 1, 21, report=messages.append, rays_per_step=1024)
    rays, seconds = logged_throughput_of(messages[-1])
    assert rays == 20 * 1024 and 0.1 < seconds < 10


def test_finetune_keeps_the_hash_grid_for_its_frozen_steps_then_trains_it(tiny_dataset: Path, tmp_path: Path):
    """Real ns-train runs: with `grid_frozen_steps` the fine-tuning leaves the grid and proposal networks as the RGB run
    left them for that many steps, and trains them after."""
    rgb_settings = StageSettings(TINY_MODEL, rays_per_batch=128, iterations=10, learning_rate=0.01, eval_interval=3)
    train_stage(tiny_dataset, tmp_path / "rgb", "plant", rgb_settings, tmp_path / "rgb.log", threads=2, report=print)
    rgb_models = checkpoint_dir(tmp_path / "rgb", "plant")

    def latest_weights(models: Path) -> dict:
        return torch.load(max(models.glob("step-*.ckpt")), map_location="cpu", weights_only=False)["pipeline"]

    def finetuned(frozen_steps: int, name: str) -> dict:
        settings = StageSettings(TINY_MODEL, rays_per_batch=128, iterations=8, learning_rate=0.01, eval_interval=3, object_share=0.25,
                                 grid_frozen_steps=frozen_steps)
        train_stage(tiny_dataset.parent / "data_mask", tmp_path / name, "plant", settings, tmp_path / f"{name}.log", threads=2, report=print,
                    rgb_models=rgb_models)
        return latest_weights(checkpoint_dir(tmp_path / name, "plant"))

    start = latest_weights(rgb_models)
    grid_and_proposals = [key for key in start if key.startswith(("_model.field.mlp_base.model.0.", "_model.proposal_networks."))]
    density_mlp = [key for key in start if key.startswith("_model.field.mlp_base.model.1.")]
    assert grid_and_proposals and density_mlp
    frozen_throughout = finetuned(8, "frozen")
    assert all(torch.equal(frozen_throughout[key], start[key]) for key in grid_and_proposals)
    assert any(not torch.equal(frozen_throughout[key], start[key]) for key in density_mlp)
    frozen_first = finetuned(6, "frozen_first")
    assert any(not torch.equal(frozen_first[key], start[key]) for key in grid_and_proposals)
