"""Snakemake step: one table of every scene's metrics, and one of every stage's time and memory."""

import json
from pathlib import Path

from invnerf_seg.step import start_step
from invnerf_seg.summary import SUMMARY_COLUMNS, TIMING_COLUMNS, summary_row, time_outside_training, timing_row, traits_of, write_csv
from invnerf_seg.traits import TRAIT_COLUMNS


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    rows = [summary_row(json.loads(Path(path).read_text())) for path in snakemake.input.metrics]
    write_csv(Path(snakemake.output.csv), SUMMARY_COLUMNS, rows)
    Path(snakemake.output.json).write_text(json.dumps(rows, indent=2))
    traits = [row for path in snakemake.input.traits for row in traits_of(Path(path))]
    write_csv(Path(snakemake.output.traits), ["scene", "method", *TRAIT_COLUMNS], traits)
    # A stage's log sits where its benchmark does, under logs/ (logs/<scene>/<stage>.log): its throughput line, if any.
    timings = [timing_row(Path(path), Path(snakemake.params.logs) / Path(path).relative_to("benchmarks").with_suffix(".log")) for path in snakemake.input.benchmarks]
    write_csv(Path(snakemake.output.timings), TIMING_COLUMNS, timings)
    for row in rows:
        logger.info(
            "%s %s: %s / %s objects, IoU %s, one-class IoU %.3f, PSNR %.2f dB", row["scene"], row["method"], row["count_predicted"],
            row["count_true"] or "?", row["iou_mean"] if row["iou_mean"] == "" else f"{row['iou_mean']:.3f}", row["iou_one_class_mean"], row["psnr_mean"],
        )
        if row["warning"]:
            logger.warning("%s: %s", row["scene"], row["warning"])
    for scene in dict.fromkeys(row["scene"] for row in timings):
        stages = [timing for timing in timings if timing["scene"] == scene]
        logger.info("%s: %s; total %.0f s", scene, ", ".join(f"{t['stage']} {t['seconds']:.0f} s" for t in stages), sum(t["seconds"] for t in stages))
        training, outside = time_outside_training(stages, set(snakemake.params.training_stages))
        logger.info("%s: training %.0f s; every other stage together %.0f s, %.0f%% of the training's time", scene, training, outside, 100 * outside / max(training, 1e-9))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
