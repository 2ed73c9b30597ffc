"""Bad agents, one test each: no answer, wrong community, noSuchObject/noSuchInstance/
endOfMibView where a value was expected, a table that never ends, values of unexpected
types. Each is an errors entry with a clear message — never a crash, never a made-up fact.
The misbehaving agents are snmpsim serving .snmprec files written here."""

from __future__ import annotations

import json
import time

import pytest

from controlcheck.collectors.snmp import SnmpSession, convert, decode_octets
from controlcheck.parsers.snmp_host import software_version
from controlcheck.parsers.snmp_system import parse_sys_descr
from controlcheck.errors import InputError
from controlcheck.lab.snmplab import SnmpSim, free_udp_port
from snmphelp import collect, error_messages, fact, write_inventory


def system_group(descr: str = "bad agent", sys_oid: str = "1.3.6.1.4.1.99999.1") -> list[str]:
    return [f"1.3.6.1.2.1.1.1.0|4|{descr}", f"1.3.6.1.2.1.1.2.0|6|{sys_oid}", "1.3.6.1.2.1.1.3.0|67|360000",
            "1.3.6.1.2.1.1.4.0|4|ops@example.invalid", "1.3.6.1.2.1.1.5.0|4|bad-agent",
            "1.3.6.1.2.1.1.6.0|4|lab"]


AGENTS = {
    # only the system group: every walk beyond it meets endOfMibView
    "sysonly": system_group(),
    # UPS-MIB with holes: no charge, no runtime, no alarms
    "upspartial": system_group("partial UPS") + [
        "1.3.6.1.2.1.33.1.1.1.0|4|ACME", "1.3.6.1.2.1.33.1.1.2.0|4|ACME 1000",
        "1.3.6.1.2.1.33.1.2.1.0|2|2", "1.3.6.1.2.1.33.1.4.1.0|2|3"],
    # right OIDs, wrong types / unknown enum values / bytes that are not text
    "oddtypes": [
        "1.3.6.1.2.1.1.1.0|4x|01ff0203", "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.2",
        "1.3.6.1.2.1.1.3.0|4|yesterday", "1.3.6.1.2.1.1.4.0|4x|43616665e9",
        "1.3.6.1.2.1.1.5.0|2|42", "1.3.6.1.2.1.1.6.0|4|lab",
        "1.3.6.1.2.1.33.1.1.1.0|4|ACME", "1.3.6.1.2.1.33.1.2.1.0|4|normal",
        "1.3.6.1.2.1.33.1.2.3.0|66|30", "1.3.6.1.2.1.33.1.2.4.0|4|100",
        "1.3.6.1.2.1.33.1.2.7.0|67|2500", "1.3.6.1.2.1.33.1.3.1.0|4|none",
        "1.3.6.1.2.1.33.1.4.1.0|2|9", "1.3.6.1.2.1.33.1.6.1.0|4|0", "1.3.6.1.2.1.33.1.7.3.0|2|0"],
    # a process table far longer than the asset allows
    "endless": system_group("Linux endless 6.1.0-13-amd64 #1 SMP x86_64", "1.3.6.1.4.1.8072.3.2.10") + [
        f"1.3.6.1.2.1.25.4.2.1.2.{i}|4|proc-{i}" for i in range(1, 3001)],
}


@pytest.fixture(scope="module")
def sim():
    server = SnmpSim()
    for community, lines in AGENTS.items():
        server.add_text(community, "\n".join(lines))
    with server:
        yield server


def one(tmp_path, port: int, **asset) -> dict:
    asset.setdefault("id", "dev")
    inv = write_inventory(tmp_path, port, [asset])
    return collect(inv)[asset["id"]]


def test_no_answer_is_a_timeout_error(tmp_path):
    port = free_udp_port()                       # nothing listens there
    start = time.monotonic()
    doc = one(tmp_path, port, kind="ups", platform="ups_rfc1628", community="s3cret-comm",
              snmp={"timeout": 0.5, "retries": 0})
    assert time.monotonic() - start < 30      # bounded by the asset's timeout, not left to hang
    messages = error_messages(doc)
    assert any(f"no answer from 127.0.0.1:{port} within 0.5s (SNMPv2c" in m for m in messages), messages
    assert "ups" not in doc["facts"] and fact(doc, "snmp.sys_descr") is None
    assert fact(doc, "snmp.versions_accepted") is None        # nothing answered: not determined
    assert "s3cret-comm" not in json.dumps(doc)


