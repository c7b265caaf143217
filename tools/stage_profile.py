"""Print where a finished run's time went: per scene and stage, wall time, peak memory and rays per second (a profile, not a test).

Reads `results/timings.csv` of each working directory given (what `make demo` or `tools/benchmark.py` leave), so
that runs can be compared side by side:

    .venv/bin/python tools/stage_profile.py . /tmp/invnerf-benchmark/pods_seed68
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from invnerf_seg.methods import TRAINING_STAGES
from invnerf_seg.summary import stage_profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdirs", nargs="+", type=Path, help="working directories of finished runs (each has results/timings.csv)")
    args = parser.parse_args()
    for workdir in args.workdirs:
        with (workdir / "results" / "timings.csv").open(newline="") as handle:
            timings = list(csv.DictReader(handle))
        for scene in dict.fromkeys(row["scene"] for row in timings):
            print(f"\n{workdir} — {scene}\n")
            print(stage_profile([row for row in timings if row["scene"] == scene], set(TRAINING_STAGES)))


if __name__ == "__main__":
    main()
