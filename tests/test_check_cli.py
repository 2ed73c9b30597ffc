"""`controlcheck check` end to end on the hand-written facts: JUnit, JSON, waivers, exit codes."""

from __future__ import annotations

import copy
import hashlib
import json
import textwrap

import pytest
from lxml import etree

from clihelp import run_cli


@pytest.fixture(scope="module")
def junit_schema():
    from helpers import CORPUS
    return etree.XMLSchema(etree.parse(str(CORPUS / "schemas" / "junit-10.xsd")))


def test_junit_validates_and_counts_are_right(tmp_path, facts_dir, junit_schema):
    out = tmp_path / "results.xml"
    code, _, err = run_cli("check", "--facts", str(facts_dir), "--format", "junit", "-o", str(out))
    assert code == 1, err                                   # the weak router fails
    doc = etree.parse(str(out))
    assert junit_schema.validate(doc), junit_schema.error_log
    root = doc.getroot()
    assert root.tag == "testsuites"
    assert out.read_text().count("<?xml") == 1              # one document, never concatenated
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"rtr-hq-01", "rtr-branch-07", "wks-agent-042"}
    weak = suites["rtr-branch-07"]
    cases = weak.findall("testcase")
    assert all(c.get("classname") == "rtr-branch-07" for c in cases)
    assert int(weak.get("tests")) == len(cases)
    assert int(weak.get("failures")) == len(weak.findall("testcase/failure")) > 0
    vty = next(c for c in cases if c.get("name").startswith("NET-LINE-001 "))
    assert vty.get("name") == "NET-LINE-001 Only SSH on vty lines"
    failure = vty.find("failure")
    assert failure.get("type") == "high"
    assert failure.get("message") == ('vty 0 4: transport_input is ["telnet","ssh"]; expected only ssh; '
                                      'vty 5 15: transport_input is ["telnet"]; expected only ssh')
    assert "transport input telnet ssh" in failure.text   # the config line that decided it
    hard = suites["rtr-hq-01"]
    assert hard.get("failures") == "0" and int(hard.get("tests")) > 0
    total = sum(int(s.get("tests")) for s in suites.values())
    assert root.get("tests") == str(total)


def test_json_results_have_run_inputs_findings_and_summary(tmp_path, facts_dir):
    out = tmp_path / "results.json"
    code, _, _ = run_cli("check", "--facts", str(facts_dir), "--format", "json", "-o", str(out))
    assert code == 1
    results = json.loads(out.read_text())
    assert results["run"]["tool"]["name"] == "controlcheck"
    facts_inputs = {i["path"]: i["sha256"] for i in results["run"]["inputs"] if i["kind"] == "facts"}
    for path, digest in facts_inputs.items():
        assert hashlib.sha256(open(path, "rb").read()).hexdigest() == digest
    assert len(facts_inputs) == 3
    assert any(i["kind"] == "policy" for i in results["run"]["inputs"])
    statuses = [f["status"] for f in results["findings"]]
    summary = results["summary"]
    assert summary["by_status"]["fail"] == statuses.count("fail") > 0
    assert summary["by_status"]["pass"] == statuses.count("pass") > 0
    assert sum(v["fail"] for v in summary["by_severity"].values()) == summary["by_status"]["fail"]
    f = next(f for f in results["findings"] if f["asset_id"] == "rtr-branch-07" and f["control_id"] == "NET-SSH-001")
    assert f["observed"] == "1.99" and f["severity"] == "high"
    assert f["evidence"][0]["id"] == "ev-002" and f["evidence"][0]["lines"] == ["ip ssh version 1"]
    assert f["frameworks"]["pci-dss-4.0"] == ["2.2.7"]


def test_builtin_library_is_used_without_policies(facts_dir):
    code, out, _ = run_cli("check", "--facts", str(facts_dir))
    assert code == 1
    assert "NET-SSH-001" in out


@pytest.mark.parametrize("fail_on,expected", [("low", 1), ("high", 1), ("critical", 1)])
def test_fail_on_threshold(facts_dir, fail_on, expected):
    code, _, _ = run_cli("check", "--facts", str(facts_dir), "--fail-on", fail_on)
    assert code == expected


def test_fail_on_above_every_failure_exits_zero(tmp_path, facts_dir):
    # only the workstation: its failures are high (root login), low, low -> --fail-on critical passes
    code, _, _ = run_cli("check", "--facts", str(facts_dir / "wks-agent-042.json"), "--fail-on", "critical")
    assert code == 0
    code, _, _ = run_cli("check", "--facts", str(facts_dir / "wks-agent-042.json"), "--fail-on", "high")
    assert code == 1


