"""The config file's errors in one line: YAML syntax with its line, schema errors with the key."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from invnerf_seg.config_file import ConfigError, check_yaml_syntax, schema_error_line


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("frames:\n  fps: 5\n  max_width: [320\n  min_frames: 8\n")
    with pytest.raises(ConfigError, match=r"config\.yaml line 4, column \d+: not valid YAML"):
        check_yaml_syntax(path)


def test_valid_yaml_passes(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("frames:\n  fps: 5\n")
    check_yaml_syntax(path)


@pytest.mark.parametrize(
    ("config", "line"),
    [
        ({"frames": {"fps": -1}}, "config frames.fps: -1 is less than the minimum of 0"),
        ({"frames": {"fps": 5}, "mask_treshold": 0.3}, "config (top level): Additional properties are not allowed ('mask_treshold' was unexpected)"),
    ],
)
def test_a_schema_error_is_one_line_naming_the_key(config: dict, line: str):
    schema = {"type": "object", "additionalProperties": False,
              "properties": {"frames": {"type": "object", "properties": {"fps": {"type": "number", "minimum": 0}}}}}
    error = next(jsonschema.Draft7Validator(schema).iter_errors(config))
    assert schema_error_line(error) == line
