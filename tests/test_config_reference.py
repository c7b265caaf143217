"""`config/README.md` is where each config key is explained: its table must name every key the schema has, and no other."""

from __future__ import annotations

import re

import yaml

from tests.workflow_runs import REPO


def schema_keys(node: dict, definitions: dict, prefix: str = "") -> set[str]:
    """Dotted paths of the schema's leaf keys; a free-named level (scenes, presets) is written `<name>`."""
    if "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[1]]
    properties = node.get("properties")
    named = node.get("additionalProperties")
    if properties:
        keys = set()
        for name, child in properties.items():
            keys |= schema_keys(child, definitions, f"{prefix}{name}.")
        return keys
    if isinstance(named, dict) and ("properties" in named or "$ref" in named):
        return schema_keys(named, definitions, f"{prefix}<name>.")
    return {prefix.rstrip(".")}


def documented_keys(text: str) -> set[str]:
    """Keys named in the first column of the table; `a.b`, `c` and `.d` in one cell are siblings a.b, a.c and a.d."""
    keys = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        names = re.findall(r"`([^`]+)`", line.split("|")[1])
        first = names[0]
        parent = first.rsplit(".", 1)[0] + "." if "." in first else ""
        keys.add(first)
        keys |= {name if "." in name.lstrip(".") else parent + name.lstrip(".") for name in names[1:]}
    return keys


def test_the_config_reference_names_every_schema_key_once():
    schema = yaml.safe_load((REPO / "schemas/config.schema.yaml").read_text())
    in_schema = schema_keys(schema, schema["definitions"])
    documented = documented_keys((REPO / "config/README.md").read_text())
    wildcard = {key[:-2] for key in documented if key.endswith(".*")}
    covered = {key for key in in_schema if key in documented or key.split(".")[0] in wildcard}
    assert in_schema - covered == set(), "keys of the schema missing from config/README.md's table"
    assert documented - in_schema - {f"{name}.*" for name in wildcard} == set(), "config/README.md names keys the schema lacks"
