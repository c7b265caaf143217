"""Snakemake step: one table of every scene's metrics (CSV for spreadsheets, JSON for scripts)."""

import csv
import json
from pathlib import Path

from invnerf_seg.step import start_step

COLUMNS = ["scene", "method", "count_predicted", "count_true", "count_error", "f1", "iou_mean", "psnr_mean", "held_out_views"]


def summary_row(metrics: dict) -> dict:
    """The summary columns of one scene's metrics (blank where unknown)."""
    row = {column: metrics.get(column, "") for column in COLUMNS}
    row["f1"] = metrics.get("matching", {}).get("f1", "")
    return row


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "summary")
    rows = [summary_row(json.loads(Path(path).read_text())) for path in snakemake.input.metrics]
    with open(snakemake.output.csv, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    Path(snakemake.output.json).write_text(json.dumps(rows, indent=2))
    for row in rows:
        logger.info("%s: %s / %s objects, IoU %.3f, PSNR %.2f dB", row["scene"], row["count_predicted"], row["count_true"] or "?", row["iou_mean"], row["psnr_mean"])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
