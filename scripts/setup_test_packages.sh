#!/usr/bin/env bash
# Debian packages the test suite needs beyond the Python environment: a one-node SLURM
# (slurmctld, slurmd, the client commands) and munge, for tests/test_slurm.py.
# Installs them as root when they are missing; otherwise says how, and the SLURM test is skipped.
set -euo pipefail
packages="slurmctld slurmd slurm-client munge"
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $packages (for the SLURM test)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
else
    echo "the SLURM test needs: sudo apt-get install $packages (it is skipped without them)" >&2
fi
