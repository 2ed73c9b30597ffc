"""What snmp_generic reads for a printer (Printer-MIB basics) and how it supplements an
SSH-collected asset without overriding what the device's CLI said."""

from __future__ import annotations

import pytest

from controlcheck.collectors import get_collector
from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.inventory import load_inventory
from controlcheck.lab.snmplab import SnmpSim
from snmphelp import collect, error_messages, fact, write_inventory

pytestmark = pytest.mark.slow   # every test here starts a server

PRINTER = [   # an office MFP as the printer MIBs describe it (hand-written: snmpsim-data has none)
    "1.3.6.1.2.1.1.1.0|4|Brother NC-8800w, Firmware Ver.1.05",
    "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2435.2.3.9.1",
    "1.3.6.1.2.1.1.3.0|67|8640000",
    "1.3.6.1.2.1.1.4.0|4|",
    "1.3.6.1.2.1.1.5.0|4|prn-floor2",
    "1.3.6.1.2.1.1.6.0|4|Floor 2",
    "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5",
    "1.3.6.1.2.1.25.3.2.1.2.2|6|1.3.6.1.2.1.25.3.1.4",
    "1.3.6.1.2.1.25.3.2.1.3.1|4|Brother MFC-L8900CDW series",
    "1.3.6.1.2.1.25.3.2.1.3.2|4|Ethernet",
    "1.3.6.1.2.1.25.3.5.1.1.1|2|3",
    "1.3.6.1.2.1.43.5.1.1.17.1|4|E78214F3N123456",
]
ROUTER = [
    "1.3.6.1.2.1.1.1.0|4|Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.2(4)M7, RELEASE",
    "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9.1.1041",
    "1.3.6.1.2.1.1.3.0|67|100",
    "1.3.6.1.2.1.1.4.0|4|noc",
    "1.3.6.1.2.1.1.5.0|4|rtr-snmp-name",
    "1.3.6.1.2.1.1.6.0|4|HQ",
    "1.3.6.1.2.1.2.2.1.2.1|4|GigabitEthernet0/0",
    "1.3.6.1.2.1.2.2.1.7.1|2|1",
    "1.3.6.1.2.1.2.2.1.8.1|2|2",
]
APC_UPS = [   # a Smart-UPS card as PowerNet-MIB describes it (snmpsim-data's APC files are PDUs)
    "1.3.6.1.2.1.1.1.0|4|APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 MN:AP9631 HR:05)",
    "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.318.1.3.2.12",
    "1.3.6.1.2.1.1.3.0|67|8640000",
    "1.3.6.1.2.1.1.4.0|4|facilities@example.invalid",
    "1.3.6.1.2.1.1.5.0|4|ups-apc",
    "1.3.6.1.2.1.1.6.0|4|Server room",
    "1.3.6.1.4.1.318.1.1.1.1.1.1.0|4|Smart-UPS 1500",
    "1.3.6.1.4.1.318.1.1.1.1.2.1.0|4|UPS 09.3 (ID18)",
    "1.3.6.1.4.1.318.1.1.1.1.2.3.0|4|AS1234567890",
    "1.3.6.1.4.1.318.1.1.1.2.1.1.0|2|2",
    "1.3.6.1.4.1.318.1.1.1.2.1.3.0|4|03/15/24",
    "1.3.6.1.4.1.318.1.1.1.2.2.1.0|66|100",
    "1.3.6.1.4.1.318.1.1.1.2.2.2.0|66|27",
    "1.3.6.1.4.1.318.1.1.1.2.2.3.0|67|252000",
    "1.3.6.1.4.1.318.1.1.1.2.2.4.0|2|2",
    "1.3.6.1.4.1.318.1.1.1.4.1.1.0|2|3",
    "1.3.6.1.4.1.318.1.1.1.7.2.3.0|2|1",
    "1.3.6.1.4.1.318.1.1.1.7.2.4.0|4|11/01/2026",
]


@pytest.fixture(scope="module")
def sim():
    server = SnmpSim()
    server.add_text("printer", "\n".join(PRINTER))
    server.add_text("router", "\n".join(ROUTER))
    server.add_text("apcups", "\n".join(APC_UPS))
    with server:
        yield server


def test_printer_facts(tmp_path, sim):
    inv = write_inventory(tmp_path, sim.port, [{"id": "prn", "kind": "printer", "platform": "snmp_generic",
                                                "community": "printer"}])
    doc = collect(inv)["prn"]
    assert doc["errors"] == [], error_messages(doc)
    assert doc["facts"]["printer"] == {"model": "Brother MFC-L8900CDW series", "status": "idle",
                                       "serial": "E78214F3N123456"}
    assert fact(doc, "system.model") == "Brother MFC-L8900CDW series"
    assert fact(doc, "snmp.sys_contact") == ""                     # PRN-SNMP-003 will fail on it
    assert fact(doc, "snmp.versions_accepted") == ["1", "2c"]      # PRN-SNMP-002 will fail on it


def test_supplement_keeps_what_ssh_found(tmp_path, sim):
    inv = load_inventory(write_inventory(tmp_path, sim.port, [
        {"id": "rtr", "kind": "router", "platform": "snmp_generic", "community": "router"}]))
    asset = inv.assets[0]
    builder = FactsBuilder(asset, CollectionContext(inventory=inv), "cisco_ios")
    builder.set("system.hostname", "rtr-hq-01")          # as the SSH collector found them
    builder.set("system.os_version", "15.2(4)M8")
    get_collector("snmp_generic").collect(asset, builder.ctx, builder)   # the sync path collect.py uses
    facts = builder.facts
    assert facts["system"]["hostname"] == "rtr-hq-01" and facts["system"]["os_version"] == "15.2(4)M8"
    assert facts["system"]["vendor"] == "Cisco" and facts["system"]["os_name"] == "IOS"
    assert facts["snmp"]["sys_name"] == "rtr-snmp-name"
    assert facts["snmp"]["interfaces"] == [{"name": "GigabitEthernet0/0", "admin_up": True, "oper_up": False}]


def test_apc_powernet_ups(tmp_path, sim):
    inv = write_inventory(tmp_path, sim.port, [{"id": "ups", "kind": "ups", "platform": "ups_apc",
                                                "community": "apcups"}])
    doc = collect(inv)["ups"]
    assert doc["errors"] == [], error_messages(doc)
    assert doc["facts"]["ups"] == {
        "manufacturer": "APC", "model": "Smart-UPS 1500", "firmware": "UPS 09.3 (ID18)",
        "battery": {"status": "normal", "charge_percent": 100, "temperature_c": 27,
                    "runtime_minutes": 42,                  # TimeTicks by definition: 252000 / 6000
                    "replace_indicated": True, "last_replaced": "2024-03-15"},
        "output": {"source": "battery"},
        "self_test": {"result": "passed", "date": "2026-11-01"},
    }
    assert fact(doc, "system.vendor") == "APC" and fact(doc, "system.serial") == "AS1234567890"
