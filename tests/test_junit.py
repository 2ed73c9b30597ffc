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
