"""Resumable training: the resume bookkeeping, and a real ns-train run killed midway and resumed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import torch
import yaml

from invnerf_seg.nerf_model import run_dir
from invnerf_seg.nerf_train import StageSettings, train_stage
from invnerf_seg.resume import Resume, checkpoint_step, partial_dir, publish, resume_or_start, training_key, write_record
from tests.conftest import TINY_MODEL


def test_partial_folder_sits_beside_the_output(tmp_path: Path):
    assert partial_dir(tmp_path / "nerf" / "rgb") == tmp_path / "nerf" / "rgb.partial"


def test_key_changes_with_parameters_and_input_bytes(tmp_path: Path):
    dataset = tmp_path / "data"
    dataset.mkdir()
    (dataset / "transforms.json").write_text("{}")
    key = training_key({"iterations": 10}, [dataset])
    assert key == training_key({"iterations": 10}, [dataset])
    assert key != training_key({"iterations": 20}, [dataset])
    (dataset / "transforms.json").write_text('{"frames": []}')
    assert key != training_key({"iterations": 10}, [dataset])


def test_only_a_killed_run_of_the_same_training_is_resumed(tmp_path: Path):
    partial = tmp_path / "rgb.partial"
    models = partial / "models"
    assert resume_or_start(partial, models, "a") is None and partial.is_dir()
    write_record(partial, "a", first_step=0)
    models.mkdir()
    for step in (4, 8):
        torch.save({"step": step}, models / f"step-{step:09d}.ckpt")
    assert checkpoint_step(models) == 8
    assert resume_or_start(partial, models, "a") == 8
    # Killed while saving step 12: that file is cut short, and the resume falls back to step 8.
    whole = (models / "step-000000008.ckpt").read_bytes()
    (models / "step-000000012.ckpt").write_bytes(whole[: len(whole) // 2])
    assert resume_or_start(partial, models, "a") == 8
    assert not (models / "step-000000012.ckpt").exists()
    assert resume_or_start(partial, models, "b") is None  # other parameters or inputs: start afresh
    assert list(partial.iterdir()) == []


def test_the_launch_trains_what_is_left_of_the_stage():
    assert Resume(first_step=0, resumed_from=None).launch_iterations(40) == 40
    assert Resume(first_step=0, resumed_from=19).launch_iterations(40) == 20
    # The fine-tuning continues the RGB counter: it started at 1000 and has done 1000..1149.
    assert Resume(first_step=1000, resumed_from=1149).launch_iterations(300) == 150


def test_publishing_points_the_nerfstudio_config_at_the_output(tmp_path: Path):
    from nerfstudio.engine.trainer import TrainerConfig

    partial, output = tmp_path / "seg.partial", tmp_path / "seg"
    config_path = partial / "plant" / "config.yml"
    config_path.parent.mkdir(parents=True)
    config = TrainerConfig(output_dir=partial, load_dir=partial / "start")
    config_path.write_text(yaml.dump(config))
    write_record(partial, "a", first_step=0)
    output.mkdir()
    (output / "stale.txt").write_text("from an older run")

    publish(partial, output, config_path)

    assert not partial.exists() and not (output / "stale.txt").exists() and not (output / "resume.json").exists()
    moved = yaml.load((output / "plant" / "config.yml").read_text(), Loader=yaml.Loader)
    assert Path(moved.output_dir) == output and Path(moved.load_dir) == output / "start"


def kill_training_after_step(partial: Path, experiment: str, step: int, stop: threading.Event) -> None:
    """Kill ns-train once a checkpoint at or past `step` is written in `partial`, as a cluster's time limit would."""
    import psutil

    models = run_dir(partial, experiment) / "nerfstudio_models"
    while not stop.is_set():
        if (checkpoint_step(models) or -1) >= step:
            for process in psutil.Process().children(recursive=True):
                process.kill()
            return
        time.sleep(0.2)


def test_killed_training_resumes_from_its_last_checkpoint(tiny_dataset: Path, tmp_path: Path):
    output, log = tmp_path / "rgb", tmp_path / "train.log"
    settings = StageSettings(TINY_MODEL, rays_per_batch=128, iterations=40, learning_rate=0.01, eval_interval=3)
    messages: list[str] = []

    stop = threading.Event()
    killer = threading.Thread(target=kill_training_after_step, args=(partial_dir(output), "plant", 8, stop))
    killer.start()
    with pytest.raises(RuntimeError, match="ns-train failed"):
        train_stage(tiny_dataset, output, "plant", settings, log, threads=2, report=messages.append)
    stop.set()
    killer.join()
    assert not output.exists(), "a killed run must not leave an output"

    resume = train_stage(tiny_dataset, output, "plant", settings, log, threads=2, report=messages.append)
    print(f"resumed from step {resume.resumed_from}")
    # A checkpoint every tenth of the 40 steps; the kill may cut the newest one short, and then the one before serves.
    assert resume.resumed_from is not None and resume.resumed_from >= 4 and resume.resumed_from % 4 == 0
    assert any(message.startswith(f"resumed from step {resume.resumed_from}") for message in messages)
    assert checkpoint_step(run_dir(output, "plant") / "nerfstudio_models") == 39  # steps 0..39: the stage's 40, no more
    assert not partial_dir(output).exists()
    config = yaml.load((run_dir(output, "plant") / "config.yml").read_text(), Loader=yaml.Loader)
    assert Path(config.output_dir) == output
