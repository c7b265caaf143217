"""Truth files: refused with the file and the field named, before anything is trained."""

import json
from pathlib import Path

import pytest

from invnerf_seg.truth import TruthError, read_truth


def test_a_demo_truth_is_read(tmp_path: Path):
    truth = {"count": 2, "centres": [[0, 0, 0], [1, 0, 0]], "radii": [0.05, 0.06], "object_diameter": 0.11,
             "cameras": {"frame_00001.png": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}}
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    assert read_truth(tmp_path / "truth.json") == truth


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"count": -3}', "count: -3 is less than the minimum of 0"),
        ('{"count": 8.7}', "count: 8.7 is not of type 'integer'"),
        ('{"centres": []}', "top level: 'count' is a required property"),
        ('{"count": 2, "centres": [[0, 0], [1, 1]]}', "centres/[01]: .* is too short"),
        ('{"count": 2, "centres": [[0, 0, 0]]}', "1 centres for a count of 2"),
        ('{"count": 1, "radii": [-0.1]}', "radii/0: -0.1 is less than or equal to the minimum of 0"),
        ('{"count": 1, "cameras": {"a.png": [[1, 0, 0]]}}', "cameras/a.png: .* is too short"),
        ("{count: 3}", "line 1 column 2"),
    ],
)
def test_bad_truth_is_named(tmp_path: Path, content: str, message: str):
    (tmp_path / "truth.json").write_text(content)
    with pytest.raises(TruthError, match=f"truth.json.*{message}"):
        read_truth(tmp_path / "truth.json")
