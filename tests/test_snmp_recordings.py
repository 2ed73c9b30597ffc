"""SNMP collectors against real device recordings (snmpsim-data) served by snmpsim on
127.0.0.1. Every expected value is read from the recording file in the test, then compared
with what the collector produced over the wire."""

from __future__ import annotations

import hashlib
import re

import pytest

from controlcheck.parsers.snmp_system import fortios_version, parse_sys_descr
from controlcheck.lab.snmplab import SnmpSim, read_recording
from snmphelp import collect, column, error_messages, fact, parse_snmprec, write_inventory

ASSETS = {
    # id: (kind, platform, recording)
    "ups-eaton": ("ups", "ups_rfc1628", "UPS/eaton-93e-80"),
    "ups-huawei": ("ups", "ups_rfc1628", "UPS/huawei-gse200m"),
    "ups-santak": ("ups", "ups_rfc1628", "UPS/ingrasys-power-switch"),
    "ups-phoenixtec": ("ups", "ups_rfc1628", "UPS/phoenixtec-power"),
    "ups-apc-pdu": ("ups", "ups_apc", "UPS/apc-8641"),
    "ups-vertiv": ("ups", "ups_rfc1628", "UPS/vertiv-power"),
    "sw-cisco": ("switch", "snmp_generic", "network/switch/cisco-c3560"),
    "fw-paloalto": ("firewall", "snmp_generic", "network/firewall/paloalto-pa-5000"),
    "srv-linux": ("server", "snmp_generic", "os/linux/unknown-001"),
    "wks-win2003": ("workstation", "snmp_generic", "os/windows/server-2003-5-2"),
    "wks-winxp": ("workstation", "snmp_generic", "os/windows/XP"),
}
UPS_MIB = "1.3.6.1.2.1.33.1"


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snmprec")
    with SnmpSim({asset_id: rec for asset_id, (_, _, rec) in ASSETS.items()}) as sim:
        inv = write_inventory(tmp, sim.port, [
            {"id": asset_id, "kind": kind, "platform": platform, "community": asset_id}
            for asset_id, (kind, platform, _) in ASSETS.items()])
        yield collect(inv)


@pytest.fixture(scope="module")
def recs():
    return {asset_id: parse_snmprec(rec) for asset_id, (_, _, rec) in ASSETS.items()}


def text(rec: dict, oid: str) -> str | None:
    tag, value = rec.get(oid, (None, None))
    return value if tag == "4" else None


def clean(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


# -- every asset: system group, probes, evidence ---------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("asset_id", sorted(ASSETS))
def test_system_group_matches_the_recording(docs, recs, asset_id):
    doc, rec = docs[asset_id], recs[asset_id]
    for name, oid in (("sys_descr", "1.3.6.1.2.1.1.1.0"), ("sys_contact", "1.3.6.1.2.1.1.4.0"),
                      ("sys_name", "1.3.6.1.2.1.1.5.0"), ("sys_location", "1.3.6.1.2.1.1.6.0")):
        assert fact(doc, f"snmp.{name}") == text(rec, oid), name
    assert fact(doc, "snmp.sys_object_id") == rec["1.3.6.1.2.1.1.2.0"][1]
    assert fact(doc, "snmp.sys_uptime_seconds") == rec["1.3.6.1.2.1.1.3.0"][1] // 100
    # snmpsim answers any community that names a recording, with v1 and v2c; not public/private.
    # A probe is judged against a later request the agent answered (the witness), not against a
    # clock, so a loaded machine gives the same answer; only if the agent stopped answering
    # altogether would the fact be missing, with an error saying it is undetermined.
    if fact(doc, "snmp.versions_accepted") is None:
        assert any("acceptance not determined" in m for m in error_messages(doc)), error_messages(doc)
    else:
        assert fact(doc, "snmp.versions_accepted") == ["1", "2c"]
    if fact(doc, "snmp.default_communities_answered") is None:
        assert any("is not determined" in m for m in error_messages(doc)), error_messages(doc)
    else:
        assert fact(doc, "snmp.default_communities_answered") == []
    assert fact(doc, "snmp.collection") == {"version": "2c", "security_level": "noAuthNoPriv"}
    sources = [e["source"] for e in doc["evidence"]]
    assert "snmp:1.3.6.1.2.1.1.1.0" in sources and "snmp:probe" in sources
    assert len(sources) == len(set(sources)), "one evidence entry per OID or walk"


@pytest.mark.slow
def test_evidence_holds_the_raw_values(docs, recs):
    doc = docs["ups-eaton"]
    entry = next(e for e in doc["evidence"] if e["source"] == f"snmp:{UPS_MIB}.2.4.0")
    raw = f"{UPS_MIB}.2.4.0 = INTEGER: {recs['ups-eaton'][UPS_MIB + '.2.4.0'][1]}\n"
    assert entry["sha256"] == hashlib.sha256(raw.encode()).hexdigest()
    assert doc["provenance"]["ups.battery.charge_percent"]["evidence"] == entry["id"]


# -- UPS-MIB -----------------------------------------------------------------------------------
BATTERY = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}
OUTPUT = {1: "other", 2: "none", 3: "normal", 4: "bypass", 5: "battery", 6: "booster", 7: "reducer"}
TEST = {1: "passed", 2: "warning", 3: "failed", 4: "aborted", 5: "in_progress", 6: "no_test"}