@pytest.mark.slow
def test_wrong_community_is_a_clear_error(tmp_path, sim):
    doc = one(tmp_path, sim.port, kind="ups", platform="ups_rfc1628", community="not-this-one",
              snmp={"timeout": 0.5, "retries": 0})
    messages = error_messages(doc)
    assert any("no answer" in m and "does not accept this community" in m for m in messages), messages
    assert "ups" not in doc["facts"]
    assert "not-this-one" not in json.dumps(doc)


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2c", "1"])
def test_missing_objects_are_errors_not_facts(tmp_path, sim, version):
    """v2c: noSuchInstance/noSuchObject var-binds; v1: noSuchName, after which the other OIDs
    are asked again."""
    doc = one(tmp_path, sim.port, kind="ups", platform="ups_rfc1628", community="upspartial", version=version)
    ups = doc["facts"]["ups"]
    assert ups["manufacturer"] == "ACME" and ups["model"] == "ACME 1000"
    assert ups["battery"] == {"status": "normal"} and ups["output"] == {"source": "normal"}
    messages = error_messages(doc)
    charge = [m for m in messages if "upsEstimatedChargeRemaining" in m]
    assert charge and ("noSuchInstance" in charge[0] or "noSuchObject" in charge[0]), messages
    assert any("replace-battery indicator is not determined" in m for m in messages)
    assert fact(doc, "snmp.collection.version") == version


@pytest.mark.slow
def test_end_of_mib_view_where_a_table_was_expected(tmp_path, sim):
    doc = one(tmp_path, sim.port, kind="switch", platform="snmp_generic", community="sysonly")
    assert fact(doc, "snmp.sys_name") == "bad-agent"
    assert fact(doc, "snmp.interfaces") is None and fact(doc, "snmp.entity") is None
    assert any("lists no interfaces" in m for m in error_messages(doc))
    walk = next(e for e in doc["evidence"] if e["source"] == "snmp:1.3.6.1.2.1.2.2.1.2")
    assert walk["size"] > 0


@pytest.mark.slow
def test_end_of_mib_view_in_a_walk_ends_it(sim):
    import asyncio

    async def run():
        async with SnmpSession("127.0.0.1", sim.port, "2c", community="sysonly", timeout=2) as session:
            return await session.walk("1.3.6.1.2.1.1"), await session.walk("1.3.6.1.2.1.2")

    system, interfaces = asyncio.run(run())
    assert [r.oid for r in system.rows][-1] == "1.3.6.1.2.1.1.6.0" and system.complete
    assert interfaces.rows == [] and interfaces.complete


@pytest.mark.slow
def test_a_table_that_never_ends_is_bounded(tmp_path, sim):
    doc = one(tmp_path, sim.port, kind="server", platform="snmp_generic", community="endless",
              snmp={"max_rows": 100})
    messages = error_messages(doc)
    assert any("stopped after 100 rows (max_rows)" in m for m in messages), messages
    # a partial list would claim "these are the processes" (and "no anti-malware"): left out
    assert fact(doc, "host.processes") is None
    assert fact(doc, "host.endpoint_protection.running") is None
    assert fact(doc, "host.os.family") == "linux"


@pytest.mark.slow
def test_values_of_unexpected_types_are_left_out(tmp_path, sim):
    doc = one(tmp_path, sim.port, kind="ups", platform="ups_rfc1628", community="oddtypes")
    facts = doc["facts"]
    messages = error_messages(doc)
    ups = facts["ups"]
    # a Gauge32 count of minutes is still minutes; everything else odd is left out
    assert ups == {"manufacturer": "ACME", "battery": {"runtime_minutes": 30}}, ups
    for label, seen in (("upsBatteryStatus", "STRING"), ("upsEstimatedChargeRemaining", "STRING"),
                        ("upsInputLineBads", "STRING"), ("upsAlarmsPresent", "STRING"),
                        ("sysUpTime", "STRING"), ("sys_name", "INTEGER")):
        assert any(label in m and f"arrived as {seen}" in m for m in messages), (label, messages)
    assert any("upsBatteryTemperature" in m and "Timeticks" in m for m in messages)
    assert any("upsOutputSource" in m and "is 9" in m for m in messages)
    assert any("upsTestResultsSummary" in m and "is 0" in m for m in messages)
    # bytes that are not text: kept as hex in evidence, not a fact; Latin-1 text decoded
    assert fact(doc, "snmp.sys_descr") is None
    assert any("sys_descr" in m and "Hex-STRING" in m for m in messages)
    assert fact(doc, "snmp.sys_contact") == "Cafe\u00e9"


# -- units: conversion, parsing, configuration ---------------------------------------------------
def test_octet_string_decoding_never_fails():
    assert decode_octets(b"plain") == ("plain", True)
    assert decode_octets("M\u00fcnchen".encode()) == ("M\u00fcnchen", True)
    assert decode_octets(b"Caf\xe9") == ("Caf\u00e9", True)                  # Latin-1, printable
    assert decode_octets(b"\x00\x01\xff") == ("0x0001ff", False)             # binary -> hex
    assert decode_octets(b"padded\x00\x00") == ("padded", True)
    assert decode_octets(b"\x93quoted\x94") == ("0x" + b"\x93quoted\x94".hex(), False)   # C1 controls


