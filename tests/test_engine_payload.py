"""What crosses the broker: task payloads hold references only; results are size-capped and a
returned evidence file lands only inside the run's evidence folder with the bytes it was hashed with."""

from __future__ import annotations

import hashlib
import json

from controlcheck.engines.payload import (DEFAULT_QUEUE, pack_result, queue_for, safe_evidence_path, task_payload,
                                          unpack_result)
from controlcheck.inventory import load_inventory


def _inventory(tmp_path):
    (tmp_path / "pw").write_text("s3cret-marker\n")
    inv = tmp_path / "inventory.yaml"
    inv.write_text("""
settings: {known_hosts: kh, asset_deadline: 60, engine: celery, broker: redis://b:6379/0}
credentials:
  netops: {username: audit, password_file: pw, enable_secret_env: CC_ENABLE}
  other: {username: x, password_env: CC_OTHER}
assets:
  - {id: rtr-1, kind: router, platform: cisco_ios, address: 10.0.0.1, site: HQ, ssh: {credential: netops}}
  - {id: rtr-2, kind: router, platform: cisco_ios, address: 10.0.0.2, ssh: {credential: other}}
""")
    return load_inventory(inv)


def test_a_task_carries_references_of_its_own_credentials_only(tmp_path, monkeypatch):
    monkeypatch.setenv("CC_ENABLE", "enable-marker")
    inventory = _inventory(tmp_path)
    payload = task_payload(inventory.assets[0], inventory, trust_on_first_use=False)
    text = json.dumps(payload)
    assert "s3cret-marker" not in text and "enable-marker" not in text
    assert payload["credentials"] == {"netops": {"username": "audit", "password_file": "pw",
                                                 "enable_secret_env": "CC_ENABLE"}}
    assert payload["settings"] == {"known_hosts": "kh", "asset_deadline": 60}
    assert queue_for("HQ") == "controlcheck.site.HQ" and queue_for(None) == DEFAULT_QUEUE


def test_a_result_round_trips_and_is_capped(tmp_path):
    doc = {"asset": {"id": "rtr-1"}, "evidence": [{"id": "ev-001", "path": "evidence/rtr-1/ev-001.txt"}], "errors": []}
    data = b"show running-config output\n" * 100
    back, files = unpack_result(pack_result(doc, {"evidence/rtr-1/ev-001.txt": data}))
    assert back == doc and files == {"evidence/rtr-1/ev-001.txt": data}
    capped, files = unpack_result(pack_result(doc, {"evidence/rtr-1/ev-001.txt": bytes(range(256)) * 4096}, limit=1000))
    assert files == {} and "over the result cap" in capped["errors"][-1]["message"]


def test_returned_evidence_stays_in_the_evidence_folder_with_its_hash(tmp_path):
    data = b"raw"
    good = hashlib.sha256(data).hexdigest()
    assert safe_evidence_path(tmp_path, "evidence/a/ev-001.txt", good, data) == tmp_path / "evidence" / "a" / "ev-001.txt"
    for rel in ("../../etc/cron.d/x", "/etc/passwd", "evidence/../../x", "facts.json", ""):
        assert safe_evidence_path(tmp_path, rel, good, data) is None, rel
    assert safe_evidence_path(tmp_path, "evidence/a/ev-001.txt", "0" * 64, data) is None
