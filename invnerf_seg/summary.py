"""Tables across scenes: metrics and counts per scene, traits per object, time and memory per stage."""

from __future__ import annotations

import csv
from pathlib import Path

SUMMARY_COLUMNS = ["scene", "method", "count_predicted", "count_true", "count_error", "f1", "iou_mean", "iou_one_class_mean", "psnr_mean", "held_out_views"]
TIMING_COLUMNS = ["scene", "stage", "seconds", "max_rss_mb"]


def summary_row(metrics: dict) -> dict:
    """The summary columns of one scene's metrics (blank where unknown)."""
    row = {column: "" if metrics.get(column) is None else metrics[column] for column in SUMMARY_COLUMNS}
    row["f1"] = metrics.get("matching", {}).get("f1", "")
    return row


def timing_row(benchmark_path: Path) -> dict:
    """Wall time and peak memory of one stage from its Snakemake benchmark file (benchmarks/<scene>/<stage>.tsv)."""
    with Path(benchmark_path).open() as handle:
        record = next(csv.DictReader(handle, delimiter="\t"))
    return {"scene": benchmark_path.parent.name, "stage": benchmark_path.stem, "seconds": float(record["s"]), "max_rss_mb": record["max_rss"]}


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