def expected_ups(rec: dict) -> dict:
    """What a careful reading of the recording allows, and nothing more."""
    def integer(oid, tags=("2",), low=None, high=None):
        tag, value = rec.get(f"{UPS_MIB}.{oid}", (None, None))
        if tag not in tags or not isinstance(value, int):
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            return None
        return value

    out = {
        "ups.manufacturer": clean(text(rec, f"{UPS_MIB}.1.1.0")),
        "ups.model": clean(text(rec, f"{UPS_MIB}.1.2.0")),
        "ups.firmware": clean(text(rec, f"{UPS_MIB}.1.3.0")),
        "ups.agent_firmware": clean(text(rec, f"{UPS_MIB}.1.4.0")),
        "ups.battery.status": BATTERY.get(integer("2.1.0")),
        "ups.battery.charge_percent": integer("2.4.0", low=0, high=100),
        "ups.battery.runtime_minutes": integer("2.3.0", low=0),       # TimeTicks here: unit uncertain
        "ups.battery.temperature_c": integer("2.7.0", low=0, high=100),
        "ups.input.line_failures": integer("3.1.0", tags=("65", "2", "66"), low=0),
        "ups.output.source": OUTPUT.get(integer("4.1.0")),
        "ups.self_test.result": TEST.get(integer("7.3.0")),
    }
    if integer("6.1.0", tags=("66", "2")) == 0:
        out["ups.battery.replace_indicated"] = False
    return out


@pytest.mark.slow
@pytest.mark.parametrize("asset_id", ["ups-eaton", "ups-huawei", "ups-santak", "ups-phoenixtec"])
def test_ups_mib_facts_match_the_recording(docs, recs, asset_id):
    doc = docs[asset_id]
    expected = expected_ups(recs[asset_id])
    assert any(v is not None for v in expected.values())
    for path, value in expected.items():
        assert fact(doc, path) == value, path
    if expected["ups.model"]:
        assert fact(doc, "system.model") == expected["ups.model"]


@pytest.mark.slow
def test_eaton_ups_passes_the_battery_checks(docs):
    ups = docs["ups-eaton"]["facts"]["ups"]
    assert ups["battery"] == {"status": "normal", "charge_percent": 100, "runtime_minutes": 1092,
                              "temperature_c": 25, "replace_indicated": False}
    assert ups["output"] == {"source": "normal"} and ups["self_test"]["result"] == "passed"
    assert docs["ups-eaton"]["facts"]["system"]["vendor"] == "Eaton"    # enterprise 705


