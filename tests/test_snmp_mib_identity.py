"""The OS version and identity from the MIBs that carry them when sysDescr does not, and
IF-MIB interfaces for every kind whose agent serves them — on real snmpsim-data recordings,
with the expected values read from the recording files and from net-snmp's own snmpwalk
against the same agent."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from controlcheck.lab.snmplab import SnmpSim
from snmphelp import collect, column, error_messages, fact, parse_snmprec, write_inventory

pytestmark = pytest.mark.slow     # starts snmpsim

ASSETS = {
    # id: (kind, platform, recording)
    "rtr-cisco-bare": ("router", "snmp_generic", "network/router/cisco-unmarked-0"),
    "rtr-cisco-6500": ("router", "snmp_generic", "network/appliance/cisco-unknown-01"),
    "rtr-brocade": ("router", "snmp_generic", "network/router/brocade-unknown-001"),
    "sw-huawei": ("switch", "snmp_generic", "network/switch/huawei-s12704"),
    "pdu-apc": ("ups", "ups_apc", "UPS/apc-7902b"),
    "ups-eaton": ("ups", "ups_rfc1628", "UPS/eaton-93e-80"),
    "wks-winxp": ("workstation", "snmp_generic", "os/windows/XP"),
}


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mibid")
    with SnmpSim({asset_id: rec for asset_id, (_, _, rec) in ASSETS.items()}) as sim:
        inv = write_inventory(tmp, sim.port, [
            # large recordings (657k lines) make one snmpsim process slow to answer seven agents
            # walking at once: a generous timeout, so the test is about the facts, not the load
            {"id": asset_id, "kind": kind, "platform": platform, "community": asset_id,
             "snmp": {"timeout": 15, "retries": 1}}
            for asset_id, (kind, platform, _) in ASSETS.items()])
        yield sim, collect(inv)


def snmpwalk(port: int, community: str, oid: str) -> list[str]:
    if not shutil.which("snmpwalk"):
        pytest.skip("net-snmp snmpwalk is not installed")
    out = subprocess.run(["snmpwalk", "-v2c", "-c", community, "-On", "-Oqv", "-t", "10", "-r", "2",
                          f"127.0.0.1:{port}", oid], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [line.strip().strip('"') for line in out.stdout.splitlines() if line.strip()]


def cw_version(asset_id: str) -> str:
    rows = column(parse_snmprec(ASSETS[asset_id][2]), "1.3.6.1.4.1.9.9.25.1.1.1.2")
    found = [v for _, v in rows.values() if v and v.startswith("CW_VERSION$")]
    assert len(found) == 1
    return found[0].split("$")[1]


@pytest.mark.parametrize("asset_id", ["rtr-cisco-bare", "rtr-cisco-6500"])
def test_cisco_version_from_the_image_mib_when_sysdescr_lacks_it(agents, asset_id):
    sim, docs = agents
    doc, rec = docs[asset_id], parse_snmprec(ASSETS[asset_id][2])
    assert rec["1.3.6.1.2.1.1.1.0"][1] == "Cisco Internetwork Operating System Software"
    expected = cw_version(asset_id)                              # 12.1(8)EA1c / 12.2(18)SXF12
    assert f"CW_VERSION${expected}$" in snmpwalk(sim.port, asset_id, "1.3.6.1.4.1.9.9.25.1.1.1.2")
    assert fact(doc, "system.os_version") == expected, error_messages(doc)
    assert fact(doc, "system.os_name") == "IOS"
    assert "CISCO-IMAGE-MIB" in fact(doc, "snmp.os_version_source")
    assert not any("os_version not determined" in m for m in error_messages(doc))


def test_entity_chassis_software_rev_when_sysdescr_lacks_it(agents):
    sim, docs = agents
    doc, rec = docs["rtr-brocade"], parse_snmprec(ASSETS["rtr-brocade"][2])
    assert "7.2.1" not in rec["1.3.6.1.2.1.1.1.0"][1]          # sysDescr is an address here
    assert rec["1.3.6.1.2.1.47.1.1.1.1.5.1"][1] == 3 and rec["1.3.6.1.2.1.47.1.1.1.1.10.1"][1] == "7.2.1"
    assert fact(doc, "system.os_version") == "7.2.1"
    assert fact(doc, "snmp.os_version_source") == "ENTITY-MIB entPhysicalSoftwareRev.1 (chassis)"


def test_a_software_rev_that_is_a_phrase_is_not_taken_for_a_version(agents):
    _sim, docs = agents
    doc = docs["sw-huawei"]
    assert fact(doc, "system.os_version") is None
    assert any("'Version 5.170 V200R012C00SPC500', not one version" in m for m in error_messages(doc)), \
        error_messages(doc)


def test_apc_pdu_identity_from_powernet(agents):
    _sim, docs = agents
    doc, rec = docs["pdu-apc"], parse_snmprec(ASSETS["pdu-apc"][2])
    assert fact(doc, "system.model") == rec["1.3.6.1.4.1.318.1.1.12.1.5.0"][1] == "AP7902B"
    assert fact(doc, "system.serial") == rec["1.3.6.1.4.1.318.1.1.12.1.6.0"][1]
    assert fact(doc, "system.os_version") == rec["1.3.6.1.4.1.318.1.1.12.1.3.0"][1] == "v6.7.2"
    assert "ups" not in doc["facts"] or "battery" not in doc["facts"]["ups"]     # still no invented battery


@pytest.mark.parametrize("asset_id", ["pdu-apc", "ups-eaton", "wks-winxp"])
def test_interfaces_for_every_kind_whose_agent_serves_them(agents, asset_id):
    sim, docs = agents
    doc = docs[asset_id]
    names = [v.strip() for _, v in column(parse_snmprec(ASSETS[asset_id][2]), "1.3.6.1.2.1.2.2.1.2").values()]
    assert names
    got = [i["name"] for i in fact(doc, "snmp.interfaces")]
    assert len(got) == len(names)
    if asset_id != "wks-winxp":      # XP has ifName too, which is preferred
        assert got == names == snmpwalk(sim.port, asset_id, "1.3.6.1.2.1.2.2.1.2")
