"""What crosses the broker, both ways, as JSON only.

To a worker: the asset, the *references* of the credentials it names (environment variable
names, file paths, key files; an inventory never holds a secret value, ``inventory.py``
refuses one) and the collection settings. The worker resolves the references itself.

Back: the facts document and the raw evidence files it names, zlib-compressed and base64
text, capped in size. Over the cap the facts document comes back alone, with an error saying
so, and the evidence bundle lists those files as not included.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from ..inventory import Asset, Inventory

MAX_RESULT_BYTES = 64 * 1024 * 1024          # compressed, per asset
DEFAULT_QUEUE = "controlcheck.default"
log = logging.getLogger("controlcheck.worker")


def queue_for(site: str | None) -> str:
    """One queue per site; assets without a site go to the default queue."""
    return f"controlcheck.site.{site}" if site else DEFAULT_QUEUE


def task_payload(asset: Asset, inventory: Inventory, trust_on_first_use: bool) -> dict:
    names = {block["credential"] for block in (asset.ssh, asset.snmp) if block and block.get("credential")}
    return {
        "asset": {"id": asset.id, "kind": asset.kind, "platform": asset.platform, "address": asset.address,
                  "ssh": asset.ssh, "snmp": asset.snmp, "site": asset.site, "owner": asset.owner,
                  "tags": list(asset.tags), "file": asset.file},
        "credentials": {name: dict(inventory.credentials[name]) for name in sorted(names)},
        # collection settings (known_hosts, asset_deadline, ...); who collects is not the worker's business
        "settings": {k: v for k, v in inventory.settings.items() if k not in ("engine", "broker", "site_timeout")},
        "trust_on_first_use": bool(trust_on_first_use),
        # relative reference paths (password_file: secrets/x) resolve against this folder unless
        # the worker was started with --base-dir
        "base_dir": str(inventory.base_dir.resolve()),
    }


def run_payload(payload: dict, base_dir: str | None = None) -> str:
    """Collect one asset on this worker; returns the packed result (JSON-safe text)."""
    from ..collect import collect_asset
    from ..collectors.base import CollectionContext

    raw = payload["asset"]
    asset = Asset(id=raw["id"], kind=raw["kind"], platform=raw["platform"], address=raw["address"], ssh=raw.get("ssh"),
                  snmp=raw.get("snmp"), site=raw.get("site"), owner=raw.get("owner"), tags=tuple(raw.get("tags") or ()),
                  file=raw.get("file"))
    folder = Path(base_dir or payload.get("base_dir") or ".")
    inventory = Inventory(path=folder / "inventory.yaml", assets=[asset], credentials=payload.get("credentials") or {},
                          settings=payload.get("settings") or {})
    log.info("collecting %s (%s, site %s)", asset.id, asset.platform, asset.site or "-")
    with tempfile.TemporaryDirectory(prefix="controlcheck-task-") as tmp:
        ctx = CollectionContext(inventory=inventory, evidence_dir=Path(tmp),
                                trust_on_first_use=bool(payload.get("trust_on_first_use")))
        document = collect_asset(asset, ctx)
        evidence = {}
        for ev in document.get("evidence") or []:
            if ev.get("path"):
                try:
                    evidence[ev["path"]] = (Path(tmp) / ev["path"]).read_bytes()
                except OSError:
                    pass
    log.info("collected %s: %d evidence files, %d errors", asset.id, len(evidence), len(document.get("errors") or []))
    return pack_result(document, evidence)


def _encode(data: dict) -> str:
    return base64.b64encode(zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 6)).decode("ascii")


def pack_result(document: dict, evidence: dict[str, bytes], limit: int = MAX_RESULT_BYTES) -> str:
    files = {path: base64.b64encode(data).decode("ascii") for path, data in evidence.items()}
    packed = _encode({"document": document, "evidence": files})
    if len(packed) <= limit:
        return packed
    document = dict(document, errors=list(document.get("errors") or []) + [{
        "source": "engine", "message": f"raw evidence ({sum(map(len, evidence.values()))} bytes) is over the result "
                                       f"cap of {limit} bytes; the facts came back without it"}])
    return _encode({"document": document, "evidence": {}})


def unpack_result(packed: str) -> tuple[dict, dict[str, bytes]]:
    data = json.loads(zlib.decompress(base64.b64decode(packed)).decode())
    return data["document"], {p: base64.b64decode(b) for p, b in (data.get("evidence") or {}).items()}


def safe_evidence_path(out_dir: Path, rel: str, sha256: str | None, data: bytes) -> Path | None:
    """Where a returned evidence file may be written: inside ``out_dir/evidence``, and only if
    its bytes are those the facts document hashed."""
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts or p.parts[0] != "evidence":
        return None
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        return None
    return out_dir.joinpath(*p.parts)
