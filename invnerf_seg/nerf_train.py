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
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
import yaml

from invnerf_seg.nerf_model import METHOD_NAME, RUN_NAME, run_dir
from invnerf_seg.resume import (
    Resume,
    checkpoint_step,
    partial_dir,
    publish,
    recorded_first_step,
    resume_or_start,
    training_key,
    write_record,
)
from invnerf_seg.step import throughput_line


def device_type() -> str:
    """CUDA when the user's machine has it, the CPU otherwise: same code either way."""
    return "cuda" if torch.cuda.is_available() else "cpu"


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
    steps_per_save: int | None = None,
    method: str = METHOD_NAME,
    dataparser: tuple[str, ...] = ("nerfstudio-data",),
    object_share: float = 0.0,
    object_margin: int = 0,
    grid_frozen_until: int = 0,
) -> list[str]:
    """The ns-train command line for one training stage.

    The same `preset` (model sizes, planes, rays per batch) is used for the
    RGB training and the mask fine-tuning, so the fine-tuned model is the same
    nerfacto; only the images, the iteration count and the learning rate differ.
    """
    device = device_type()
    command = [
        sys.executable, "-m", "invnerf_seg.ns_train", method,
        "--output-dir", str(output_dir),
        "--experiment-name", experiment,
        "--timestamp", RUN_NAME,
        "--vis", "tensorboard",
        "--machine.device-type", device,
        "--max-num-iterations", str(iterations),
        "--steps-per-save", str(steps_per_save or max(iterations, 1)),
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
    if object_share:
        command += ["--pipeline.datamanager.pixel-sampler.object-share", str(object_share)]
        if object_margin:
            command += ["--pipeline.datamanager.pixel-sampler.object-margin", str(object_margin)]
    if grid_frozen_until:
        command += ["--pipeline.model.trained-parts", "field_mlps", "--pipeline.model.trained-parts-until-step", str(grid_frozen_until)]
    if load_dir is not None:
        command += ["--load-dir", str(load_dir)]
    command += [
        *dataparser, "--data", str(dataset),
        "--downscale-factor", "1",
        "--eval-mode", "interval", "--eval-interval", str(eval_interval),
    ]
    return command


def training_environment(threads: int) -> dict[str, str]:
    """Environment for ns-train: the rule's thread budget, checkpoint loading, and this package on the path.

    nerfstudio checkpoints hold numpy scalars, which torch >= 2.6 refuses to
    unpickle by default; these are the workflow's own files, so allow them.
    Training runs as `python -m invnerf_seg.ns_train`, which must import this
    very package even where the environment's install of it points elsewhere
    (an editable install of another checkout) or nowhere.
    """
    package_root = str(Path(__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])]),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1",
        "PYTHONUNBUFFERED": "1",
    }


STEP_LINE = re.compile(r"^\s*(\d+) \(\s*[\d.]+%\)\s+(.*?)\s*$")


def run_training(
    command: list[str], log_path: Path, threads: int, iterations: int, report: Callable[[str], None], rays_per_step: int, report_every_s: float = 30.0,
) -> None:
    """Run ns-train, its output into the rule's log, its progress to `report` now and then, and at the end its throughput.

    Progress counts this stage's own steps: a fine-tuning continues the RGB
    run's step counter, so nerfstudio's percentage and ETA mean nothing there.
    The throughput counts the steps between the first and the last step
    nerfstudio reports, so start-up (imports, data loading, compiling) is left out.
    """
    last_report = time.monotonic()
    first_step, latest_step, latest_text = None, -1, ""
    first_step_at = latest_step_at = 0.0
    with Path(log_path).open("a") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=training_environment(threads), text=True, errors="replace")
        with terminate_with_us(process) as stopped_by:
            for line in process.stdout:
                log.write(line)
                log.flush()
                # nerfstudio redraws its whole progress table: keep the row of the newest step.
                match = STEP_LINE.match(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line))
                if match and int(match.group(1)) > latest_step:
                    latest_step, latest_text, latest_step_at = int(match.group(1)), match.group(2).split("  ")[0].strip(), time.monotonic()
                    if first_step is None:
                        first_step, first_step_at = latest_step, latest_step_at
                if first_step is not None and time.monotonic() - last_report >= report_every_s:
                    done = latest_step - first_step
                    report(f"step {done}/{iterations} ({100 * done // max(iterations, 1)}%), {latest_text} per step")
                    last_report = time.monotonic()
            returncode = process.wait()
    if stopped_by:
        done = max(latest_step - first_step, 0) if first_step is not None else 0
        raise TrainingStopped(f"training stopped by {stopped_by[0]} after {done} of {iterations} steps; a rerun resumes from its latest checkpoint (see {log_path})")
    if returncode != 0:
        raise RuntimeError(f"ns-train failed with exit code {returncode}; see {log_path}")
    if first_step is not None and latest_step > first_step:
        report(throughput_line((latest_step - first_step) * rays_per_step, latest_step_at - first_step_at))


