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


def progress_reporter(logger: logging.Logger, what: str, every_percent: int = 10) -> Callable[..., None]:
    """A callback(done, total, *extra) that logs at every `every_percent` percent, with elapsed time."""
    started = time.monotonic()
    last_reported = [-1]

    def report(done: int, total: int, *extra) -> None:
        percent = int(100 * done / max(total, 1))
        if percent // every_percent > last_reported[0] or done == total:
            last_reported[0] = percent // every_percent
            suffix = f" ({', '.join(str(e) for e in extra)})" if extra else ""
            logger.info("%s: %d/%d (%d%%) after %.0f s%s", what, done, total, percent, time.monotonic() - started, suffix)

    return report


def fail(logger: logging.Logger, error: Exception) -> None:
    """Log a user-facing error on the terminal and in the log, then exit non-zero."""
    logger.error("%s", error)
    sys.exit(1)
