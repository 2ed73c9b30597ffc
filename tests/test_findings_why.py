"""Findings that say why (issue 11 §4) and exit 3 only for assets not reached (§5): an
error finding quotes the collection error of the fact it needed, evidence excerpts show
the deciding config line with its number, and undetermined facts do not make exit 3."""

from __future__ import annotations

import copy
import json

from clihelp import run_cli
from conftest import CORPUS, FIXTURES
from controlcheck.checks.engine import run_check
from controlcheck.checks.policy import load_policies
from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.inventory import Asset
from controlcheck.outcome import EXIT_FAILING, EXIT_INCOMPLETE, EXIT_OK, exit_code_for, unreachable
from controlcheck.parsers import cisco_ios

SAMPLE = CORPUS / "network" / "configs" / "cisco_ios" / "ciscoconfparse_sample_01.ios"


def _ios_doc() -> dict:
    asset = Asset(id="rtr", kind="router", platform="cisco_ios", address="192.0.2.1")
    builder = FactsBuilder(asset, CollectionContext(inventory=None), "cisco_ios")
    builder.add_evidence("ssh:show version", "Cisco IOS Software, Version 12.4(15)T\n")
    text = SAMPLE.read_text()
    ev = builder.add_evidence("ssh:show running-config", text)
    cisco_ios.parse_running_config(text).apply(builder, ev, source="ssh:show running-config")
    return builder.document()


def _finding(results: dict, control: str, asset: str | None = None) -> dict:
    return next(f for f in results["findings"] if f["control_id"] == control
                and (asset is None or f["asset_id"] == asset))


def test_vty_finding_cites_the_transport_line_with_its_number():
    # ciscoconfparse sample_01, read by hand: 'line vty 0 4' is line 440 and its
    # ' transport input telnet ssh' line 446; lines 33-48 (428/432) and aux 0 (433/437) are not vty
    results = run_check([_ios_doc()], load_policies())
    finding = _finding(results, "NET-LINE-001")
    assert finding["status"] == "fail"
    assert len(finding["evidence"]) == 1
    ev = finding["evidence"][0]
    assert ev["source"] == "ssh:show running-config"
    assert ev["lines"] == ["line vty 0 4", " transport input telnet ssh"]
    assert ev["line_numbers"] == [440, 446]


def test_error_finding_quotes_the_error_of_its_own_fact_and_only_its_evidence():
    doc = json.loads((FIXTURES / "facts" / "wks-agent-042.json").read_text())
    doc["facts"]["host"].pop("audit", None)
    doc["facts"]["host"].pop("time_sync", None)
    doc["errors"] = [
        {"source": "ssh:timedatectl show", "message": "time synchronisation not read (exit status 1)",
         "facts": ["host.time_sync"]},
        {"source": "ssh:auditctl -l", "message": "loaded audit rules not counted (exit status 1: "
                                                 "You must be root to run this program.)", "facts": ["host.audit"]},
    ]
    results = run_check([doc], load_policies())
    rules = next(f for f in results["findings"] if "host.audit.rules" in f["message"])
    assert rules["status"] == "error" and rules["error_kind"] == "undetermined"
    assert "auditctl" in rules["message"] and "time synchronisation" not in rules["message"]
    assert len(rules["evidence"]) < len(doc["evidence"])
    sync = next(f for f in results["findings"] if "host.time_sync.synchronized" in f["message"])
    assert "time synchronisation not read" in sync["message"] and "auditctl" not in sync["message"]
    # collected, with undetermined facts: the asset is listed apart, never as not collected
    assert results["summary"]["incomplete_assets"] == []
    assert results["summary"]["undetermined_assets"] == [doc["asset"]["id"]]


def test_exit_3_only_for_assets_not_reached(tmp_path):
    good = json.loads((FIXTURES / "facts" / "rtr-hq-01.json").read_text())
    partial = copy.deepcopy(good)
    partial["asset"]["id"] = "rtr-partial"
    partial["errors"] = [{"source": "ssh:show snmp user", "message": "the device rejected 'show snmp user'",
                          "facts": ["network.snmp.v3_users"]}]
    down = copy.deepcopy(good)
    down["asset"]["id"] = "rtr-down"
    down["facts"] = {"system": {"hostname": "rtr-down"}}
    down["errors"] = [{"source": "ssh", "message": "connection refused by 10.0.0.9:22", "scope": "asset"}]
    assert not unreachable(partial) and unreachable(down)
    results = run_check([partial], load_policies())
    # rtr-hq-01 is a hardened fixture: nothing fails at 'critical', the undetermined fact is no exit 3
    assert exit_code_for(results["findings"], "critical", results["summary"]["incomplete_assets"] != []) == EXIT_OK
    results = run_check([partial, down], load_policies())
    down_findings = [f for f in results["findings"] if f["asset_id"] == "rtr-down" and f["status"] == "error"]
    assert down_findings and all(f["error_kind"] == "not-collected" for f in down_findings)
    assert all("connection refused" in f["message"] for f in down_findings)
    assert exit_code_for(results["findings"], "critical", bool(results["summary"]["incomplete_assets"])) \
        == EXIT_INCOMPLETE
    # through the CLI: the same rule
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "p.json").write_text(json.dumps(partial))
    code, _, _ = run_cli("check", "--facts", str(facts / "p.json"), "--fail-on", "critical",
                         "--format", "json", "-o", str(tmp_path / "r.json"))
    assert code == EXIT_OK
    (facts / "d.json").write_text(json.dumps(down))
    code, _, _ = run_cli("check", "--facts", str(facts), "--fail-on", "critical",
                         "--format", "json", "-o", str(tmp_path / "r.json"))
    assert code == EXIT_INCOMPLETE
    # an undetermined fact a control at or above --fail-on needs is a failing finding (exit 1)
    partial["facts"]["network"].pop("ssh")
    partial["errors"].append({"source": "ssh:show running-config", "message": "cut short", "facts": ["network.ssh"]})
    results = run_check([partial], load_policies())
    assert exit_code_for(results["findings"], "low", False) == EXIT_FAILING