class TrainingStopped(RuntimeError):
    """The step was told to stop (SIGTERM: a cluster's time limit, `scancel`, a shutdown) while ns-train ran."""


@contextmanager
def terminate_with_us(process: subprocess.Popen):
    """Pass a SIGTERM this process gets on to ns-train, and record it.

    Why: without it, a terminated step leaves ns-train training on, orphaned,
    to the end of the stage, while Snakemake already calls the job failed.
    Yields the list of signal names received (empty when none came).
    """
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        yield received
        return

    def forward(signum, _frame) -> None:
        received.append(signal.Signals(signum).name)
        process.terminate()

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def same_frames_and_cameras(first: Path, second: Path) -> None:
    """Refuse to fine-tune on a dataset whose frames or cameras differ from the RGB run's.

    Pose normalisation and the appearance embeddings depend on the exact frame
    list, so any difference would silently load a mismatched model.
    """
    if json.loads(first.read_text()) != json.loads(second.read_text()):
        raise ValueError(f"{second} differs from {first}: the fine-tuning must use the RGB run's frames and cameras")


def model_mismatches(trained_model, preset_model: dict) -> list[str]:
    """The preset's model options (far plane and all) that a trained run's model config does not share."""
    mismatches = []
    for key, wanted in preset_model.items():
        trained = getattr(trained_model, key, None)
        normalised = list(trained) if isinstance(trained, (list, tuple)) else trained
        if normalised != (list(wanted) if isinstance(wanted, (list, tuple)) else wanted):
            mismatches.append(f"{key}: RGB run {trained!r}, fine-tuning {wanted!r}")
    return mismatches


def same_model_as_rgb_run(rgb_config: Path, preset_model: dict) -> None:
    """Refuse to fine-tune with model options (far plane, sizes) other than the RGB run was trained with.

    The fine-tuning loads the RGB weights into the model its own options
    build: a different far plane would silently sample other space.
    """
    trained = yaml.load(rgb_config.read_text(), Loader=yaml.Loader)  # nerfstudio's own config file, as ns-train writes it
    mismatches = model_mismatches(trained.pipeline.model, preset_model)
    if mismatches:
        raise ValueError(f"{rgb_config} was trained with other model options than the fine-tuning asks for ({'; '.join(mismatches)}); rerun the RGB stage")


def checkpoint_dir(output_dir: Path, experiment: str, method: str = METHOD_NAME) -> Path:
    """nerfstudio_models/ of a finished run, checked to hold a checkpoint."""
    models = run_dir(output_dir, experiment, method) / "nerfstudio_models"
    if not any(models.glob("step-*.ckpt")):
        raise RuntimeError(f"no checkpoint in {models}: training did not finish")
    return models


def diverged_weights(models: Path) -> list[str]:
    """Names of the weights in a run's latest checkpoint that are not finite (NaN or inf).

    nerfstudio trains on after a NaN loss; the run then "finishes" with a
    field that renders nothing, and every later stage would trust it.
    """
    state = torch.load(max(models.glob("step-*.ckpt")), map_location="cpu", weights_only=False)
    return [name for name, tensor in state["pipeline"].items() if torch.is_tensor(tensor) and tensor.is_floating_point() and not torch.isfinite(tensor).all()]


COLOUR_OUTPUT_PREFIX = "_model.field.mlp_head.layers."


def reset_colour_output(pipeline_state: dict) -> dict:
    """Zero the last layer of nerfacto's colour head in a pipeline state dict.

    Red fruits leave the RGB model's green and blue outputs deep in the
    sigmoid's flat tail (about 2e-5 on the fruit). There the gradient towards
    white is about twenty times weaker than the background's pull towards
    black, and the masks come out red-only, never white. With this one layer
    at zero, every channel starts at 0.5 and learns the same mask. The
    density field, the hash grid and the rest of the colour head are kept.
    """
    layers = sorted({int(key[len(COLOUR_OUTPUT_PREFIX):].split(".")[0]) for key in pipeline_state if key.startswith(COLOUR_OUTPUT_PREFIX)})
    if not layers:
        raise ValueError("no colour head (field.mlp_head) in the checkpoint: train with --pipeline.model.implementation torch")
    state = dict(pipeline_state)
    for name in ("weight", "bias"):
        key = f"{COLOUR_OUTPUT_PREFIX}{layers[-1]}.{name}"
        state[key] = torch.zeros_like(state[key])
    return state