@pytest.mark.slow
def test_huawei_minus_one_values_are_left_out_with_errors(docs, recs):
    rec, doc = recs["ups-huawei"], docs["ups-huawei"]
    assert rec[f"{UPS_MIB}.2.4.0"] == ("2", -1) and rec[f"{UPS_MIB}.2.3.0"] == ("2", -1)
    battery = doc["facts"]["ups"]["battery"]
    assert "charge_percent" not in battery and "runtime_minutes" not in battery
    assert "temperature_c" not in battery
    messages = error_messages(doc)
    assert any("upsEstimatedChargeRemaining" in m and "-1" in m for m in messages)
    assert any("upsEstimatedMinutesRemaining" in m and "-1" in m for m in messages)
    assert any("upsBatteryTemperature" in m for m in messages)


@pytest.mark.slow
def test_runtime_sent_as_timeticks_is_not_converted(docs, recs):
    rec, doc = recs["ups-santak"], docs["ups-santak"]
    assert rec[f"{UPS_MIB}.2.3.0"][0] == "67"             # TimeTicks where the MIB says minutes
    assert "runtime_minutes" not in doc["facts"]["ups"]["battery"]
    assert any("TimeTicks" in m and "unit uncertain" in m for m in error_messages(doc))


@pytest.mark.slow
def test_apc_rack_pdu_gets_no_battery_facts_and_a_reason(docs, recs):
    doc = docs["ups-apc-pdu"]
    assert recs["ups-apc-pdu"]["1.3.6.1.2.1.1.2.0"][1].startswith("1.3.6.1.4.1.318.1.3.4.")
    assert "ups" not in doc["facts"]
    assert any("rack PDU, not a UPS" in m or "rack PDU" in m and "not a UPS" in m for m in error_messages(doc))
    assert doc["facts"]["system"]["vendor"] == "APC"
    mn = re.search(r"MN:(\S+)", text(recs["ups-apc-pdu"], "1.3.6.1.2.1.1.1.0")).group(1)
    assert doc["facts"]["system"]["model"] == mn


@pytest.mark.slow
def test_agent_without_ups_mib_gets_no_battery_facts(docs, recs):
    doc = docs["ups-vertiv"]
    assert not any(oid.startswith(UPS_MIB) for oid in recs["ups-vertiv"])
    assert "ups" not in doc["facts"]
    assert any("no UPS-MIB" in m for m in error_messages(doc))


# -- network -----------------------------------------------------------------------------------
def expected_interfaces(rec: dict) -> list[dict]:
    names, descrs = column(rec, "1.3.6.1.2.1.31.1.1.1.1"), column(rec, "1.3.6.1.2.1.2.2.1.2")
    admin, oper = column(rec, "1.3.6.1.2.1.2.2.1.7"), column(rec, "1.3.6.1.2.1.2.2.1.8")
    out = []
    for index in sorted(set(names) | set(descrs), key=lambda i: tuple(int(x) for x in i.split("."))):
        label = next((v[1] for v in (names.get(index), descrs.get(index)) if v and v[1] and v[1].strip()), None)
        if label is None:
            continue
        entry = {"name": label.strip()}
        if admin.get(index, (None, 0))[1] in (1, 2):
            entry["admin_up"] = admin[index][1] == 1
        if oper.get(index, (None, 0))[1] in (1, 2, 5, 6, 7):
            entry["oper_up"] = oper[index][1] == 1
        out.append(entry)
    return out


def expected_chassis(rec: dict) -> tuple[str | None, str | None]:
    classes = column(rec, "1.3.6.1.2.1.47.1.1.1.1.5")
    serials, models = column(rec, "1.3.6.1.2.1.47.1.1.1.1.11"), column(rec, "1.3.6.1.2.1.47.1.1.1.1.13")
    for index, (_, cls) in classes.items():
        model, serial = clean(models.get(index, (0, None))[1]), clean(serials.get(index, (0, None))[1])
        if cls == 3 and (model or serial):
            return model, serial
    raise AssertionError("recording has no chassis entity")


