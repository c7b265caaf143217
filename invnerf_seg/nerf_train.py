"""Training and fine-tuning runs of `ns-train invnerf-nerfacto`, from a preset.

Training goes through nerfstudio's own command line so that a user can read
the exact command in the rule's log and rerun it by hand. The run folder is
fixed (no timestamp), so later stages find `config.yml` and the checkpoints
at a known path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import torch

from invnerf_seg.nerfstudio_method import METHOD_NAME

RUN_NAME = "run"


def device_type() -> str:
    """CUDA when the user's machine has it, the CPU otherwise: same code either way."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def run_dir(output_dir: Path, experiment: str) -> Path:
    """Where nerfstudio writes config.yml and nerfstudio_models/ for this run."""
    return output_dir / experiment / METHOD_NAME / RUN_NAME


def _flag(name: str, value) -> list[str]:
    """One tyro flag: lists become several values, booleans True/False."""
    flag = "--" + name.replace("_", "-")
    if isinstance(value, (list, tuple)):
        return [flag, *(str(v) for v in value)]
    return [flag, str(value)]


def train_command(
    dataset: Path,
    output_dir: Path,
    experiment: str,
    iterations: int,
    preset: dict,
    learning_rate: float,
    eval_interval: int,
    load_dir: Path | None = None,
) -> list[str]:
    """The ns-train command line for one training stage.

    The same `preset` (model sizes, planes, rays per batch) is used for the
    RGB training and the mask fine-tuning, so the fine-tuned model is the same
    nerfacto; only the images, the iteration count and the learning rate differ.
    """
    ns_train = shutil.which("ns-train", path=str(Path(sys.executable).parent)) or "ns-train"
    device = device_type()
    command = [
        ns_train, METHOD_NAME,
        "--output-dir", str(output_dir),
        "--experiment-name", experiment,
        "--timestamp", RUN_NAME,
        "--vis", "tensorboard",
        "--machine.device-type", device,
        "--max-num-iterations", str(iterations),
        "--steps-per-save", str(max(iterations, 1)),
        "--save-only-latest-checkpoint", "True",
        "--steps-per-eval-image", str(max(iterations // 2, 1)),
        "--steps-per-eval-all-images", str(10 * iterations + 1),
        "--pipeline.datamanager.train-num-rays-per-batch", str(preset["rays_per_batch"]),
        "--pipeline.datamanager.eval-num-rays-per-batch", str(preset["rays_per_batch"]),
        "--pipeline.model.camera-optimizer.mode", "off",
        "--optimizers.fields.optimizer.lr", str(learning_rate),
        "--optimizers.proposal-networks.optimizer.lr", str(learning_rate),
    ]
    if device == "cpu":
        # tiny-cuda-nn needs CUDA; nerfstudio's pure-torch hash grid is the same encoding.
        command += ["--pipeline.model.implementation", "torch", "--mixed-precision", "False"]
    for key, value in preset["model"].items():
        command += _flag(f"pipeline.model.{key}", value)
    if load_dir is not None:
        command += ["--load-dir", str(load_dir)]
    command += [
        "nerfstudio-data", "--data", str(dataset),
        "--downscale-factor", "1",
        "--eval-mode", "interval", "--eval-interval", str(eval_interval),
    ]
    return command


def training_environment(threads: int) -> dict[str, str]:
    """Environment for ns-train: the rule's thread budget, and checkpoint loading.

    nerfstudio checkpoints hold numpy scalars, which torch >= 2.6 refuses to
    unpickle by default; these are the workflow's own files, so allow them.
    """
    return {
        **os.environ,
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1",
        "PYTHONUNBUFFERED": "1",
    }


STEP_LINE = re.compile(r"^\s*(\d+) \(\s*[\d.]+%\)\s+(.*?)\s*$")


def run_training(command: list[str], log_path: Path, threads: int, report: Callable[[str], None], report_every_s: float = 30.0) -> None:
    """Run ns-train, its output into the rule's log, its latest step line to `report` now and then."""
    last_report = time.monotonic()
    latest_step, latest_text = -1, ""
    with Path(log_path).open("a") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=training_environment(threads), text=True, errors="replace")
        for line in process.stdout:
            log.write(line)
            # nerfstudio redraws its whole progress table: keep the row of the newest step.
            match = STEP_LINE.match(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line))
            if match and int(match.group(1)) > latest_step:
                latest_step, latest_text = int(match.group(1)), " ".join(match.group(2).split())
            if latest_step >= 0 and time.monotonic() - last_report >= report_every_s:
                report(f"step {latest_step}: {latest_text}")
                last_report = time.monotonic()
        returncode = process.wait()
    if returncode != 0:
        raise RuntimeError(f"ns-train failed with exit code {returncode}; see {log_path}")


def same_frames_and_cameras(first: Path, second: Path) -> None:
    """Refuse to fine-tune on a dataset whose frames or cameras differ from the RGB run's.

    Pose normalisation and the appearance embeddings depend on the exact frame
    list, so any difference would silently load a mismatched model.
    """
    if json.loads(first.read_text()) != json.loads(second.read_text()):
        raise ValueError(f"{second} differs from {first}: the fine-tuning must use the RGB run's frames and cameras")


def checkpoint_dir(output_dir: Path, experiment: str) -> Path:
    """nerfstudio_models/ of a finished run, checked to hold a checkpoint."""
    models = run_dir(output_dir, experiment) / "nerfstudio_models"
    if not any(models.glob("step-*.ckpt")):
        raise RuntimeError(f"no checkpoint in {models}: training did not finish")
    return models


def write_finetune_start(rgb_models: Path, start_dir: Path) -> Path:
    """A checkpoint holding the RGB model's weights and step, and no optimizer or scheduler state.

    nerfstudio restores whatever optimizer state a checkpoint carries. Adam's
    moments from the RGB stage describe RGB gradients, not mask gradients:
    restored, they let the colour collapse to black and stay there. Starting
    the fine-tuning's optimizer afresh, at its own lower learning rate, lets
    the same model learn the masks.
    """
    latest = max(rgb_models.glob("step-*.ckpt"))
    state = torch.load(latest, map_location="cpu", weights_only=False)
    start_dir.mkdir(parents=True, exist_ok=True)
    torch.save({"step": state["step"], "pipeline": state["pipeline"], "optimizers": {}, "scalers": state["scalers"]}, start_dir / latest.name)
    return start_dir

