"""Absence is a fact (issue 11 §1, docs/facts-model.md "Absent values"): real IOS and ASA
configurations from the corpus, read to their end marker, give every network control a
pass or fail, with the defaults applied listed in the provenance; a config cut short, a
default that depends on an unknown release and a rejected command stay errors."""

from __future__ import annotations

import pytest

from conftest import CORPUS
from controlcheck.checks.engine import run_check
from controlcheck.checks.policy import load_policies
from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.collectors.ssh import cli_rejected
from controlcheck.inventory import Asset
from controlcheck.parsers import cisco_asa, cisco_ios

IOS = CORPUS / "network" / "configs" / "cisco_ios"
ASA = CORPUS / "network" / "configs" / "cisco_asa"
COMPLETE_IOS = ["batfish_as1border1.cfg", "batfish_ios-line.cfg", "batfish_lhr-border-02.cfg",
                "ciscoconfparse_sample_01.ios", "napalm_csr1000v_show_running_config.txt",
                "napalm_vagrant_initial.conf", "netutils_ios_full_sent.txt"]
COMPLETE_ASA = ["ciscoconfparse_sample_01.asa", "netutils_asa_full_sent.txt"]
# judged from 'show version', which a running-config does not hold
FROM_SHOW_VERSION = {"NET-OS-001", "FW-OS-001"}


def facts_document(text: str, parser, kind: str, platform: str) -> dict:
    asset = Asset(id="dev", kind=kind, platform=platform, address="192.0.2.1")
    builder = FactsBuilder(asset, CollectionContext(inventory=None), platform)
    evidence = builder.add_evidence("ssh:show running-config", text)
    parser.parse_running_config(text).apply(builder, evidence, source="ssh:show running-config")
    return builder.document()


def verdicts(doc: dict) -> dict[str, dict]:
    results = run_check([doc], load_policies())
    return {f["control_id"]: f for f in results["findings"] if f["status"] != "skip"}


@pytest.mark.parametrize("name,kind", [(n, "router") for n in COMPLETE_IOS] + [(n, "switch") for n in COMPLETE_IOS])
def test_complete_ios_config_gives_every_network_control_a_verdict(name, kind):
    doc = facts_document((IOS / name).read_text(), cisco_ios, kind, "cisco_ios")
    findings = verdicts(doc)
    assert findings, "no network control applied"
    errors = {cid: f["message"] for cid, f in findings.items() if f["status"] == "error" and cid not in FROM_SHOW_VERSION}
    # batfish_ios-line.cfg has no 'version' line, but every vty line sets its transport: no guess needed
    assert errors == {}
    assert all(f["status"] in ("pass", "fail") for cid, f in findings.items() if cid not in FROM_SHOW_VERSION)


@pytest.mark.parametrize("name", COMPLETE_ASA)
def test_complete_asa_config_gives_every_firewall_control_a_verdict(name):
    doc = facts_document((ASA / name).read_text(), cisco_asa, "firewall", "cisco_asa")
    findings = verdicts(doc)
    assert len(findings) >= 10
    errors = {cid: f["message"] for cid, f in findings.items() if f["status"] == "error" and cid not in FROM_SHOW_VERSION}
    assert errors == {}


def test_ios_without_enable_secret_or_ssh_version_fails_with_the_defaults_in_provenance():
    # batfish as1border1 (IOS 15.2): no enable secret, no 'ip ssh version', vty 0 4 without transport input
    doc = facts_document((IOS / "batfish_as1border1.cfg").read_text(), cisco_ios, "router", "cisco_ios")
    facts, prov = doc["facts"]["network"], doc["provenance"]
    assert facts["enable"]["secret_type"] is None
    assert prov["network.enable.secret_type"]["origin"] == "not-configured"
    assert facts["ssh"]["version"] == "1.99"
    assert prov["network.ssh.version"]["origin"] == "default" and "1.99" in prov["network.ssh.version"]["rule"]
    assert facts["services"]["password_encryption"] is False
    assert prov["network.services.password_encryption"]["origin"] == "default"
    vty = next(line for line in facts["lines"] if line["name"] == "vty 0 4")
    assert vty["transport_input"] == ["all"]
    detail = prov["network.lines[vty 0 4].transport_input"]
    assert detail["origin"] == "default" and "IOS 15" in detail["rule"]
    assert detail["lines"] == ["line vty 0 4"] and detail["line_numbers"] == [186]   # the block header, line 186
    findings = verdicts(doc)
    assert findings["NET-AUTH-001"]["status"] == "fail"
    assert "null (not configured)" in findings["NET-AUTH-001"]["message"]
    assert findings["NET-SSH-001"]["status"] == "fail"
    assert findings["NET-LINE-001"]["status"] == "fail"
    defaults = {path for path, p in prov.items() if p.get("origin") == "default"}
    assert {"network.ssh.version", "network.services.cdp", "network.ntp.authenticate"} <= defaults


def test_values_the_config_states_are_cited_with_their_line():
    # ciscoconfparse sample_01 (IOS 12.4), read by hand: line 10 'service password-encryption',
    # line 24 'enable secret 5 ...', line 446 ' transport input telnet ssh' under line 440 'line vty 0 4'
    doc = facts_document((IOS / "ciscoconfparse_sample_01.ios").read_text(), cisco_ios, "router", "cisco_ios")
    facts, prov = doc["facts"]["network"], doc["provenance"]
    assert facts["services"]["password_encryption"] is True
    assert prov["network.services.password_encryption"]["line_numbers"] == [10]
    assert facts["enable"]["secret_type"] == 5 and prov["network.enable.secret_type"]["line_numbers"] == [24]
    detail = prov["network.lines[vty 0 4].transport_input"]
    assert detail["lines"] == ["line vty 0 4", " transport input telnet ssh"]
    assert detail["line_numbers"] == [440, 446]
    assert "origin" not in detail


