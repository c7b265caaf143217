"""Training curves read back from tensorboard events like those nerfstudio writes."""

from pathlib import Path

import pytest
from torch.utils.tensorboard import SummaryWriter

from invnerf_seg.training_curves import curves_picture, read_losses


def write_events(folder: Path) -> None:
    writer = SummaryWriter(log_dir=str(folder))
    for step in range(0, 50, 10):
        writer.add_scalar("Train Loss", 1.0 / (step + 1), step)
        writer.add_scalar("Train Loss Dict/rgb_loss", 0.5 / (step + 1), step)
        writer.add_scalar("Train Loss Dict/distortion_loss", 0.0, step)  # switched off: left out
        writer.add_scalar("Train Rays / Sec", 1000.0, step)  # not a loss
    writer.close()


def test_losses_are_read_per_term_in_step_order(tmp_path: Path):
    write_events(tmp_path / "run")
    losses = read_losses(tmp_path)
    assert set(losses) == {"total", "rgb_loss"}
    assert [step for step, _ in losses["total"]] == [0, 10, 20, 30, 40]
    assert losses["rgb_loss"][1][1] == pytest.approx(0.5 / 11)
    curves_picture({"RGB": losses, "other": losses}, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 1000


def test_a_run_without_events_is_named(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        read_losses(tmp_path)