@pytest.mark.slow
@pytest.mark.parametrize("asset_id", ["sw-cisco", "fw-paloalto"])
def test_interfaces_and_chassis_match_the_recording(docs, recs, asset_id):
    doc, rec = docs[asset_id], recs[asset_id]
    interfaces = fact(doc, "snmp.interfaces")
    assert interfaces == expected_interfaces(rec)
    assert len(interfaces) > 10
    model, serial = expected_chassis(rec)
    assert fact(doc, "snmp.entity.model") == model and fact(doc, "system.model") == model
    assert fact(doc, "snmp.entity.serial") == serial and fact(doc, "system.serial") == serial


@pytest.mark.slow
def test_cisco_ios_version_from_sysdescr(docs, recs):
    descr = text(recs["sw-cisco"], "1.3.6.1.2.1.1.1.0")
    version = descr.split("Version ", 1)[1].split(",", 1)[0]
    system = docs["sw-cisco"]["facts"]["system"]
    assert (system["vendor"], system["os_name"], system["os_version"]) == ("Cisco", "IOS", version)
    assert version == "12.2(55)SE3"


@pytest.mark.slow
def test_palo_alto_version_from_the_pan_mib(docs, recs):
    version = text(recs["fw-paloalto"], "1.3.6.1.4.1.25461.2.1.2.1.1.0")
    system = docs["fw-paloalto"]["facts"]["system"]
    assert (system["vendor"], system["os_name"], system["os_version"]) == ("Palo Alto Networks", "PAN-OS", version)
    # non-ASCII (UTF-8) strings survive as text
    assert fact(docs["fw-paloalto"], "snmp.sys_location") == text(recs["fw-paloalto"], "1.3.6.1.2.1.1.6.0")


@pytest.mark.parametrize("recording, expected", [
    ("network/router/juniper-mx960-12-3r6-6", ("Juniper", "Junos", "12.3R6.6")),
    ("network/router/huawei-s5720", ("Huawei", "VRP", "V200R007C00SPC500")),
    ("network/switch/cisco-n5000", ("Cisco", "NX-OS", None)),
])
def test_os_version_from_recorded_sysdescr(recording, expected):
    rec = parse_snmprec(recording)
    parsed = parse_sys_descr(text(rec, "1.3.6.1.2.1.1.1.0"), rec["1.3.6.1.2.1.1.2.0"][1])
    vendor, os_name, version = expected
    assert parsed["vendor"] == vendor and parsed.get("os_name") == os_name
    if version:
        assert parsed["os_version"] == version
    else:   # whatever it is, it is the "Version ..." the text names
        descr = text(rec, "1.3.6.1.2.1.1.1.0")
        assert parsed["os_version"] in descr and f"Version {parsed['os_version']}" in descr


def test_fortios_version_from_the_fortigate_mib_value():
    """The Fortinet recording is large (450k lines), so its fgSysVersion is read from the file
    and fed to the same parser the collector uses."""
    from controlcheck.collectors.snmp_generic import FG_SYS_VERSION
    rec = read_recording("network/firewall/fortinet-xcu")
    line = next(ln for ln in rec.splitlines() if ln.startswith(FG_SYS_VERSION + "|"))
    value = bytes.fromhex(line.split("|")[2]).decode()
    assert value.startswith("v5.4.5,build")
    assert fortios_version(value) == "5.4.5"
    assert parse_sys_descr("xcu", "1.3.6.1.4.1.12356.101.1.30000") == {"vendor": "Fortinet", "os_name": "FortiOS"}


# -- hosts -------------------------------------------------------------------------------------
def raw_column(recording: str, prefix: str) -> list[bytes]:
    """The raw bytes of an OCTET STRING column, in index order, read from the recording file."""
    rows = {}
    for line in read_recording(recording).splitlines():
        oid, _, rest = line.partition("|")
        tag, _, value = rest.partition("|")
        if oid.startswith(prefix + "."):
            raw = bytes.fromhex(value) if tag == "4x" else value.encode("latin-1")
            rows[tuple(int(x) for x in oid[len(prefix) + 1:].split("."))] = raw.rstrip(b"\x00")
    return [rows[k] for k in sorted(rows)]


