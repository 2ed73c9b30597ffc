"""Helpers for the SNMP tests: read .snmprec recordings independently of the collector
(expected facts come from the recording itself), and write inventories whose SNMP
credentials are files (the community of a snmpsim recording is its file stem)."""

from __future__ import annotations

from pathlib import Path

import yaml

from controlcheck.collect import collect_inventory
from controlcheck.inventory import load_inventory
from controlcheck.lab.snmplab import read_recording

TEXT_TAGS = {"4"}
INT_TAGS = {"2", "65", "66", "67", "70"}


def _unescape(text: str) -> bytes:
    """snmprec ``4e`` values: Python-style escapes."""
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def _text(data: bytes) -> str | None:
    """UTF-8, else Latin-1 when printable, else None (binary); trailing NULs dropped."""
    data = data.rstrip(b"\x00")
    for codec in ("utf-8", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if all(ch.isprintable() or ch in "\t\r\n" for ch in text):
            return text
    return None


def parse_snmprec(name_or_text: str) -> dict[str, tuple[str, object]]:
    """``{oid: (tag, value)}``: strings decoded (None when binary), integers as int, OIDs as str."""
    text = name_or_text if "|" in name_or_text else read_recording(name_or_text)
    out: dict[str, tuple[str, object]] = {}
    for line in text.splitlines():
        parts = line.split("|", 2)
        if len(parts) != 3:
            continue
        oid, tag, value = parts
        base = tag.split(":")[0]
        kind = base.rstrip("xe") if base.endswith(("x", "e")) else base
        if kind in TEXT_TAGS:
            raw = bytes.fromhex(value) if base.endswith("x") else _unescape(value) if base.endswith("e") \
                else value.encode("latin-1")
            out[oid] = (kind, _text(raw))
        elif kind in INT_TAGS:
            try:
                out[oid] = (kind, int(value))
            except ValueError:
                out[oid] = (kind, value)
        else:
            out[oid] = (kind, value)
    return out


def column(rec: dict, prefix: str) -> dict[str, tuple[str, object]]:
    """Rows of a table column: ``{index: (tag, value)}`` sorted by numeric index."""
    base = prefix + "."
    rows = {oid[len(base):]: v for oid, v in rec.items() if oid.startswith(base)}
    return dict(sorted(rows.items(), key=lambda kv: tuple(int(x) for x in kv[0].split("."))))


def write_inventory(tmp_path: Path, port: int, assets: list[dict], name: str = "inv.yaml") -> Path:
    """``assets``: dicts with id, kind, platform, community (and optional snmp overrides)."""
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    credentials, entries = {}, []
    for asset in assets:
        cred = f"{asset['id']}-snmp"
        secret = secrets / f"{asset['id']}.community"
        secret.write_text(asset["community"] + "\n", encoding="utf-8")
        credentials[cred] = {"community_file": str(secret)}
        snmp = {"port": port, "credential": cred, "version": asset.get("version", "2c"), "timeout": 3, "retries": 1}
        snmp.update(asset.get("snmp", {}))
        entry = {"id": asset["id"], "kind": asset["kind"], "platform": asset["platform"], "address": "127.0.0.1",
                 "snmp": snmp, "site": asset.get("site", "HQ"), "owner": asset.get("owner", "IT")}
        entries.append(entry)
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"credentials": credentials, "assets": entries}, sort_keys=False),
                    encoding="utf-8")
    return path


def collect(inventory_path: Path, out_dir: Path | None = None) -> dict[str, dict]:
    result = collect_inventory(load_inventory(inventory_path), out_dir)
    return {doc["asset"]["id"]: doc for doc in result.documents}


def fact(doc: dict, path: str, default=None):
    node = doc["facts"]
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def error_messages(doc: dict) -> list[str]:
    return [f"{e['source']}: {e['message']}" for e in doc["errors"]]
