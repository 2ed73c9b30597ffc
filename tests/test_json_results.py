"""The results document as JSON: one compact line per finding and asset, exactly json's own
encoding of each, whether written as a stream or rendered as one string."""

from __future__ import annotations

import io
import json

from controlcheck.reports import json_results
from controlcheck.reports.json_results import results_json, write_results_json


def _doc() -> dict:
    evidence = [{"id": "ev-1", "source": "ssh:show running-config", "sha256": "0" * 64,
                 "lines": ["line vty 0 4", " transport input telnet"], "line_numbers": [3, None]}]
    frameworks, mitigates = {"cis-v8": ["4.1"], "pci": []}, ["RISK-NET-01"]
    findings = []
    for i in range(300):
        shared_message = 'network.ssh.version is "1.99"; expected "2"'
        findings.append({
            "asset_id": f"rtr-{i % 7}", "control_id": f"NET-{i % 5}", "title": "SSH v2 \u00e9 <only>",
            "status": ["pass", "fail", "error"][i % 3], "severity": "high",
            "message": shared_message if i % 2 else f"hostname is \"rtr\\{i}\"\t\u2603 \x01",
            "observed": [None, True, 1.5, -0.0, 10**20, {"a": [1, {"b": None}]}, "x", float("inf")][i % 8],
            "evidence": evidence if i % 4 else [],
            "frameworks": frameworks, "mitigates": mitigates,
            **({"error_kind": "missing-fact"} if i % 3 == 2 else {}),
        })
    findings.append({1: "an int key", None: "a null key", "x": 1})      # json turns these keys into strings
    findings.append(["not", "a", "dict"])
    findings.append({})
    return {"schema_version": 1, "run": {"id": "r", "inputs": []}, "assets": [{"id": "rtr-0", "tags": []}],
            "findings": findings, "waivers": {"applied": []}, "summary": {"findings": 300}}


def _expected(doc: dict) -> str:
    one = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": "))
    parts = []
    for i, (key, value) in enumerate(doc.items()):
        comma = "," if i < len(doc) - 1 else ""
        if key in ("findings", "assets") and value:
            body = ",\n    ".join(one.encode(v) for v in value)
            parts.append(f"  {json.dumps(key)}: [\n    {body}\n  ]{comma}")
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False, default=str).replace("\n", "\n  ")
            parts.append(f"  {json.dumps(key)}: {text}{comma}")
    return "\n".join(["{", *parts, "}\n"])


def test_every_line_is_json_own_encoding_of_its_finding(monkeypatch):
    doc = _doc()
    assert results_json(doc) == _expected(doc)
    # with room for a few texts only, forgetting them part-way through lines changes nothing
    monkeypatch.setattr(json_results, "_KEPT", 5)
    monkeypatch.setattr(json_results, "_LINES_PER_WRITE", 7)
    assert results_json(doc) == _expected(doc)


def test_the_stream_writes_what_render_returns():
    doc = _doc()
    out = io.StringIO()
    write_results_json(doc, out)
    assert out.getvalue() == results_json(doc)
    assert results_json({}) == "{\n}\n"
    assert json.loads(out.getvalue())["findings"][1]["message"] == \
        doc["findings"][1]["message"]
