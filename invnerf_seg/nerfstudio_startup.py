"""nerfstudio's method list, built without its slowest start-up step.

Importing `nerfstudio.configs.method_configs` (ns-train's command line and
`eval_setup` both do) builds a placeholder config for each of nerfstudio's 26
external methods, and each placeholder calls `inspect.stack()` only to read
one caller's function name. With source lines, `inspect.stack()` looks up the
module of every frame by scanning all loaded modules (thousands once torch is
in). Measured on 2 cores: `ns-train --help` took 26.7 s with them and 18.3 s
without, and loading a trained run about 20 s and 11 s. `quick_method_list()` gives that one nerfstudio
module a `stack()` that names the frames without reading their source; the
method list it builds is the same, and nothing else sees a change.
"""

from __future__ import annotations

import inspect
import sys


class _FramesWithoutSource:
    """The `inspect` module as nerfstudio's external_methods sees it: the same, but `stack()` reads no source."""

    @staticmethod
    def stack(context: int = 1) -> list[inspect.FrameInfo]:
        """The caller's frames, innermost first, as `inspect.stack()` lists them, with no source context."""
        frames = []
        frame = sys._getframe(1)
        while frame is not None:
            frames.append(inspect.FrameInfo(frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, None, None))
            frame = frame.f_back
        return frames

    def __getattr__(self, name: str):
        return getattr(inspect, name)


def quick_method_list() -> None:
    """Make the next import of nerfstudio's method list skip the source lookups (call before importing it)."""
    from nerfstudio.configs import external_methods

    if external_methods.inspect is inspect:
        external_methods.inspect = _FramesWithoutSource()
