"""The quick method list: the same frames' names as inspect.stack(), and the same nerfstudio method list."""

import inspect
import json
import subprocess
import sys

from invnerf_seg.nerfstudio_startup import _FramesWithoutSource

LIST_METHODS = """
import json, sys
if sys.argv[1] == "quick":
    from invnerf_seg.nerfstudio_startup import quick_method_list
    quick_method_list()
from nerfstudio.configs import method_configs
print(json.dumps(sorted(method_configs.all_methods)))
"""


def test_frames_are_named_as_inspect_names_them():
    def inner(stack):
        return [(frame.function, frame.lineno, frame.filename) for frame in stack()]

    def outer(stack):
        return inner(stack)

    quick = outer(_FramesWithoutSource().stack)
    plain = outer(inspect.stack)
    assert quick[0][0] == "inner" and quick[1][0] == "outer"
    assert [name for name, *_ in quick[1:]] == [name for name, *_ in plain[1:]]
    assert [filename for *_, filename in quick[1:]] == [filename for *_, filename in plain[1:]]
    assert [line for _, line, _ in quick[3:]] == [line for _, line, _ in plain[3:]]  # below the test, which calls twice


def test_same_method_list_as_nerfstudio_builds():
    def methods(mode: str) -> list[str]:
        result = subprocess.run([sys.executable, "-c", LIST_METHODS, mode], capture_output=True, text=True, check=True)
        return json.loads(result.stdout.strip().splitlines()[-1])

    quick = methods("quick")
    assert quick == methods("plain")
    assert {"nerfacto", "invnerf-nerfacto", "invnerf-fruitnerf", "in2n"} <= set(quick)