def write_finetune_start(rgb_models: Path, start_dir: Path, colour_start: str = "zero") -> Path:
    """The checkpoint the fine-tuning starts from: the RGB model, a fresh optimizer, the colour output zeroed or kept.

    nerfstudio restores whatever optimizer state a checkpoint carries; Adam's
    moments from the RGB stage describe RGB gradients, not mask gradients,
    so none are kept and the fine-tuning runs at its own learning rate.
    """
    latest = max(rgb_models.glob("step-*.ckpt"))
    state = torch.load(latest, map_location="cpu", weights_only=False)
    start_dir.mkdir(parents=True, exist_ok=True)
    if colour_start not in ("zero", "keep"):
        raise ValueError(f"colour_start must be 'zero' or 'keep', not {colour_start!r}")
    pipeline = reset_colour_output(state["pipeline"]) if colour_start == "zero" else state["pipeline"]
    start = {"step": state["step"], "pipeline": pipeline, "optimizers": {}, "scalers": state["scalers"]}
    torch.save(start, start_dir / latest.name)
    return start_dir


# A killed stage loses at most this fraction of its steps (see train_stage).
CHECKPOINTS_PER_STAGE = 10


@dataclass(frozen=True)
class StageSettings:
    """What one training stage trains with: the preset's values for this stage, and which nerfstudio method and dataparser.

    All of it enters the resume key: a checkpoint resumes only a run with the same settings.
    """

    model: dict
    """nerfacto options (the preset's `model`)."""
    rays_per_batch: int
    iterations: int
    learning_rate: float
    eval_interval: int
    """Every n-th frame is held out (nerfstudio's interval split)."""
    method: str = METHOD_NAME
    dataparser: tuple[str, ...] = field(default=("nerfstudio-data",))
    """The dataparser and its arguments (FruitNeRF's reads the masks too)."""
    object_share: float = 0.0
    """Fine-tuning: share of each batch drawn from object pixels (see nerfstudio_method's sampler)."""
    object_margin: int = 0
    """Fine-tuning: the object share also draws the background within this many pixels of an object."""
    colour_start: str = "zero"
    """Fine-tuning: how the colour output layer starts (see write_finetune_start)."""
    grid_frozen_steps: int = 0
    """Fine-tuning: its first steps train only the MLPs (colour head and density MLP), the hash grid and the proposal
    networks keeping the RGB model's values; every part trains after them. 0: every part from the start."""


def train_stage(
    dataset: Path, output: Path, experiment: str, settings: StageSettings, log_path: Path, threads: int, report: Callable[[str], None],
    rgb_models: Path | None = None, other_inputs: tuple[Path, ...] = (),
) -> Resume:
    """Train one stage into `output`, resuming a killed run of the same training; the fine-tuning when `rgb_models` is given.

    The run trains in `<output>.partial/` (see resume.py) with a
    checkpoint every tenth of the stage, and reaches `output` only finished
    and with finite weights. `other_inputs` are folders the training also
    reads (FruitNeRF's masks): their bytes enter the resume key too.
    """
    partial = partial_dir(output)
    method = settings.method
    models = run_dir(partial, experiment, method) / "nerfstudio_models"
    key = training_key(asdict(settings), [dataset, *other_inputs] + ([rgb_models] if rgb_models is not None else []))
    resumed_from = resume_or_start(partial, models, key)
    if resumed_from is None:
        load_dir, first_step = None, 0
        if rgb_models is not None:
            load_dir = write_finetune_start(rgb_models, partial / "start", settings.colour_start)
            first_step = checkpoint_step(load_dir) + 1
        write_record(partial, key, first_step)
    else:
        load_dir, first_step = models, recorded_first_step(partial)
    resume = Resume(first_step, resumed_from)
    iterations = resume.launch_iterations(settings.iterations)
    if resumed_from is not None:
        report(f"resumed from step {resumed_from}, the checkpoint of a killed run of the same training ({settings.iterations - iterations}/{settings.iterations} steps of this stage done, {iterations} left)")
    if iterations > 0:
        command = train_command(
            dataset, partial, experiment, iterations, {"model": settings.model, "rays_per_batch": settings.rays_per_batch},
            settings.learning_rate, settings.eval_interval, load_dir, steps_per_save=max(settings.iterations // CHECKPOINTS_PER_STAGE, 1),
            method=method, dataparser=settings.dataparser, object_share=settings.object_share, object_margin=settings.object_margin,
            grid_frozen_until=first_step + settings.grid_frozen_steps if settings.grid_frozen_steps else 0,
        )
        run_training(command, log_path, threads, iterations, report=report, rays_per_step=settings.rays_per_batch)
    diverged = diverged_weights(checkpoint_dir(partial, experiment, method))
    if diverged:
        shutil.rmtree(partial)
        raise RuntimeError(f"training diverged: {len(diverged)} weight tensors are NaN or infinite (first: {diverged[0]}); see {log_path}")
    publish(partial, output, run_dir(partial, experiment, method) / "config.yml")
    return resume
