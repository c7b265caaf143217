"""envs/invnerf.yaml works from where Snakemake puts it: a copy in .snakemake/conda/, from which conda runs pip.

conda cannot be installed here, so the pip part is checked as conda runs it:
pip, in the copy's folder, with the file's pip lines as its requirements.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.workflow_runs import REPO


def test_the_conda_envs_pip_part_installs_from_snakemakes_copy(tmp_path: Path):
    repo = tmp_path / "repo"  # a working copy with what pip reads: the lock and the package's metadata
    shutil.copytree(REPO / "envs", repo / "envs")
    shutil.copytree(REPO / "invnerf_seg", repo / "invnerf_seg", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, repo / name)
    copy_dir = repo / ".snakemake" / "conda"
    copy_dir.mkdir(parents=True)
    shutil.copy(REPO / "envs" / "invnerf.yaml", copy_dir / "0123abcd.yaml")  # as Snakemake names it: a hash
    pip_lines = next(item["pip"] for item in yaml.safe_load((copy_dir / "0123abcd.yaml").read_text())["dependencies"] if isinstance(item, dict))
    (copy_dir / "condaenv.requirements.txt").write_text("\n".join(pip_lines) + "\n")  # what conda writes for pip
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-build-isolation", "--no-index",
         "-r", "condaenv.requirements.txt"],
        cwd=copy_dir, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "invnerf-seg" in result.stdout.replace("invnerf_seg", "invnerf-seg")  # the repository's package, found at ../..
