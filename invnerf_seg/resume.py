"""Resumable training: a stage trains in a folder beside its output and resumes there after a kill.

Snakemake deletes the outputs of a job that was killed before it reruns it,
so checkpoints kept inside the output would be lost. A stage therefore
trains in `<output>.partial/`, which no rule declares, together with a
`resume.json` holding a key of what it trains (parameters and the bytes of
its inputs). A rerun with the same key continues from the latest checkpoint,
optimizer and step included; any other key starts afresh. Only a finished,
checked run is moved to the output, so the output never holds a half-trained
model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

RESUME_FILE = "resume.json"


def partial_dir(output_dir: Path) -> Path:
    """Where a stage trains until it has finished: beside its output."""
    return output_dir.with_name(output_dir.name + ".partial")


def files_digest(paths: list[Path]) -> str:
    """SHA-256 over the names and bytes of the files (a folder: every file under it, in sorted order)."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(path.parent)).encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def training_key(params: dict, inputs: list[Path]) -> str:
    """What a training run is: its parameters and its inputs' bytes. A checkpoint resumes only the same run."""
    return hashlib.sha256((json.dumps(params, sort_keys=True, default=str) + files_digest(inputs)).encode()).hexdigest()


def step_of(checkpoint: Path) -> int:
    """The step in a nerfstudio checkpoint's name (`step-000001234.ckpt`)."""
    return int(checkpoint.stem.split("-")[1])


def checkpoint_step(models: Path) -> int | None:
    """The step of the latest nerfstudio checkpoint in a folder, or None."""
    steps = [step_of(path) for path in models.glob("step-*.ckpt")]
    return max(steps) if steps else None


def written_whole(checkpoint: Path) -> bool:
    """Whether a checkpoint file was saved completely.

    torch saves a zip archive whose central directory comes last, so a save
    cut short by the kill has none. nerfstudio deletes the older checkpoint
    only after the new one is saved, so the older one is then still there.
    """
    try:
        with zipfile.ZipFile(checkpoint):
            return True
    except (zipfile.BadZipFile, OSError):
        return False


def resumable_step(models: Path) -> int | None:
    """The step of the latest checkpoint saved whole; checkpoints cut short are deleted."""
    for checkpoint in sorted(models.glob("step-*.ckpt"), key=step_of, reverse=True):
        if written_whole(checkpoint):
            return step_of(checkpoint)
        checkpoint.unlink()
    return None


@dataclass
class Resume:
    """Where a stage's training stands: the step it starts from, and the checkpoint it resumed from if any."""

    first_step: int  # the stage's own first step (the fine-tuning continues the RGB run's counter)
    resumed_from: int | None  # checkpoint step of a killed run of the same training, or None for a fresh start

    def launch_iterations(self, iterations: int) -> int:
        """--max-num-iterations for this launch: what is left of the stage's `iterations`.

        nerfstudio trains that many steps after the loaded checkpoint's step.
        """
        done = 0 if self.resumed_from is None else self.resumed_from + 1 - self.first_step
        return iterations - done


def resume_or_start(partial: Path, models: Path, key: str) -> int | None:
    """The checkpoint step to resume from, when `partial` holds a killed run with this key; otherwise clear it.

    `models` is the nerfstudio_models/ folder inside `partial`.
    """
    record = partial / RESUME_FILE
    if record.is_file() and json.loads(record.read_text()).get("key") == key:
        step = resumable_step(models)
        if step is not None:
            return step
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    return None


def write_record(partial: Path, key: str, first_step: int) -> None:
    """Mark `partial` as holding the training with this key, which started at `first_step`."""
    (partial / RESUME_FILE).write_text(json.dumps({"key": key, "first_step": first_step}))


def recorded_first_step(partial: Path) -> int:
    """The first step written by `write_record`."""
    return int(json.loads((partial / RESUME_FILE).read_text())["first_step"])


def publish(partial: Path, output_dir: Path, config_path_in_partial: Path) -> None:
    """Move a finished run to its output, and point its nerfstudio config.yml at the new place.

    config.yml names the folder it was trained in (output_dir, load_dir), and
    nerfstudio's eval_setup finds the checkpoints through it.
    """
    config = yaml.load(config_path_in_partial.read_text(), Loader=yaml.Loader)  # nerfstudio's own format (python objects)
    config.output_dir = output_dir
    if config.load_dir is not None and Path(config.load_dir).is_relative_to(partial):
        config.load_dir = output_dir / Path(config.load_dir).relative_to(partial)
    config_path_in_partial.write_text(yaml.dump(config), "utf8")
    (partial / RESUME_FILE).unlink()
    shutil.rmtree(output_dir, ignore_errors=True)
    partial.rename(output_dir)
