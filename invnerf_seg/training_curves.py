"""Training curves of the NeRF runs, read back from the tensorboard events nerfstudio writes.

Every run trains with `--vis tensorboard`, which logs the total loss and
each of its terms every few steps; reading them back needs no extra logging
in the training itself, and the curves show whether a stage converged.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

LOSS_PREFIX = "Train Loss Dict/"


def read_losses(run_folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Loss term -> (step, value) pairs, from the tensorboard events under a run folder.

    The total is under "total"; the terms (rgb_loss, semantics_loss, ...)
    under their own names. Terms that stay exactly zero (switched off) are left out.
    """
    events = sorted(Path(run_folder).rglob("events.out.tfevents.*"))
    if not events:
        raise FileNotFoundError(f"no tensorboard events under {run_folder}: was the run trained with --vis tensorboard?")
    losses: dict[str, list[tuple[int, float]]] = {}
    for event_file in events:
        accumulator = EventAccumulator(str(event_file), size_guidance={"scalars": 0})
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            if tag == "Train Loss" or tag.startswith(LOSS_PREFIX):
                name = "total" if tag == "Train Loss" else tag[len(LOSS_PREFIX):]
                losses.setdefault(name, []).extend((event.step, event.value) for event in accumulator.Scalars(tag))
    return {name: sorted(values) for name, values in losses.items() if any(value != 0 for _, value in values)}


def curves_picture(curves: dict[str, dict[str, list[tuple[int, float]]]], path: Path) -> None:
    """One panel per run (RGB training, fine-tuning, baselines), each loss term on a log scale."""
    figure, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.8), squeeze=False)
    for panel, (run_name, losses) in zip(axes[0], curves.items()):
        for name, values in losses.items():
            steps, numbers = zip(*values)
            panel.plot(steps, numbers, label=name, linewidth=2.0 if name == "total" else 1.0)
        panel.set_yscale("log")
        panel.set_title(run_name)
        panel.set_xlabel("step")
        panel.legend(fontsize=7)
    axes[0][0].set_ylabel("training loss")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
