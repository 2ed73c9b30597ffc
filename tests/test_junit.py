"""JUnit output stays valid XML whatever a device says."""

from __future__ import annotations

import io

from lxml import etree

from helpers import CORPUS
from controlcheck.checks import run_check
from controlcheck.checks.policy import PolicySet, load_policy_file
from controlcheck.reports.junit import write_junit


def test_device_strings_with_markup_and_control_bytes_stay_valid(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text('controls:\n  - id: T-NAME-001\n    title: "Hostname <standard> & naming"\n'
                      '    severity: low\n    check: {fact: system.hostname, op: regex, value: "rtr-.*"}\n')
    ps = PolicySet(controls=load_policy_file(policy), files=[policy])
    doc = {"asset": {"id": 'odd"<asset>&', "kind": "router", "platform": "cisco_ios"},
           "collected_at": "2026-11-20T08:00:00Z", "collector": {"name": "t", "version": "0"},
           "facts": {"system": {"hostname": "<script>alert(1)</script>\x01\x1b[31m"}},
           "evidence": [], "errors": [{"source": "ssh", "message": "banner said \x07 <b>hi</b>"}]}
    buf = io.StringIO()
    write_junit(run_check([doc], ps), buf)
    xml = buf.getvalue().encode()
    root = etree.fromstring(xml)   # parses: escaped and without illegal control characters
    schema = etree.XMLSchema(etree.parse(str(CORPUS / "schemas" / "junit-10.xsd")))
    assert schema.validate(root), schema.error_log
    case = root.find("testsuite/testcase")
    assert case.get("classname") == 'odd"<asset>&'
    assert case.get("name") == "T-NAME-001 Hostname <standard> & naming"
    assert "<script>alert(1)</script>" in case.find("failure").get("message")
    assert b"<script>" not in xml
    assert "banner said" in root.find("testsuite/system-err").text


def test_each_failure_carries_its_own_message_and_evidence():
    # texts are escaped once and reused between findings: an asset must never get the
    # message or evidence lines of another
    findings, assets = [], []
    for i in range(6):
        asset_id = f"rtr-{i}"
        assets.append({"id": asset_id})
        evidence = [{"id": "ev-1", "source": "ssh:show run", "sha256": "0" * 64,
                     "lines": [f"hostname <rtr-{i}> & more", " transport input telnet"]}]
        for control in ("A", "B"):
            message = f'{control}: value is "x<{i % 2}>"; expected "y"'
            findings.append({"asset_id": asset_id, "control_id": control, "title": "t", "status": ["fail", "error"][i % 2],
                             "severity": "high", "message": message, "evidence": evidence if i % 3 else [],
                             "error_kind": "missing-fact"})
    buf = io.StringIO()
    write_junit({"run": {"started_at": "2026-11-20T08:00:00Z"}, "assets": assets, "findings": findings}, buf)
    root = etree.fromstring(buf.getvalue().encode())
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(findings)
    for case, f in zip(cases, findings, strict=True):
        verdict = case.find("failure" if f["status"] == "fail" else "error")
        assert verdict.get("message") == f["message"]
        lines = ["severity: high", f"message: {f['message']}"]
        for ev in f["evidence"]:
            lines += [f"evidence ev-1: ssh:show run sha256={'0' * 64}", *(f"    {x}" for x in ev["lines"])]
        assert verdict.text == "\n".join(lines)
