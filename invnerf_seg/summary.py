"""Tables across scenes: metrics and counts per scene, traits per object, time and memory per stage."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from invnerf_seg.step import THROUGHPUT

SUMMARY_COLUMNS = [
    "scene", "method", "count_predicted", "count_true", "count_error", "f1", "iou_mean", "iou_one_class_mean", "psnr_mean", "held_out_views", "warning",
]
TIMING_COLUMNS = ["scene", "stage", "seconds", "max_rss_mb", "rays", "rays_per_s"]
THROUGHPUT_PATTERN = re.compile(rf"{re.escape(THROUGHPUT)} (\d+) rays in ([0-9.]+) s")


def summary_row(metrics: dict) -> dict:
    """The summary columns of one scene's metrics (blank where unknown)."""
    row = {column: "" if metrics.get(column) is None else metrics[column] for column in SUMMARY_COLUMNS}
    row["f1"] = metrics.get("matching", {}).get("f1", "")
    return row


def timing_row(benchmark_path: Path, log_path: Path | None = None) -> dict:
    """Wall time and peak memory of one stage from its Snakemake benchmark file (benchmarks/<scene>/<stage>.tsv), and, for a
    stage that pushes rays through a model, its rays and rays per second of model work from its log (blank otherwise)."""
    with Path(benchmark_path).open() as handle:
        record = next(csv.DictReader(handle, delimiter="\t"))
    row = {"scene": benchmark_path.parent.name, "stage": benchmark_path.stem, "seconds": float(record["s"]), "max_rss_mb": record["max_rss"],
           "rays": "", "rays_per_s": ""}
    throughput = logged_throughput(log_path) if log_path is not None and Path(log_path).is_file() else None
    if throughput is not None:
        rays, seconds = throughput
        row.update(rays=rays, rays_per_s=round(rays / max(seconds, 1e-9)))
    return row


def logged_throughput(log_path: Path) -> tuple[int, float] | None:
    """(rays, seconds) of a stage's throughput lines (step.throughput_line) summed, or None when its log has none.

    A stage that samples a model and then renders it (export_cloud) logs one line for each.
    """
    found = [logged_throughput_of(line) for line in Path(log_path).read_text(errors="replace").splitlines()]
    found = [pair for pair in found if pair is not None]
    return (sum(rays for rays, _ in found), sum(seconds for _, seconds in found)) if found else None


def logged_throughput_of(line: str) -> tuple[int, float] | None:
    """(rays, seconds) of one throughput line, None for any other line."""
    match = THROUGHPUT_PATTERN.search(line)
    return (int(match.group(1)), float(match.group(2))) if match else None


def time_outside_training(timings: list[dict], training_stages: set[str]) -> tuple[float, float]:
    """(seconds in the training stages, seconds in every other stage) of one scene's timing rows."""
    training = sum(row["seconds"] for row in timings if row["stage"] in training_stages)
    return training, sum(row["seconds"] for row in timings if row["stage"] not in training_stages)


def traits_of(traits_path: Path) -> list[dict]:
    """The rows of one method's traits table (results/<scene>/<method>/traits.csv), each with its scene and method first."""
    with Path(traits_path).open(newline="") as handle:
        return [{"scene": traits_path.parent.parent.name, "method": traits_path.parent.name, **row} for row in csv.DictReader(handle)]


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """A CSV with a header row."""
    with Path(path).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def stage_profile(timings: list[dict], training_stages: set[str]) -> str:
    """A markdown table of one scene's stages (results/timings.csv rows): time, peak memory, rays per second and, for the
    stages that push rays through a model, their speed against the fastest training's; then the time outside training."""
    rates = [float(row["rays_per_s"]) for row in timings if row["stage"] in training_stages and row.get("rays_per_s") not in (None, "")]
    training_rate = max(rates) if rates else None
    lines = ["| stage | seconds | peak MB | rays | rays/s | x training |", "|---|---|---|---|---|---|"]
    for row in timings:
        rate = row.get("rays_per_s")
        versus = "" if rate in (None, "") or training_rate is None or row["stage"] in training_stages else f"x{float(rate) / training_rate:.1f}"
        lines.append(f"| {row['stage']} | {float(row['seconds']):.0f} | {float(row['max_rss_mb']):.0f} | {row.get('rays') or ''} | {rate or ''} | {versus} |")
    training, outside = time_outside_training([{**row, "seconds": float(row["seconds"])} for row in timings], training_stages)
    lines.append(f"\ntraining {training:.0f} s; every other stage {outside:.0f} s ({100 * outside / max(training, 1e-9):.0f}% of training); total {training + outside:.0f} s")
    return "\n".join(lines)
