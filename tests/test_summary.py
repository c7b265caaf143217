"""Summary tables from metrics and Snakemake benchmark files."""

from pathlib import Path

from invnerf_seg.summary import summary_row, timing_row


def test_summary_row_takes_f1_from_matching():
    row = summary_row({"scene": "demo", "count_predicted": 9, "count_true": 10, "matching": {"f1": 0.9}, "iou_mean": 0.8})
    assert (row["scene"], row["count_predicted"], row["f1"], row["psnr_mean"]) == ("demo", 9, 0.9, "")


def test_timing_row_reads_a_snakemake_benchmark(tmp_path: Path):
    path = tmp_path / "benchmarks" / "plant" / "nerf_rgb.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("s\th:m:s\tmax_rss\tmax_vms\n512.25\t0:08:32\t1800.5\t9000.1\n")
    assert timing_row(path) == {"scene": "plant", "stage": "nerf_rgb", "seconds": 512.25, "max_rss_mb": "1800.5"}
