"""Arista EOS, Juniper Junos, FortiOS and PAN-OS: fixtures replayed into the parsers against
reviewed golden facts, the real corpus configs checked fact by fact, redaction, and the
saved configs judged by the built-in policies (pass/fail with the deciding line)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clihelp import run_cli
from helpers import CORPUS, FIXTURES

from controlcheck.collectors.configfile import network_platform
from controlcheck.parsers import arista_eos, fortios, juniper_junos, paloalto_panos
from controlcheck.parsers.config_tree import brace_statements, set_statements

CONFIGS = CORPUS / "network" / "configs"
PLATFORMS = ("arista_eos", "juniper_junos", "fortios", "paloalto_panos")


def _nest(values: dict) -> dict:
    out: dict = {}
    for path, value in values.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _parse(module, path: Path):
    return module.parse_running_config(module.redact_config(path.read_text()))


CONFIG_NAMES = ("show_running-config.txt", "show_configuration.txt", "show_configuration_display_set.txt",
                "show_full-configuration.txt", "running-config.xml", "running-config.set")
CASES = sorted((p.parent.name, p.parent) for plat in PLATFORMS
               for p in (FIXTURES / "devices" / plat).glob("*/expected_facts.json"))


def _configs(folder: Path) -> list[Path]:
    return [folder / n for n in CONFIG_NAMES if (folder / n).exists()]


def _leaves(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_leaves(value, path))
        else:
            out[path] = value
    return out


@pytest.mark.parametrize("name,folder", CASES, ids=[c[0] for c in CASES])
def test_fixture_config_gives_the_reviewed_golden_facts(name, folder):
    """Every fact the configuration decides equals the reviewed golden facts (which also hold,
    for the fixtures the lab serves, what the version command adds: tests/test_golden_replay.py)."""
    parsers = network_platform(folder.parent.name).parsers
    expected = _leaves(json.loads((folder / "expected_facts.json").read_text()))
    for config in _configs(folder):
        parsed = _leaves(json.loads(json.dumps(_nest(_parse(parsers, config).values))))
        assert parsed == {k: v for k, v in expected.items() if k in parsed}, config.name
        missing = set(expected) - set(parsed)
        assert all(k.startswith("system.") for k in missing), missing   # only version facts beyond the config
    assert expected["system.hostname"] == name


def test_junos_curly_and_set_forms_give_the_same_facts():
    folder = FIXTURES / "devices" / "juniper_junos" / "rtr-mx-edge-01"
    curly = _parse(juniper_junos, folder / "show_configuration.txt")
    flat = _parse(juniper_junos, folder / "show_configuration_display_set.txt")
    assert curly.values == flat.values


def test_every_new_platform_has_a_hardened_and_a_weak_fixture():
    for plat in PLATFORMS:
        assert len(list((FIXTURES / "devices" / plat).glob("*/expected_facts.json"))) == 2, plat
        assert len(list((FIXTURES / "devices" / plat).glob("*/device.yaml"))) == 1, plat   # one in the demo lab


# -- the real corpus, fact by fact (read by hand from the files) ---------------------------------

def test_corpus_arista_eos_leaf1a():
    path = CONFIGS / "arista_eos" / "avd_campus-fabric_LEAF1A.cfg"
    f = _parse(arista_eos, path)
    v, n = f.values, f.line_numbers
    assert (v["system.hostname"], n["system.hostname"]) == ("LEAF1A", [13])
    # 'username admin privilege 15 role network-admin secret sha512 $6$...' (line 5)
    assert v["network.users"] == [{"name": "admin", "privilege": 15, "role": "network-admin", "secret_type": 8}]
    assert n["network.users"] == [5]
    assert v["network.enable.password_present"] is False and n["network.enable.password_present"] == [2]
    # 'no enable password': no enable secret at all, an explicit null (NET-AUTH-001 fails, not errors)
    assert v["network.enable.secret_type"] is None and f.origin("network.enable.secret_type") == "not-configured"
    # 'management api http-commands / protocol https / no shutdown' (line 39)
    assert (v["network.services.http_server"], v["network.services.https_server"]) == (False, True)
    assert n["network.services.https_server"] == [39]
    assert (v["network.ntp.servers"], n["network.ntp.servers"]) == (["pool.ntp.org", "time.google.com"], [1070, 1071])
    assert v["network.snmp.communities"] == [] and v["network.logging.hosts"] == []   # none in the file
    assert v["network.ssh.version"] == "2" and f.origin("network.ssh.version") == "default"


def test_corpus_junos_set_form():
    f = _parse(juniper_junos, CONFIGS / "juniper_junos" / "netutils_junos_full_sent.txt")
    v, n = f.values, f.line_numbers
    assert (v["system.hostname"], n["system.hostname"]) == ("nyc-rtr-01", [8])
    assert (v["system.os_version"], n["system.os_version"]) == ("18.2R1.9", [1])
    assert v["network.ssh.enabled"] is True and n["network.ssh.enabled"] == [10]
    assert v["network.users"] == [{"name": "ntc", "class": "super-user-local", "secret_type": 8}]   # $6$
    assert v["network.enable.secret_type"] == 8 and n["network.enable.secret_type"] == [7]        # root $6$
    # 'networktocode' read-only, 'secure' read-write, neither restricted by clients
    assert v["network.snmp.communities"] == [{"access": "RO", "is_default": False},
                                             {"access": "RW", "is_default": False}]
    assert v["network.logging.hosts"] == [] and v["network.ntp.servers"] == []   # local files only, no ntp
    vty = [line for line in v["network.lines"] if line["type"] == "vty"]
    assert vty[0]["exec_timeout_seconds"] == 3600 * 60   # class super-user-local idle-timeout 3600 (minutes)
    assert "access_class_in" not in vty[0]


def test_corpus_fortios():
    f = _parse(fortios, CONFIGS / "fortinet_fortios" / "netutils_fortios_full_sent.txt")
    v, n = f.values, f.line_numbers
    assert (v["network.admin.lockout_threshold"], n["network.admin.lockout_threshold"]) == (3, [9])
    assert (v["network.admin.lockout_seconds"], n["network.admin.lockout_seconds"]) == (60, [8])
    assert v["network.services.https_tls_versions"] == ["tlsv1-1", "tlsv1-2", "tlsv1-3"]
    assert n["network.services.https_tls_versions"] == [7]
    # mgmt: 'set allowaccess ping https ssh snmp http fgfm' (line 45)
    assert v["network.services.http_server"] is True and n["network.services.http_server"] == [45]
    assert v["network.services.telnet_server"] is False
    mgmt = next(i for i in v["network.interfaces"] if i["name"] == "mgmt")
    assert mgmt["admin_access"] == ["ping", "https", "ssh", "snmp", "http", "fgfm"] and mgmt["role"] == "lan"
    assert v["network.management_access.untrusted_interfaces"] == []   # mgmt is role lan
    assert "system.hostname" not in v                                   # the file sets none


def test_corpus_panos_brace_form():
    f = _parse(paloalto_panos, CONFIGS / "paloalto_panos" / "netutils_panos_full_sent.txt")
    v, n = f.values, f.line_numbers
    assert (v["system.hostname"], n["system.hostname"]) == ("firewall1", [267])
    assert (v["network.services.telnet_server"], n["network.services.telnet_server"]) == (False, [264])
    assert (v["network.services.http_server"], n["network.services.http_server"]) == (False, [265])
    assert v["network.users"] == [{"name": "admin", "privilege": 15}, {"name": "panadmin", "privilege": 15}]
    assert v["network.admin.default_account_present"] is True
    assert v["network.banner.login"] is True and n["network.banner.login"] == [268]
    assert v["network.acls.any_any_permits"] == [] and v["network.firewall_policies"] == 0   # 'rules;' is empty


# -- redaction -----------------------------------------------------------------------------------

SECRETS = {
    "arista_eos/sw-eos-core-01/show_running-config.txt": ["Fg6hJ8kL0zX2", "070C285F4D06", "0x3b8f1c2d4e",
                                                          "0x9a7b6c5d4e", "0822455D0A16", "L6mN7oP8qR9s"],
    "arista_eos/sw-eos-floor3-02/show_running-config.txt": ["Summer2019", "cisco123", "ccnet-rw"],
    "juniper_junos/rtr-mx-edge-01/show_configuration.txt": ["TxLh3k9QmZp2", "Mn2Bv4Cx6Zl8", "abcDEF123", "k3yV4lu3",
                                                            "authkeyhash", "privkeyhash"],
    "juniper_junos/rtr-srx-branch-04/show_configuration_display_set.txt": ["Lk7Jh6Gf5Ds4", "Mn7Bv6Cx5Zl4",
                                                                           "ccnet-write"],
    "fortios/fw-fgt-hq-01/show_full-configuration.txt": ["SH2mXq0QW6pH", "Xj3kL9mN2pQ5", "Ab1cD2eF3gH4",
                                                         "Zy9xW8vU7tS6"],
    "fortios/fw-fgt-branch-02/show_full-configuration.txt": ["SH2Qw3Er4Ty5"],
    "paloalto_panos/fw-pan-dc-01/running-config.xml": ["Qd2bA7cE9fG1", "Zx8cV6bN4mQ2", "hY3kL5mN7pQ9", "zA9bC1dE3fG5",
                                                       "7c1e0b9a4d"],
    "paloalto_panos/fw-pan-branch-03/running-config.set": ["Gd8sJ2kL4mN6"],
}


@pytest.mark.parametrize("rel,secrets", sorted(SECRETS.items()))
def test_redaction_removes_every_secret_and_keeps_what_controls_judge(rel, secrets):
    path = FIXTURES / "devices" / rel
    parsers = network_platform(rel.split("/")[0]).parsers
    text = path.read_text()
    assert all(s in text for s in secrets)            # the fixture really holds them
    red = parsers.redact_config(text)
    leaked = [s for s in secrets if s in red]
    assert not leaked
    assert len(red.splitlines()) == len(text.splitlines())   # line numbers still point right


def test_config_readers_survive_damage_and_stay_linear():
    assert brace_statements("system { host-name a; services { ssh; ") [0].words == ["system", "host-name", "a"]
    assert set_statements('set system host-name "unbalanced\n') [0].words[:2] == ["system", "host-name"]
    assert paloalto_panos.statements("<config><devices><entry name='x'><deviceconfig>") == []
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><config>&a;</config>'
    assert paloalto_panos.statements(bomb) == []      # a DOCTYPE is refused, never expanded


# -- judged by the built-in policies, offline -------------------------------------------------------

def test_saved_configs_of_every_new_platform_pass_and_fail_with_file_and_line(tmp_path, monkeypatch):
    root = tmp_path / "configs"
    for plat in PLATFORMS:
        for case in (FIXTURES / "devices" / plat).iterdir():
            config = _configs(case)[0]
            (root / plat).mkdir(parents=True, exist_ok=True)
            shutil.copy(config, root / plat / f"{case.name}{config.suffix}")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("check", "--configs", "configs", "--jobs", "1", "--format", "json", "-o", "r.json")
    results = json.loads((tmp_path / "r.json").read_text())
    assert code == 1 and not results["summary"]["unrecognised_files"]
    kinds = {a["id"]: a["kind"] for a in results["assets"]}
    assert kinds == {"sw-eos-core-01": "switch", "sw-eos-floor3-02": "switch", "rtr-mx-edge-01": "router",
                     "rtr-srx-branch-04": "firewall", "fw-fgt-hq-01": "firewall", "fw-fgt-branch-02": "firewall",
                     "fw-pan-dc-01": "firewall", "fw-pan-branch-03": "firewall"}
    by = {(f["asset_id"], f["control_id"]): f for f in results["findings"]}
    # hardened fortigate: the firewall controls pass
    for control in ("FW-MGMT-004", "FW-MGMT-005", "FW-ADMIN-001", "FW-ADMIN-002", "FW-ADMIN-003", "FW-ACL-001",
                    "NET-LOG-001", "FW-NTP-001"):
        assert by[("fw-fgt-hq-01", control)]["status"] == "pass", control
        assert by[("fw-pan-dc-01", control)]["status"] == "pass", control
    # weak ones fail, and the failure names the file and the line
    fail = by[("fw-fgt-branch-02", "FW-ACL-001")]
    assert fail["status"] == "fail"
    (ev,) = fail["evidence"]
    assert ev["file"] == "configs/fortios/fw-fgt-branch-02.txt" and ev["line_numbers"] == [53]
    fail = by[("fw-pan-branch-03", "FW-MGMT-004")]
    assert fail["status"] == "fail" and fail["evidence"][0]["line_numbers"] == [11]
    assert by[("sw-eos-floor3-02", "NET-LINE-001")]["status"] == "fail"      # management telnet no shutdown
    assert by[("sw-eos-core-01", "NET-LINE-001")]["status"] == "pass"
    assert by[("rtr-srx-branch-04", "FW-ACL-001")]["status"] == "fail"
    assert by[("rtr-mx-edge-01", "NET-LINE-003")]["status"] == "pass"       # lo0 filter PROTECT-RE
    # every finding of the hardened and weak fixtures is decided: no error
    assert not [k for k, f in by.items() if f["status"] == "error"]
