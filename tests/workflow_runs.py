"""Running the workflow from a test: a working directory with an edited config, and Snakemake with a time limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def workdir_with_config(tmp_path: Path, edit) -> Path:
    """A working directory holding the default config, changed by `edit`."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    edit(config)
    (tmp_path / "config").mkdir(parents=True, exist_ok=True)
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


def snakemake(workdir: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the workflow; past the timeout, stop it with every job it started (ns-train included)."""
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def jobs_of(dry_run_output: str) -> dict[str, int]:
    """Rule name -> job count from the job-stats table of a dry run."""
    table = dry_run_output.split("Job stats:")[1].split("total")[0]
    return {parts[0]: int(parts[1]) for parts in (line.split() for line in table.splitlines()) if len(parts) == 2 and parts[1].isdigit()}
