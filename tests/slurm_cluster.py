"""A real one-node SLURM cluster for the tests, from Debian's packages, started without systemd.

`make test` installs the packages (scripts/setup_test_packages.sh, as root).
The cluster's state, spool and logs live in a temporary folder. Its
slurm.conf must sit at the default path, /etc/slurm/slurm.conf, as on a real
cluster: the SLURM job-step executor clears SLURM_CONF before it calls srun
inside a job. The file is written only where none exists (or where this
module wrote it) and removed afterwards; munged is shared with anything else
on the machine and left running if it already was.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
SLURM_CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# written by InvNeRF-Seg's test cluster (tests/slurm_cluster.py)"
CLIENTS = ("sbatch", "squeue", "sinfo", "scancel")


def missing_commands() -> list[str]:
    """The SLURM and munge commands this machine lacks."""
    return [name for name in (*DAEMONS, *CLIENTS) if shutil.which(name) is None and not Path("/usr/sbin", name).exists()]


def foreign_slurm_conf() -> bool:
    """Whether this machine has a slurm.conf of its own, which the test must not replace."""
    return SLURM_CONF.exists() and not SLURM_CONF.read_text().startswith(MARKER)


def node_line() -> str:
    """This machine as slurm.conf's NodeName line, as `slurmd -C` measures it (CPUs, sockets, memory)."""
    measured = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    return next(line for line in measured.splitlines() if line.startswith("NodeName="))


def slurm_conf(folder: Path, partitions: list[str]) -> str:
    """A one-node slurm.conf without accounting (no slurmdbd), every partition on this node."""
    host = socket.gethostname().split(".")[0]
    lines = [
        MARKER,
        "ClusterName=invnerf-test",
        f"SlurmctldHost={host}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "ReturnToService=2",
        "MinJobAge=3600",  # squeue keeps finished jobs this long, so the status check sees them end
        f"StateSaveLocation={folder / 'state'}",
        f"SlurmdSpoolDir={folder / 'spool'}",
        f"SlurmctldPidFile={folder / 'slurmctld.pid'}",
        f"SlurmdPidFile={folder / 'slurmd.pid'}",
        f"SlurmctldLogFile={folder / 'slurmctld.log'}",
        f"SlurmdLogFile={folder / 'slurmd.log'}",
        f"{node_line()} State=UNKNOWN",
    ]
    lines += [f"PartitionName={name} Nodes=ALL Default={'YES' if index == 0 else 'NO'} MaxTime=INFINITE State=UP" for index, name in enumerate(partitions)]
    return "\n".join(lines) + "\n"


def munge_works() -> bool:
    """Whether a munge daemon answers (a credential can be made)."""
    return subprocess.run(["munge", "-n"], capture_output=True, check=False).returncode == 0


def start_munged() -> bool:
    """Start munged as user munge unless one runs already; True when this call started it."""
    if munge_works():
        return False
    for folder in ("/run/munge", "/var/lib/munge", "/var/log/munge"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, "munge", "munge")
    subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True)
    wait_for(munge_works, "munged to answer", timeout_s=60)
    return True


def wait_for(condition, what: str, timeout_s: float) -> None:
    """Poll until the condition holds, or fail saying what never happened."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.5)


def stop_daemon(pid_file: Path) -> None:
    """Stop the daemon whose pid the file holds, and wait for it to go."""
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return
    for _ in range(40):
        if not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.25)
    os.kill(pid, 9)


@contextmanager
def one_node_cluster(folder: Path, partitions: list[str]) -> Iterator[None]:
    """Run slurmctld and slurmd on this machine for the duration of the block."""
    if foreign_slurm_conf():
        raise RuntimeError(f"{SLURM_CONF} exists already; the test cluster does not replace a real configuration")
    for sub in ("state", "spool"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
    SLURM_CONF.write_text(slurm_conf(folder, partitions))
    started_munged = start_munged()
    try:
        subprocess.run(["/usr/sbin/slurmctld", "-i"], check=True)
        subprocess.run(["/usr/sbin/slurmd"], check=True)

        def node_idle() -> bool:
            states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, check=False).stdout.split()
            return bool(states) and all(state == "idle" for state in states)

        wait_for(node_idle, f"the SLURM node to be idle (see {folder / 'slurmctld.log'})", timeout_s=180)
        yield
    finally:
        stop_daemon(folder / "slurmd.pid")
        stop_daemon(folder / "slurmctld.pid")
        SLURM_CONF.unlink(missing_ok=True)
        if started_munged:
            subprocess.run(["pkill", "-x", "munged"], check=False)
