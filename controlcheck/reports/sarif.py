"""SARIF 2.1.0: one rule per control, one result per failing (``fail``) or undetermined
(``error``) finding; the asset is the result's logical location, and a finding on a saved
configuration (``--configs``) also has a physical location: the file and the deciding line.

``fail`` results carry a level from the control's severity (critical/high: error, medium:
warning, low/info: note). ``error`` results are ``kind: open`` (the tool could not decide:
a fact was not collected), which SARIF requires to have level ``none``."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from .. import __version__
from ._shared import asset_index, control, finding_location, iso_z, sorted_findings
from .base import ReportFormat, ReportInput

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub's security-severity convention (0.1-10)
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.5"}


def _rule(c: dict) -> dict:
    sev = c.get("severity", "info")
    rule = {"id": c["id"], "name": c["id"].replace("-", ""),
            "shortDescription": {"text": c.get("title") or c["id"]},
            "defaultConfiguration": {"level": LEVELS.get(sev, "note")},
            "properties": {"severity": sev, "security-severity": SECURITY_SEVERITY.get(sev, "0.5"),
                           "tags": ["compliance", *sorted(c.get("frameworks") or {})],
                           "frameworks": c.get("frameworks") or {}, "mitigates": c.get("mitigates") or []}}
    if c.get("description"):
        rule["fullDescription"] = {"text": c["description"]}
    if c.get("remediation"):
        rule["help"] = {"text": f"Remediation: {c['remediation']}"}
    return rule


def _location(f: dict, asset: dict, fq: str) -> dict:
    """The device as a logical location; with a saved configuration also the file (relative
    to where the run started: the repository root in CI) and the line, so a code-scanning
    view marks the offending line."""
    location: dict = {"logicalLocations": [{"name": f["asset_id"], "fullyQualifiedName": fq, "kind": "device"}]}
    path, line = finding_location(f, asset)
    if path:
        location["physicalLocation"] = {"artifactLocation": {"uri": quote(path)},
                                        "region": {"startLine": line}}
    return location


def build_sarif(results: dict) -> dict:
    assets = asset_index(results)
    controls = results.get("controls") or {}
    rule_ids = sorted(set(controls) | {f["control_id"] for f in results.get("findings") or []})
    rules = [_rule(dict(control(results, cid), id=cid)) for cid in rule_ids]
    index = {cid: i for i, cid in enumerate(rule_ids)}
    out = []
    for f in sorted_findings(results):
        if f["status"] not in ("fail", "error"):
            continue
        a = assets.get(f["asset_id"], {})
        fq = "/".join(str(x) for x in (a.get("site") or "(unassigned)", a.get("kind") or "asset", f["asset_id"]))
        item = {"ruleId": f["control_id"], "ruleIndex": index[f["control_id"]],
                "kind": "fail" if f["status"] == "fail" else "open",
                "level": LEVELS.get(f["severity"], "note") if f["status"] == "fail" else "none",
                "message": {"text": f.get("message") or f["control_id"]},
                "locations": [_location(f, a, fq)],
                "partialFingerprints": {"controlcheck/asset-control/v1": hashlib.sha256(
                    f"{f['asset_id']}\x00{f['control_id']}".encode()).hexdigest()},
                "properties": {"status": f["status"], "severity": f["severity"], "asset": {
                    k: a.get(k) for k in ("kind", "platform", "site", "owner") if a.get(k)},
                    "evidence": [{k: ev[k] for k in ("id", "source", "sha256", "path", "file", "lines", "line_numbers")
                                  if ev.get(k)}
                                 for ev in f.get("evidence") or []]}}
        if results.get("baseline"):   # --baseline: every result reported is new since it
            item["baselineState"] = "new"
        out.append(item)
    run = results.get("run") or {}
    invocation = {"executionSuccessful": True}
    if iso_z(run.get("started_at")):
        invocation["startTimeUtc"] = iso_z(run.get("started_at"))
    if iso_z(run.get("finished_at")):
        invocation["endTimeUtc"] = iso_z(run.get("finished_at"))
    notes = [{"level": "warning", "message": {"text": f"{a['id']}: {e.get('source')}: {e.get('message')}"},
              "descriptor": {"id": "collection-error"}}
             for a in results.get("assets") or [] for e in a.get("errors") or []]
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "controlcheck", "version": (run.get("tool") or {}).get("version", __version__),
                            "rules": rules}},
        "automationDetails": {"id": f"controlcheck/{run.get('id', '')}"},
        "invocations": [invocation],
        "results": out}]}


class SarifReport(ReportFormat):
    name = "sarif"
    file_name = "results.sarif"

    def render(self, data: ReportInput) -> str:
        # compact, as OSCAL: the C encoder (indentation would triple the time at fleet scale)
        return json.dumps(build_sarif(data.results), ensure_ascii=False, separators=(",", ":")) + "\n"
