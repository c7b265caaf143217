"""A scene's truth file: read and checked once, before anything is trained on the scene.

A wrong truth (a count of -3 or 8.7, centres of two coordinates) would be
reported as if it were a result, so it is refused with the file and the field
named. The file's form is `schemas/truth.schema.yaml`.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[1] / "schemas" / "truth.schema.yaml").read_text())


class TruthError(ValueError):
    """The truth file cannot be scored against."""


def read_truth(path: Path) -> dict:
    """The truth file's content, checked against the schema and for centres that match the count."""
    try:
        truth = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise TruthError(f"cannot read truth file {path}: {error}") from error
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(truth))
    if problem is not None:
        field = "/".join(str(part) for part in problem.absolute_path) or "top level"
        raise TruthError(f"truth file {path}: {field}: {problem.message}")
    for key in ("centres", "radii", "lengths"):
        if key in truth and len(truth[key]) != truth["count"]:
            raise TruthError(f"truth file {path}: {len(truth[key])} {key} for a count of {truth['count']}")
    return truth
