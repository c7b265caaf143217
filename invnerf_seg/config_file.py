"""The workflow's config file: its YAML syntax and its schema errors, each said in one line.

Snakemake reports a YAML syntax error without a line number, and a schema
error with the whole schema (hundreds of lines) after it; a user needs the
line, or the key and what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class ConfigError(ValueError):
    """A config file that cannot be read, or a key that the schema refuses."""


def check_yaml_syntax(path: Path) -> None:
    """Refuse a config file that is not valid YAML, naming its line and column."""
    try:
        yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}{where}: not valid YAML ({problem})") from None


def schema_error_line(error: Exception) -> str:
    """One line for a jsonschema ValidationError: the key's path in the config and what is wrong."""
    path = ".".join(str(part) for part in getattr(error, "absolute_path", ())) or "(top level)"
    return f"config {path}: {getattr(error, 'message', error)}"
