#!/usr/bin/env bash
# Set up the workflow's Python environment from the package registries (PyPI, Debian).
# Usage: bash scripts/setup_env.sh [VENV_DIR]
set -euo pipefail
venv=${1:-.venv}
cd "$(dirname "$0")/.."

# open3d's wheel links against libusb, which bare Debian/Ubuntu images lack.
if ! ldconfig -p 2>/dev/null | grep -q libusb-1.0.so.0; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing libusb-1.0-0 (needed by open3d)"
        apt-get update -qq && apt-get install -y -qq libusb-1.0-0 >/dev/null
    else
        echo "open3d needs libusb-1.0: install it (e.g. 'sudo apt-get install libusb-1.0-0') and rerun" >&2
        exit 1
    fi
fi

# The environment takes about 9 GB (torch's CUDA build: torch, triton and the nvidia-* libraries
# are 5 GB of it, and the same install runs on GPU machines). pip keeps no cache of the downloaded
# wheels (PIP_NO_CACHE_DIR), but holds every wheel of one install until it ends: in one step that
# is 4 GB of wheels on top of the 9 GB installed, so the torch stack goes in first, then the rest.
free_gb=$(df -Pk "$(dirname "$(realpath -m "$venv")")" | awk 'NR==2 {print int($4 / 1048576)}')
if [ "$free_gb" -lt 11 ]; then
    echo "setup_env.sh: warning: ${free_gb} GB free on the disk of $venv; the environment takes about 9 GB," \
         "and pip needs room for the downloaded wheels (up to 2 GB at a time) while it installs" >&2
fi
export PIP_NO_CACHE_DIR=1

python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
# The lock file pins every package (resolved from envs/requirements.txt), so installs are repeatable and quick.
"$venv/bin/pip" install --quiet -c envs/requirements.lock torch
"$venv/bin/pip" install --quiet -r envs/requirements.lock
"$venv/bin/pip" install --quiet --no-deps -e .
"$venv/bin/python" -c "import nerfstudio, pycolmap, open3d, torchvision, mobile_sam; print('environment ready:', '$venv')"
