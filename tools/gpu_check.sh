#!/usr/bin/env bash
# The GPU check: one benchmark scene (objects about 1% of each frame) end to end with the `paper` preset,
# all three methods, on a CUDA GPU. Prints the benchmark table (counts, F1, IoU, colour match, stage times).
# Usage: bash tools/gpu_check.sh [OUT_DIR] [SCENE]   (after `make setup`; refuses to run without CUDA)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
out=${1:-/tmp/invnerf-gpu-check}
scene=${2:-share1_seed63}
"$python" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 'gpu_check.sh: torch sees no CUDA GPU; this check is for GPU machines')"
"$python" -c "import torch; print('GPU:', torch.cuda.get_device_name(0))"
start=$(date +%s)
"$python" tools/benchmark.py --out "$out" --scenes "$scene" --preset paper --cores "$(nproc)"
echo "gpu_check.sh: ${scene} with the paper preset took $(( $(date +%s) - start )) s; per-stage times: $out/$scene/benchmarks/"