@pytest.mark.slow
def test_windows_cp1252_names_are_kept_and_say_how_they_were_read(docs):
    """XP's first hrSWInstalledName holds cp1252 quotes (0x93/0x94): it used to be dropped, so
    the installed-software list was one short."""
    doc = docs["wks-winxp"]
    first = fact(doc, "host.software")[0]
    assert first["name"] == "Windows Driver Package - Nokia pccsmcfd \u201cLegacyDriver\u201d  (05/31/2"
    assert first["decoded_as"] == "cp1252"
    assert fact(doc, "snmp.decodings.hrSWInstalledName") == {"cp1252": 3}    # rows 1, 91, 132
    assert not any("not text" in m or "not OCTET" in m for m in error_messages(doc))


@pytest.mark.slow
@pytest.mark.parametrize("asset_id", ["srv-linux", "wks-win2003", "wks-winxp"])
def test_host_resources_match_the_recording(docs, recs, asset_id):
    doc, rec = docs[asset_id], recs[asset_id]
    code_page = "latin-1" if asset_id == "srv-linux" else "cp1252"
    installed = raw_column(ASSETS[asset_id][2], "1.3.6.1.2.1.25.6.3.1.2")
    software = fact(doc, "host.software")
    assert len(software) == len(installed)          # no row lost to a legacy encoding
    for entry, raw in zip(software, installed, strict=True):
        try:
            assert entry["name"] == raw.decode("utf-8") and "decoded_as" not in entry
        except UnicodeDecodeError:
            assert entry["name"] == raw.decode(code_page) and entry["decoded_as"] == code_page
    running = [v.strip() for _, v in column(rec, "1.3.6.1.2.1.25.4.2.1.2").values() if v and v.strip()]
    assert fact(doc, "host.processes") == list(dict.fromkeys(running))
    storage = fact(doc, "host.storage")
    descrs = [v.strip() for _, v in column(rec, "1.3.6.1.2.1.25.2.3.1.3").values()]
    assert [s["description"] for s in storage] == descrs
    units, sizes = column(rec, "1.3.6.1.2.1.25.2.3.1.4"), column(rec, "1.3.6.1.2.1.25.2.3.1.5")
    first = next(iter(column(rec, "1.3.6.1.2.1.25.2.3.1.3")))
    if units[first][1] > 0 and sizes[first][1] >= 0:
        assert storage[0]["size_bytes"] == units[first][1] * sizes[first][1]


@pytest.mark.slow
def test_linux_host_kernel_and_package_versions(docs, recs):
    doc = docs["srv-linux"]
    descr = text(recs["srv-linux"], "1.3.6.1.2.1.1.1.0")
    assert fact(doc, "host.os.family") == "linux"
    assert fact(doc, "host.os.kernel") == descr.split()[2]
    oddjob = next(s for s in fact(doc, "host.software") if s["name"].startswith("oddjob-"))
    assert oddjob == {"name": "oddjob-0.30-5.el6", "version": "0.30-5.el6"}


@pytest.mark.slow
def test_windows_host_version_and_antivirus(docs, recs):
    doc = docs["wks-win2003"]
    assert fact(doc, "system.vendor") == "Microsoft"
    assert fact(doc, "system.os_version") == "5.2.3790"
    assert (fact(doc, "host.os.family"), fact(doc, "host.os.version"), fact(doc, "host.os.build")) == \
        ("windows", "5.2", "3790")
    running = [v for _, v in column(recs["wks-win2003"], "1.3.6.1.2.1.25.4.2.1.2").values()]
    assert "ekrn.exe" in running                       # ESET, per the recording
    assert "ekrn.exe" in fact(doc, "host.endpoint_protection.running")