def test_waivers_apply_and_expired_waivers_are_reported(tmp_path, facts_dir):
    w = tmp_path / "waivers.yaml"
    w.write_text(textwrap.dedent("""\
        waivers:
          - control: HOST-*
            assets: {ids: [wks-agent-042]}
            justification: vendor image, rebuilt in Q1
            approver: Head of IT
            expires: 2099-12-31
          - control: NET-SSH-001
            assets: {kinds: [router]}
            justification: old branch router
            approver: CISO
            expires: 2020-01-31
        """))
    out = tmp_path / "r.json"
    code, _, err = run_cli("check", "--facts", str(facts_dir), "--waivers", str(w), "--format", "json", "-o", str(out))
    results = json.loads(out.read_text())
    wks = [f for f in results["findings"] if f["asset_id"] == "wks-agent-042"]
    assert {f["status"] for f in wks} == {"pass", "waived"}
    waived = next(f for f in wks if f["control_id"] == "HOST-SSH-001")
    assert waived["waiver"]["approver"] == "Head of IT" and waived["waiver"]["was"] == "fail"
    ssh = next(f for f in results["findings"] if f["asset_id"] == "rtr-branch-07" and f["control_id"] == "NET-SSH-001")
    assert ssh["status"] == "fail" and "waiver expired on 2020-01-31" in ssh["message"]
    assert results["waivers"]["expired"][0]["control"] == "NET-SSH-001"
    assert "expired on 2020-01-31" in err and "waivers.yaml:7" in err
    # the junit shows waived as skipped with the reason
    xml = tmp_path / "r.xml"
    run_cli("check", "--facts", str(facts_dir), "--waivers", str(w), "--format", "junit", "-o", str(xml))
    assert 'skipped message="waived until 2099-12-31 by Head of IT: vendor image, rebuilt in Q1"' in xml.read_text()


def test_uncollected_asset_exits_3_and_its_findings_are_errors(tmp_path, facts_dir):
    doc = json.loads((facts_dir / "rtr-hq-01.json").read_text())
    broken = copy.deepcopy(doc)
    broken["asset"]["id"] = "rtr-down"
    broken["facts"] = {}
    broken["errors"] = [{"source": "ssh", "message": "connection refused by 10.0.0.9:22"}]
    (tmp_path / "rtr-hq-01.json").write_text(json.dumps(doc))
    (tmp_path / "rtr-down.json").write_text(json.dumps(broken))
    out = tmp_path / "r.json"
    code, _, _ = run_cli("check", "--facts", str(tmp_path), "--format", "json", "-o", str(out))
    assert code == 3
    results = json.loads(out.read_text())
    down = [f for f in results["findings"] if f["asset_id"] == "rtr-down"]
    assert down and all(f["status"] == "error" for f in down)
    assert all("connection refused" in f["message"] for f in down)
    assert results["summary"]["incomplete_assets"] == ["rtr-down"]


def test_policy_list_and_show(facts_dir):
    code, out, _ = run_cli("policy", "list")
    assert code == 0 and "NET-LINE-001" in out
    code, out, _ = run_cli("policy", "show", "NET-LINE-001")
    assert code == 0 and "transport input ssh" in out and "each:" in out
    code, _, err = run_cli("policy", "show", "NOPE-1")
    assert code == 2 and "no control with id" in err


def test_run_check_leaves_the_garbage_collector_as_it_found_it(facts_dir):
    # the collector is paused while findings are built; a caller must get it back as it was
    import gc

    from controlcheck.checks import load_facts, load_policies, run_check
    docs, policies = load_facts(facts_dir), load_policies()
    assert gc.isenabled()
    assert run_check(docs, policies)["findings"] and gc.isenabled()
    with pytest.raises(KeyError):
        run_check(docs + [{"facts": {}}], policies)          # a document without its asset
    assert gc.isenabled()
    gc.disable()
    try:
        run_check(docs, policies)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("args", [["policy", "list"], ["check", "--format", "json"], ["check"]],
                         ids=["policy-list", "check-json", "check-text"])
def test_a_reader_that_closed_the_pipe_ends_the_command_quietly_with_141(args, facts_dir):
    """``controlcheck ... | head``: the reader went away; that is neither an environment failure
    (exit 4) nor worth a line or a traceback. 141 is what a shell shows for a C tool."""
    import os
    import subprocess
    import sys

    if args[0] == "check":
        args = [*args, "--facts", str(facts_dir)]
    read_end, write_end = os.pipe()
    os.close(read_end)                    # closed before the first write: every write fails
    try:
        proc = subprocess.run([sys.executable, "-m", "controlcheck", *args], stdout=write_end,  # noqa: S603
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""