def test_default_that_depends_on_the_release_stays_an_error_saying_so():
    text = (IOS / "napalm_csr1000v_show_running_config.txt").read_text()
    assert "version 15.5" in text
    on_15 = facts_document(text, cisco_ios, "router", "cisco_ios")
    assert next(x for x in on_15["facts"]["network"]["lines"] if x["name"] == "vty 0 4")["transport_input"] == ["all"]
    for variant, words in ((text.replace("version 15.5", "version 17.3"), "IOS-XE 17.x"),
                           (text.replace("version 15.5\n", ""), "no 'version' line")):
        doc = facts_document(variant, cisco_ios, "router", "cisco_ios")
        vty = next(x for x in doc["facts"]["network"]["lines"] if x["name"] == "vty 0 4")
        assert "transport_input" not in vty
        error = next(e for e in doc["errors"] if "transport_input" in e["message"])
        assert words in error["message"] and error["facts"] == ["network.lines"]
        finding = verdicts(doc)["NET-LINE-001"]
        assert finding["status"] == "error"
        assert words in finding["message"]          # the finding quotes the error of its own fact


@pytest.mark.parametrize("path,parser,platform,kind,marker", [
    (IOS / "batfish_cisco_voice.cfg", cisco_ios, "cisco_ios", "router", "'end'"),
    (ASA / "batfish_aaaAuthenticationAsa.cfg", cisco_asa, "cisco_asa", "firewall", "': end'"),
])
def test_config_without_its_end_marker_proves_no_absence(path, parser, platform, kind, marker):
    doc = facts_document(path.read_text(), parser, kind, platform)
    errors = {p: e["message"] for e in doc["errors"] for p in e.get("facts", [])}
    assert "network.ssh.version" in errors and marker in errors["network.ssh.version"]
    assert "version" not in doc["facts"].get("network", {}).get("ssh", {})
    assert not any(p.get("origin") for p in doc["provenance"].values())
    for finding in verdicts(doc).values():
        assert finding["status"] != "pass" or finding["control_id"] in ("FW-MGMT-001", "FW-MGMT-002", "FW-MGMT-003",
                                                                        "FW-AUTH-001"), finding


def test_a_complete_config_cut_short_loses_only_absence_facts():
    text = (IOS / "ciscoconfparse_sample_01.ios").read_text()
    cut = text[:text.index("line con 0")]
    doc = facts_document(cut, cisco_ios, "router", "cisco_ios")
    assert doc["facts"]["network"]["services"]["password_encryption"] is True     # line 10 is there
    assert "version" not in doc["facts"]["network"].get("ssh", {})                # absence proves nothing
    assert verdicts(doc)["NET-SSH-001"]["status"] == "error"


def test_asa_defaults_and_nulls():
    # netutils asa_full_sent (ASA 9.7(1)24) read by hand: ssh version 2, 'ssh key-exchange group
    # dh-group1-sha1', 'aaa authentication ssh console TACACS+ LOCAL', no icmp lines, no failover
    doc = facts_document((ASA / "netutils_asa_full_sent.txt").read_text(), cisco_asa, "firewall", "cisco_asa")
    facts, prov = doc["facts"]["network"], doc["provenance"]
    assert facts["ssh"]["version"] == "2" and facts["ssh"]["weak_kex"] is True
    assert facts["aaa"]["ssh_authentication"] == "TACACS+ LOCAL"
    assert facts["icmp"]["unrestricted"] is True and prov["network.icmp.unrestricted"]["origin"] == "default"
    assert facts["failover"]["enabled"] is False and prov["network.failover.enabled"]["origin"] == "default"
    assert facts["ntp"]["servers"] == [] and prov["network.ntp.servers"]["origin"] == "not-configured"
    findings = verdicts(doc)
    assert findings["FW-SSH-002"]["status"] == "fail" and findings["FW-ICMP-001"]["status"] == "fail"
    assert findings["FW-NTP-001"]["status"] == "fail" and findings["FW-AUTH-001"]["status"] == "pass"
    # the batfish-like case without the aaa line: null, so FW-AUTH-001 fails instead of erroring
    text = (ASA / "netutils_asa_full_sent.txt").read_text()
    no_aaa = "\n".join(line for line in text.splitlines() if not line.startswith("aaa authentication ssh"))
    doc = facts_document(no_aaa + "\n", cisco_asa, "firewall", "cisco_asa")
    assert doc["facts"]["network"]["aaa"]["ssh_authentication"] is None
    assert verdicts(doc)["FW-AUTH-001"]["status"] == "fail"


@pytest.mark.parametrize("output,expected", [
    ("show ip sshh\n              ^\n% Invalid input detected at '^' marker.\n", "% Invalid input detected"),
    ("% Unknown command or computer name, or unable to find computer address\n", "% Unknown command"),
    ("ERROR: % Invalid input detected at '^' marker.\n", "% Invalid input detected"),
    ("SSH Enabled - version 2.0\nAuthentication timeout: 120 secs\n", ""),
])
def test_rejected_commands_are_recognised(output, expected):
    assert cli_rejected(output).startswith(expected) if expected else cli_rejected(output) == ""
