"""Every inventory key of the JSON Schema is documented in docs/inventory.md."""

from __future__ import annotations

import json

from conftest import REPO


def _keys(node: dict, defs: dict, seen: set[str]) -> set[str]:
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        if name in seen:
            return set()
        node = defs[name]
        seen = seen | {name}
    out = set()
    for key, value in (node.get("properties") or {}).items():
        out.add(key)
        out |= _keys(value, defs, seen)
    if "items" in node:
        out |= _keys(node["items"], defs, seen)
    if isinstance(node.get("additionalProperties"), dict):
        out |= _keys(node["additionalProperties"], defs, seen)
    return out


def test_every_schema_key_is_documented():
    schema = json.loads((REPO / "controlcheck" / "schemas" / "inventory.json").read_text())
    doc = (REPO / "docs" / "inventory.md").read_text()
    keys = _keys(schema, schema.get("$defs") or {}, set())
    assert {"port", "organisation", "known_hosts", "community_file"} <= keys
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing, f"inventory keys not in docs/inventory.md: {missing}"
