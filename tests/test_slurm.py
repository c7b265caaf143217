"""The demo's stages up to the NeRF datasets through a real one-node SLURM cluster and the `slurm` profile.

The run goes through `--workflow-profile` with a copy of profiles/slurm in
which only the partitions and the account name this test cluster. Each job
must have been submitted with sbatch (its job id in Snakemake's output and in
slurmctld's log), and what it made must match a local run of the same stages.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.slurm_cluster import SLURM_CONF, foreign_slurm_conf, missing_commands, one_node_cluster
from tests.workflow_runs import REPO, jobs_of, snakemake, workdir_with_config

# Frames, COLMAP poses, the demo's masks and both NeRF datasets: every CPU stage of a video scene.
TARGETS = ["results/demo/nerf/data_rgb", "results/demo/nerf/data_mask"]
PARTITION = "main"


def test_profile_sends_the_gpu_rules_to_the_gpu_partition_and_polls_with_squeue():
    """Every rule that declares gpu=1, and no other, goes to the GPU partition; squeue needs no accounting."""
    declared = set()
    for rules_file in (REPO / "rules").glob("*.smk"):
        for block in re.split(r"\n(?=rule |localrule )", rules_file.read_text()):
            match = re.match(r"(?:local)?rule (\w+):", block.strip())
            if match and re.search(r"^\s+gpu=1,", block, re.MULTILINE):
                declared.add(match.group(1))
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert declared == {name for name, resources in profile["set-resources"].items() if resources["slurm_partition"] == "gpu"}
    assert profile["executor"] == "slurm" and profile["slurm-status-command"] == "squeue"


def profile_for_this_cluster(workdir: Path) -> Path:
    """profiles/slurm with the partitions and account of the test cluster (a folder in the workdir)."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = PARTITION
    profile["default-resources"]["slurm_account"] = "test"
    for resources in profile["set-resources"].values():
        resources["slurm_partition"] = PARTITION
    folder = workdir / "profile"
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def digests(folder: Path) -> dict[str, str]:
    """File name -> SHA-256 of every file in a folder."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.mark.skipif(bool(missing_commands()), reason=f"SLURM is not installed ({', '.join(missing_commands())} missing); `make test` installs it as root")
@pytest.mark.skipif(foreign_slurm_conf(), reason=f"this machine has its own {SLURM_CONF}; the test cluster would replace it")
def test_demo_stages_run_through_slurm_like_locally(tmp_path: Path):
    slurm_dir = workdir_with_config(tmp_path / "slurm", lambda config: None)
    profile = profile_for_this_cluster(slurm_dir)
    with one_node_cluster(tmp_path / "cluster", partitions=[PARTITION]):
        # --max-threads: rules asking for more CPUs than this node has would never be scheduled.
        result = snakemake(slurm_dir, "--workflow-profile", str(profile), "--max-threads", "2", *TARGETS, timeout=900)
        controller_log = (tmp_path / "cluster" / "slurmctld.log").read_text()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    job_ids = re.findall(r"SLURM jobid (\d+)", output)
    print("sbatch job ids:", ", ".join(job_ids))
    expected_jobs = {"demo_scene", "frames", "poses", "scale", "masks", "nerf_data"}
    assert len(job_ids) == len(expected_jobs), output[-4000:]
    assert all(re.search(rf"JobId={job_id}\b", controller_log) for job_id in job_ids), "a job id Snakemake reported is unknown to slurmctld"

    # The same stages locally, on the same demo video (copied, so that both runs pose the same frames).
    local_dir = workdir_with_config(tmp_path / "local", lambda config: None)
    shutil.copytree(slurm_dir / "resources" / "demo", local_dir / "resources" / "demo")
    assert set(jobs_of(snakemake(local_dir, "-n", *TARGETS).stdout)) == expected_jobs - {"demo_scene"}
    local = snakemake(local_dir, "--cores", "2", *TARGETS, timeout=600)
    assert local.returncode == 0, local.stderr[-3000:]

    slurm_results, local_results = slurm_dir / "results" / "demo", local_dir / "results" / "demo"
    assert digests(slurm_results / "frames") == digests(local_results / "frames")
    assert digests(slurm_results / "masks") == digests(local_results / "masks")
    for dataset in ("data_rgb", "data_mask"):
        slurm_frames = json.loads((slurm_results / "nerf" / dataset / "transforms.json").read_text())["frames"]
        local_frames = json.loads((local_results / "nerf" / dataset / "transforms.json").read_text())["frames"]
        assert [frame["file_path"] for frame in slurm_frames] == [frame["file_path"] for frame in local_frames]
    slurm_registration = json.loads((slurm_results / "poses" / "registration.json").read_text())
    local_registration = json.loads((local_results / "poses" / "registration.json").read_text())
    assert slurm_registration == local_registration
