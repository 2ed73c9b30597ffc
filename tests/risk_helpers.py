"""A small hand-made register and results document whose numbers the risk tests work out by hand."""

from __future__ import annotations

import json
from pathlib import Path

REGISTER_YAML = """\
risks:
  - id: RISK-A-01
    title: Router takeover
    asset_class: network devices
    kinds: [router]
    risk_source: Attacker on the LAN
    vulnerability: Weak management plane
    threat: Reconfiguration of routers
    likelihood: 4
    impact: 5
    rationale: Routers carry every call.
    owner: IT
    controls: [C-HIGH-1, C-MED-1, C-LOW-1]
  - id: RISK-B-01
    title: Workstation misuse
    asset_class: workstations
    kinds: [workstation]
    risk_source: Insider
    vulnerability: Weak host settings
    threat: Data theft
    likelihood: 2
    impact: 2
    rationale: Small.
    owner: HR
    controls: [C-HIGH-1]
  - id: RISK-C-01
    title: UPS fails
    asset_class: power backup
    kinds: [ups]
    risk_source: Battery ageing
    vulnerability: Battery not replaced
    threat: Outage
    likelihood: 3
    impact: 4
    rationale: Batteries age.
    owner: Facilities
    controls: [C-UPS-1]
  - id: RISK-D-01
    title: Generator not maintained
    asset_class: power backup
    kinds: [ups]
    risk_source: Poor maintenance
    vulnerability: No test runs
    threat: Long outage
    likelihood: 2
    impact: 5
    rationale: Not on the network.
    owner: Facilities
    automated_evidence: false
    controls: []
  - id: RISK-E-01
    title: Router logging gaps
    asset_class: network devices
    kinds: [router]
    risk_source: Any
    vulnerability: Missing logs
    threat: Late detection
    likelihood: 3
    impact: 3
    rationale: Logs matter.
    owner: IT
    controls: [C-LOW-1]
  - id: RISK-F-01
    title: Printer defaults
    asset_class: printers, scanners and fax
    kinds: [printer]
    risk_source: Office network
    vulnerability: Default SNMP
    threat: Reconfiguration
    likelihood: 2
    impact: 3
    rationale: Printers ship open.
    owner: Facilities
    controls: [C-PRN-1]
  - id: RISK-G-01
    title: Toll fraud
    asset_class: telephony
    kinds: [pbx]
    risk_source: Fraud groups
    vulnerability: Weak SIP secrets
    threat: Premium-rate calls
    likelihood: 5
    impact: 5
    rationale: Constant scanning.
    owner: IT
    controls: [C-PBX-1]
"""

CONTROL_IDS = {"C-HIGH-1", "C-MED-1", "C-LOW-1", "C-UPS-1", "C-PRN-1", "C-PBX-1", "C-INFO-1"}

_CONTROLS = {
    "C-HIGH-1": ("high", {"pci-dss-4.0": ["2.2.7"], "nist-800-53-r5": ["AC-17(2)"]}, "transport input ssh"),
    "C-MED-1": ("medium", {"nist-800-53-r5": ["AC-12"]}, "exec-timeout 10 0"),
    "C-LOW-1": ("low", {}, "logging host 192.0.2.10"),
    "C-UPS-1": ("high", {}, "replace the battery"),
    "C-PRN-1": ("medium", {}, "disable public community"),
    "C-PBX-1": ("critical", {"pci-dss-4.0": ["8.3.6"]}, "random 16+ character secrets"),
    "C-INFO-1": ("info", {}, "banner login ^...^"),
}

PIPE_MESSAGE = 'vty 0 4: transport_input is ["telnet","ssh"] | expected only ssh'


def finding(asset_id: str, control_id: str, status: str, message: str = "") -> dict:
    severity, frameworks, _ = _CONTROLS[control_id]
    return {"asset_id": asset_id, "control_id": control_id, "title": f"title of {control_id}", "status": status,
            "severity": severity, "message": message or f"{control_id} on {asset_id}: {status}",
            "observed": None, "evidence": [{"id": "ev-001", "source": "ssh:show running-config", "sha256": "0" * 64}],
            "frameworks": frameworks, "mitigates": []}


def results(findings: list[dict] | None = None, skip: int = 4) -> dict:
    if findings is None:
        findings = [
            finding("r1", "C-HIGH-1", "pass"),
            finding("r1", "C-MED-1", "fail"),
            finding("r1", "C-LOW-1", "pass"),
            finding("r1", "C-INFO-1", "fail"),
            finding("r2", "C-HIGH-1", "fail", PIPE_MESSAGE),
            finding("r2", "C-MED-1", "error"),
            finding("r2", "C-LOW-1", "waived"),
            finding("w1", "C-HIGH-1", "pass"),
            finding("p1", "C-PRN-1", "waived"),
            finding("pbx1", "C-PBX-1", "error"),
        ]
    by_status = {s: sum(f["status"] == s for f in findings) for s in ("pass", "fail", "error", "waived")}
    by_status["skip"] = skip
    return {
        "schema_version": 1,
        "run": {"id": "20261122T120000Z-abcdef", "started_at": "2026-11-22T12:00:00Z",
                "finished_at": "2026-11-22T12:00:01Z"},
        "controls": {cid: {"id": cid, "title": f"title of {cid}", "severity": sev, "frameworks": fw,
                           "mitigates": [], "remediation": rem} for cid, (sev, fw, rem) in _CONTROLS.items()},
        "assets": [
            {"id": "r1", "kind": "router", "platform": "cisco_ios", "site": "HQ", "owner": "IT", "tags": []},
            {"id": "r2", "kind": "router", "platform": "cisco_ios", "site": "BR", "owner": "Operations", "tags": []},
            {"id": "w1", "kind": "workstation", "platform": "linux", "site": "HQ", "owner": "IT", "tags": []},
            {"id": "p1", "kind": "printer", "platform": "snmp_generic", "owner": "Facilities", "tags": []},
            {"id": "pbx1", "kind": "pbx", "platform": "asterisk", "site": "HQ", "owner": "IT", "tags": []},
            # a UPS with no finding: its risks are assessed (in scope) but have no device evidence
            {"id": "u1", "kind": "ups", "platform": "ups_rfc1628", "site": "HQ", "owner": "Facilities", "tags": []},
        ],
        "findings": findings,
        "waivers": {"applied": [], "expired": [], "unused": []},
        "summary": {"assets": 6, "controls": len(_CONTROLS), "findings": len(findings), "by_status": by_status},
    }


def write(tmp_path: Path, register_text: str = REGISTER_YAML, results_doc: dict | None = None) -> tuple[Path, Path]:
    reg = tmp_path / "register.yaml"
    reg.write_text(register_text, encoding="utf-8")
    res = tmp_path / "results.json"
    res.write_text(json.dumps(results_doc if results_doc is not None else results()), encoding="utf-8")
    return reg, res
