"""End to end: an inventory of SNMP assets (UPSes, an APC PDU filed as a UPS, a router, a
firewall, workstations and a server) -> ``controlcheck collect`` -> facts documents that
validate against the facts schema -> ``controlcheck check`` with passes and fails for the
UPS controls. Two snmpsim agents: one where ``public`` answers, one where it does not."""

from __future__ import annotations

import json

import pytest
import yaml

from clihelp import run_cli
from controlcheck.lab.snmplab import SnmpSim
from controlcheck.yamlio import validator_for

pytestmark = pytest.mark.slow   # every test here starts a server

CLOSED = {   # community (a secret, by file) -> (kind, platform, recording)
    "ups-hq-01-Zq7": ("ups", "ups_rfc1628", "UPS/eaton-93e-80"),
    "ups-hq-02-Wk3": ("ups", "ups_rfc1628", "UPS/huawei-gse200m"),
    "pdu-rack1-Vb8": ("ups", "ups_apc", "UPS/apc-8641"),
    "rtr-core-Lp2": ("router", "snmp_generic", "network/switch/cisco-c3560"),
    "fw-edge-Hx5": ("firewall", "snmp_generic", "network/firewall/paloalto-pa-5000"),
    "wks-agent-Tt1": ("workstation", "snmp_generic", "os/windows/server-2003-5-2"),
    "srv-app-Mm4": ("server", "snmp_generic", "os/linux/unknown-001"),
}
OPEN = {"ups-branch-Qr9": ("ups", "ups_rfc1628", "UPS/phoenixtec-power")}


def asset_id(community: str) -> str:
    return community.rsplit("-", 1)[0]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snmp-e2e")
    closed = SnmpSim({c: rec for c, (_, _, rec) in CLOSED.items()})
    opened = SnmpSim({c: rec for c, (_, _, rec) in OPEN.items()})
    opened.add("public", "UPS/phoenixtec-power")                      # the default community answers
    with closed, opened:
        credentials, assets = {}, []
        for sim, group in ((closed, CLOSED), (opened, OPEN)):
            for community, (kind, platform, _) in group.items():
                secret = tmp / f"{asset_id(community)}.community"
                secret.write_text(community + "\n", encoding="utf-8")
                credentials[f"{asset_id(community)}-snmp"] = {"community_file": str(secret)}
                assets.append({"id": asset_id(community), "kind": kind, "platform": platform,
                               "address": "127.0.0.1", "site": "HQ", "owner": "Facilities",
                               "snmp": {"port": sim.port, "version": "2c", "credential": f"{asset_id(community)}-snmp",
                                        "timeout": 3, "retries": 1}})
        inv = tmp / "inventory.yaml"
        inv.write_text(yaml.safe_dump({"credentials": credentials, "assets": assets}, sort_keys=False))
        out = tmp / "facts"
        code, stdout, stderr = run_cli("collect", "-i", str(inv), "-o", str(out))
    return {"code": code, "stderr": stderr, "out": out, "tmp": tmp}


def test_collect_writes_valid_facts_for_every_asset(collected):
    # some recordings hold values that cannot be used (and a PDU is no UPS): every agent was
    # read, so those facts are undetermined (errors in the documents), not exit 3, and no crash
    assert collected["code"] == 0, collected["stderr"]
    assert "3 with errors (0 not reached or stopped)" in collected["stderr"]
    assert "rack PDU" in collected["stderr"]
    out = collected["out"]
    docs = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert set(docs) == {asset_id(c) for c in {**CLOSED, **OPEN}}
    validator = validator_for("facts")
    for name, doc in docs.items():
        assert not list(validator.iter_errors(doc)), name
        for entry in doc["evidence"]:
            assert (out / entry["path"]).is_file()
    assert docs["ups-hq-01"]["facts"]["ups"]["battery"]["status"] == "normal"
    assert docs["rtr-core"]["facts"]["system"]["os_version"] == "12.2(55)SE3"
    assert docs["fw-edge"]["facts"]["system"]["os_name"] == "PAN-OS"
    assert docs["ups-branch"]["facts"]["snmp"]["default_communities_answered"] == ["public"]
    assert docs["ups-hq-01"]["facts"]["snmp"]["default_communities_answered"] == []


def test_no_community_in_any_output(collected):
    for path in collected["tmp"].rglob("*"):
        if path.is_file() and path.suffix != ".community" and path.name != "inventory.yaml":
            text = path.read_text(encoding="utf-8", errors="replace")
            for community in (*CLOSED, *OPEN):
                assert community not in text, (path, community)
    for community in (*CLOSED, *OPEN):
        assert community not in collected["stderr"]


def test_check_gives_passes_and_fails_for_the_ups_controls(collected):
    results = collected["tmp"] / "results.json"
    code, _, stderr = run_cli("check", "--facts", str(collected["out"]), "--format", "json", "-o", str(results))
    assert code == 1, stderr
    findings = json.loads(results.read_text())["findings"]
    status = {(f["asset_id"], f["control_id"]): f["status"] for f in findings}
    assert status[("ups-hq-01", "UPS-BAT-001")] == "pass"        # no upsAlarmBatteryBad
    assert status[("ups-hq-01", "UPS-BAT-003")] == "pass"        # 1092 minutes
    assert status[("ups-hq-01", "UPS-SNMP-001")] == "pass"       # public/private not answered
    assert status[("ups-hq-01", "UPS-SNMP-002")] == "fail"       # collected over v2c
    assert status[("ups-branch", "UPS-SNMP-001")] == "fail"      # public answered
    assert status[("ups-branch", "UPS-BAT-003")] == "fail"       # the recording says 0 minutes left
    assert status[("ups-hq-02", "UPS-BAT-004")] == "error"       # charge -1: not collected, never a pass
    assert status[("pdu-rack1", "UPS-BAT-002")] == "error"       # a PDU has no battery facts
    ups_statuses = {s for (a, c), s in status.items() if c.startswith("UPS-")}
    assert {"pass", "fail", "error"} <= ups_statuses
    fail = next(f for f in findings if (f["asset_id"], f["control_id"]) == ("ups-branch", "UPS-SNMP-001"))
    assert fail["evidence"] and fail["evidence"][0]["source"] == "snmp:probe"