def test_device_text_decoding_keeps_every_row_and_names_the_decoding():
    from controlcheck.parsers.snmp_system import decode_text
    assert decode_text("M\u00fcnchen".encode(), "cp1252") == ("M\u00fcnchen", "utf-8")
    assert decode_text(b"\x93quoted\x94", "cp1252") == ("\u201cquoted\u201d", "cp1252")
    assert decode_text(b"\x93quoted\x94", "latin-1")[1] == "latin-1+replaced"     # C1 controls shown as U+FFFD
    assert decode_text(b"ok\x81\x01", "cp1252") == ("ok\ufffd\ufffd", "cp1252+replaced")
    assert decode_text(b"Caf\xe9\x00\x00", "latin-1") == ("Caf\u00e9", "latin-1")


def test_convert_noSuch_and_endOfMib_are_missing_values():
    from pysnmp.proto import rfc1902, rfc1905

    for value, name in ((rfc1905.noSuchObject, "noSuchObject"), (rfc1905.noSuchInstance, "noSuchInstance"),
                        (rfc1905.endOfMibView, "endOfMibView")):
        converted = convert("1.2.3", value)
        assert converted.type == name and converted.missing and converted.value is None
        assert "1.2.3 = " in converted.render()
    assert convert("1", rfc1902.TimeTicks(6000)).render() == "1 = Timeticks: (6000)"
    assert convert("1", rfc1902.Counter64(2**40)).value == 2**40
    assert convert("1", rfc1902.IpAddress("10.0.0.1")).value == "10.0.0.1"


@pytest.mark.parametrize("descr, expected", [
    ("Cisco Adaptive Security Appliance Version 9.8(4)22", ("Cisco", "ASA", "9.8(4)22")),
    ("Cisco IOS Software [Bengaluru], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.4, "
     "RELEASE SOFTWARE (fc1)", ("Cisco", "IOS", "17.6.4")),
    ("Cisco IOS XE Software, Version 16.09.03", ("Cisco", "IOS-XE", "16.09.03")),
    ("Cisco Internetwork Operating System Software", ("Cisco", "IOS", None)),
])
def test_cisco_sysdescr_variants(descr, expected):
    parsed = parse_sys_descr(descr, "1.3.6.1.4.1.9.1.1")
    assert (parsed["vendor"], parsed.get("os_name"), parsed.get("os_version")) == expected


def test_software_versions_only_where_the_form_is_clear():
    assert software_version("oddjob-0.30-5.el6") == "0.30-5.el6"
    assert software_version("perl-Time-HiRes-1.9721-136.el6") == "1.9721-136.el6"
    assert software_version("JUNOS Base OS Software Suite [12.3R6.6]") == "12.3R6.6"
    assert software_version("7-Zip 9.20") == "9.20"
    assert software_version("Adobe AIR") is None
    assert software_version("Microsoft Office Enterprise 2007") is None


def test_session_configuration_errors_name_no_secret():
    with pytest.raises(InputError) as exc:
        SnmpSession("127.0.0.1", 161, "3", user="ops", auth_protocol="sha", auth_key="tiny7",
                    priv_protocol="aes", priv_key="longenough")
    assert "tiny7" not in str(exc.value) and "8 characters" in str(exc.value)
    session = SnmpSession("127.0.0.1", 161, "3", user="ops", auth_protocol="sha256", auth_key="A" * 12,
                          priv_protocol="aes256", priv_key="B" * 12)
    assert session.security_level == "authPriv" and "A" * 12 not in repr(session)
    assert SnmpSession("h", 161, "2c", community="c0mmunity").security_level == "noAuthNoPriv"
    with pytest.raises(InputError):
        SnmpSession("h", 161, "2c")                        # v2c without a community


def test_missing_secret_reference_is_an_error_entry(tmp_path):
    inv = tmp_path / "inv.yaml"
    inv.write_text("credentials:\n  ups-snmp: {community_env: CONTROLCHECK_TEST_UNSET}\n"
                   "assets:\n  - {id: u1, kind: ups, platform: ups_apc, address: 127.0.0.1,\n"
                   "     snmp: {credential: ups-snmp, port: 161}}\n", encoding="utf-8")
    doc = collect(inv)["u1"]
    assert any("CONTROLCHECK_TEST_UNSET is not set" in m for m in error_messages(doc)), error_messages(doc)
    assert doc["facts"] == {}


def test_context_is_an_snmpv3_setting():
    with pytest.raises(InputError, match="'context' is an SNMPv3 setting"):
        SnmpSession("127.0.0.1", 161, "2c", community="c-123456", context="sw1")
    with pytest.raises(InputError, match="longer than 32 bytes"):
        SnmpSession("127.0.0.1", 161, "3", user="u", auth_key="a" * 8, priv_key="p" * 8, context="x" * 33)
    session = SnmpSession("127.0.0.1", 161, "3", user="u", auth_key="a" * 8, priv_key="p" * 8, context="sw1")
    assert session.variant(without_privacy=True).context == "sw1"
    assert session.variant(context="").context == ""
