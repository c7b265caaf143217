"""Summary tables from metrics and Snakemake benchmark files."""

import logging
import time
from pathlib import Path

from invnerf_seg.step import Progress, throughput_line
from invnerf_seg.summary import stage_profile, summary_row, time_outside_training, timing_row


def test_summary_row_takes_f1_from_matching():
    row = summary_row({"scene": "demo", "count_predicted": 9, "count_true": 10, "matching": {"f1": 0.9}, "iou_mean": 0.8})
    assert (row["scene"], row["count_predicted"], row["f1"], row["psnr_mean"], row["warning"]) == ("demo", 9, 0.9, "", "")


def test_timing_row_reads_a_snakemake_benchmark(tmp_path: Path):
    path = tmp_path / "benchmarks" / "plant" / "nerf_rgb.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("s\th:m:s\tmax_rss\tmax_vms\n512.25\t0:08:32\t1800.5\t9000.1\n")
    assert timing_row(path) == {"scene": "plant", "stage": "nerf_rgb", "seconds": 512.25, "max_rss_mb": "1800.5", "rays": "", "rays_per_s": ""}


def export_benchmark(tmp_path: Path) -> Path:
    """A Snakemake benchmark file of a 40-s export_cloud stage."""
    path = tmp_path / "benchmarks" / "plant" / "export_cloud.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("s\th:m:s\tmax_rss\tmax_vms\n40.0\t0:00:40\t900\t9000\n")
    return path


def test_timing_row_takes_the_rays_per_second_from_the_stages_log(tmp_path: Path):
    path = export_benchmark(tmp_path)
    log = tmp_path / "export_cloud.log"
    log.write_text(f"12:00:00 export_cloud INFO views sampled: 35/35 (100%) after 30 s\n12:00:01 export_cloud INFO {throughput_line(96000, 8.0)}\n")
    row = timing_row(path, log)
    assert (row["seconds"], row["rays"], row["rays_per_s"]) == (40.0, 96000, 12000)


def test_a_stage_that_samples_and_then_renders_reports_both_phases_together(tmp_path: Path):
    path = export_benchmark(tmp_path)
    log = tmp_path / "export_cloud.log"
    log.write_text(f"12:00:01 export_cloud INFO {throughput_line(168000, 12.0)}\n12:00:09 export_cloud INFO {throughput_line(96000, 6.0)}\n")
    row = timing_row(path, log)
    assert (row["rays"], row["rays_per_s"]) == (264000, 14667)


def test_a_progress_reporter_gives_the_throughput_of_the_rays_it_was_told(caplog):
    progress = Progress(logging.getLogger("test"), "views")
    time.sleep(0.3)  # loading a model: not the loop's time
    progress(0, 2, rays=0)
    progress(1, 2, rays=1000)
    progress(2, 2, rays=2500)
    assert progress.throughput().startswith("throughput: 2500 rays in ") and progress.seconds < 0.3


def test_the_time_outside_training_is_every_other_stage():
    rows = [{"stage": "nerf_rgb", "seconds": 100.0}, {"stage": "nerf_finetune", "seconds": 50.0}, {"stage": "export_cloud", "seconds": 30.0},
            {"stage": "poses", "seconds": 10.0}]
    assert time_outside_training(rows, {"nerf_rgb", "nerf_finetune"}) == (150.0, 40.0)


def test_the_stage_profile_weighs_rendering_against_training_and_time_outside_it():
    rows = [{"stage": "nerf_rgb", "seconds": "300", "max_rss_mb": "2000", "rays": "1000000", "rays_per_s": "3500"},
            {"stage": "render_held_out_rgb", "seconds": "20", "max_rss_mb": "900", "rays": "96000", "rays_per_s": "10500"},
            {"stage": "count_invnerf", "seconds": "10", "max_rss_mb": "500", "rays": "", "rays_per_s": ""}]
    table = stage_profile(rows, {"nerf_rgb"})
    assert "| render_held_out_rgb | 20 | 900 | 96000 | 10500 | x3.0 |" in table
    assert "| count_invnerf | 10 | 500 |  |  |  |" in table
    assert table.endswith("training 300 s; every other stage 30 s (10% of training); total 330 s")
