"""What every step script shares: its log file, and progress a user can follow.

Everything goes to the rule's log; progress lines and errors also go to the
terminal, so a long stage is never silent and a failure is never buried.
"""

from __future__ import annotations

import errno
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Callable


def start_step(log_path: str | Path, name: str) -> logging.Logger:
    """A logger writing to the rule's log (all) and to stderr (progress and errors)."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s", "%H:%M:%S")
    Path(log_path).write_text("")
    # Append mode: a subprocess (ns-train) may append to the same log meanwhile.
    file_handler = logging.FileHandler(log_path, mode="a")
    file_handler.setFormatter(formatter)
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setFormatter(logging.Formatter(f"[{name}] %(message)s"))
    terminal.setLevel(logging.INFO)
    root = logging.getLogger()
    root.handlers[:] = [file_handler]
    root.setLevel(logging.INFO)
    logger = logging.getLogger(name)
    logger.addHandler(terminal)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    sys.excepthook = storage_errors_in_one_line(logger)
    return logger


# What a user can do about an OSError of these kinds; others keep their traceback on the terminal.
STORAGE_ERRORS = {
    errno.ENOSPC: "no space left on the disk while writing {file}: free some space and rerun",
    errno.EDQUOT: "disk quota exceeded while writing {file}: free some space and rerun",
    errno.EROFS: "cannot write {file}: the file system is read-only; run from a writable folder",
    errno.EACCES: "cannot write {file}: permission denied; is the results folder read-only?",
}


def storage_errors_in_one_line(logger: logging.Logger) -> Callable:
    """An excepthook: the traceback goes to the rule's log; a full disk or a read-only folder is said in one line."""

    def hook(kind, error, traceback) -> None:
        logging.getLogger().error("stopped by an unexpected error", exc_info=(kind, error, traceback))
        message = STORAGE_ERRORS.get(getattr(error, "errno", None)) if isinstance(error, OSError) else None
        if message is None:
            sys.__excepthook__(kind, error, traceback)
        else:
            logger.error(message.format(file=error.filename or "the results"))

    return hook


THROUGHPUT = "throughput:"
"""How a stage that pushes rays through a model (training, rendering, field sampling) marks its speed in its log:
results/timings.csv reads it (summary.logged_throughput)."""


def throughput_line(rays: int, seconds: float) -> str:
    """The log line of a stage's throughput: rays through the model and the seconds they took (model work only, not start-up)."""
    return f"{THROUGHPUT} {rays} rays in {seconds:.2f} s ({rays / max(seconds, 1e-9):.0f} rays/s)"


class Progress:
    """A callback(done, total, *extra, rays=None) that logs at every `every_percent` percent, with the elapsed time.

    A call with `done` 0 marks the loop's start. A rendering stage passes
    `rays`, the rays it has pushed through its model so far; `throughput()`
    then gives the stage's throughput line.
    """

    def __init__(self, logger: logging.Logger, what: str, every_percent: int = 10) -> None:
        self.logger, self.what, self.every_percent = logger, what, every_percent
        self.started = time.monotonic()
        self.last_reported = -1
        self.rays = 0
        self.seconds = 0.0

    def __call__(self, done: int, total: int, *extra, rays: int | None = None) -> None:
        if done == 0:  # the loop starts now: what came before (imports, loading a model) is not its time
            self.started = time.monotonic()
            return
        if rays is not None:
            self.rays, self.seconds = rays, time.monotonic() - self.started
        percent = int(100 * done / max(total, 1))
        if percent // self.every_percent > self.last_reported or done == total:
            self.last_reported = percent // self.every_percent
            suffix = f" ({', '.join(str(e) for e in extra)})" if extra else ""
            self.logger.info("%s: %d/%d (%d%%) after %.0f s%s", self.what, done, total, percent, time.monotonic() - self.started, suffix)

    def throughput(self) -> str:
        """The throughput line of the rays reported so far, over the time from this reporter's start to the last of them."""
        return throughput_line(self.rays, self.seconds)


def progress_reporter(logger: logging.Logger, what: str, every_percent: int = 10) -> Progress:
    """A progress callback for a long loop (see Progress)."""
    return Progress(logger, what, every_percent)


def fail(logger: logging.Logger, error: Exception) -> None:
    """Log a user-facing error on the terminal and in the log, then exit non-zero."""
    logger.error("%s", error)
    sys.exit(1)
