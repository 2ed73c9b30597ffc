"""UPS over SNMP: UPS-MIB (RFC 1628, ``1.3.6.1.2.1.33``) and APC PowerNet-MIB
(``1.3.6.1.4.1.318.1.1.1``) -> facts ``ups.*`` (docs/facts-model.md), plus
``system.vendor/model/os_version`` where the agent says so.

Which MIB is read follows the agent's sysObjectID: an APC product reads PowerNet first
(UPS-MIB as a fallback), anything else reads the UPS-MIB. An agent filed as ``ups`` that
is something else (an APC rack PDU answers from ``1.3.6.1.4.1.318.1.3.4``) gets no battery
facts and an errors entry saying why.

Values are taken only when their type and unit are certain: a charge outside 0..100, a
runtime of -1 or sent as TimeTicks where the MIB says minutes, an enum value the MIB does
not define — each is left out with an errors entry, never converted by guess.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from ..inventory import Asset
from ..parsers.snmp_system import clean_text, enterprise_number
from ..parsers.snmp_ups import (
    APC_BATTERY,
    APC_OUTPUT,
    APC_PDU_PREFIX,
    APC_REPLACE,
    APC_TEST,
    RFC1628_BATTERY,
    RFC1628_OUTPUT,
    RFC1628_TEST,
    UPS_VENDORS,
    apc_date,
    apc_descr_field,
    is_version,
)
from .snmp import SnmpCollector, SnmpReader, SnmpValue, SystemInfo, set_if_absent
from .snmp.interfaces import read_interfaces

APC_RPDU = {
    "firmware": "1.3.6.1.4.1.318.1.1.12.1.3.0",     # rPDUIdentFirmwareRev
    "model": "1.3.6.1.4.1.318.1.1.12.1.5.0",        # rPDUIdentModelNumber
    "serial": "1.3.6.1.4.1.318.1.1.12.1.6.0",       # rPDUIdentSerialNumber
}
APC_RPDU_LABEL = {"firmware": "rPDUIdentFirmwareRev", "model": "rPDUIdentModelNumber",
                  "serial": "rPDUIdentSerialNumber"}
APC_SPDU = {
    "firmware": "1.3.6.1.4.1.318.1.1.4.1.2.0",      # sPDUIdentFirmwareRev
    "model": "1.3.6.1.4.1.318.1.1.4.1.4.0",         # sPDUIdentModelNumber
    "serial": "1.3.6.1.4.1.318.1.1.4.1.5.0",        # sPDUIdentSerialNumber
}
APC_SPDU_LABEL = {"firmware": "sPDUIdentFirmwareRev", "model": "sPDUIdentModelNumber",
                  "serial": "sPDUIdentSerialNumber"}

UPS_MIB = "1.3.6.1.2.1.33"
RFC1628 = {
    "manufacturer": "1.3.6.1.2.1.33.1.1.1.0",      # upsIdentManufacturer
    "model": "1.3.6.1.2.1.33.1.1.2.0",             # upsIdentModel
    "firmware": "1.3.6.1.2.1.33.1.1.3.0",          # upsIdentUPSSoftwareVersion
    "agent_firmware": "1.3.6.1.2.1.33.1.1.4.0",    # upsIdentAgentSoftwareVersion
    "battery_status": "1.3.6.1.2.1.33.1.2.1.0",    # upsBatteryStatus
    "minutes_remaining": "1.3.6.1.2.1.33.1.2.3.0",  # upsEstimatedMinutesRemaining
    "charge": "1.3.6.1.2.1.33.1.2.4.0",            # upsEstimatedChargeRemaining
    "temperature": "1.3.6.1.2.1.33.1.2.7.0",       # upsBatteryTemperature
    "line_bads": "1.3.6.1.2.1.33.1.3.1.0",         # upsInputLineBads
    "output_source": "1.3.6.1.2.1.33.1.4.1.0",     # upsOutputSource
    "alarms_present": "1.3.6.1.2.1.33.1.6.1.0",    # upsAlarmsPresent
    "test_result": "1.3.6.1.2.1.33.1.7.3.0",       # upsTestResultsSummary
    "test_start": "1.3.6.1.2.1.33.1.7.5.0",        # upsTestStartTime
}
RFC1628_LABEL = {
    "manufacturer": "upsIdentManufacturer", "model": "upsIdentModel", "firmware": "upsIdentUPSSoftwareVersion",
    "agent_firmware": "upsIdentAgentSoftwareVersion", "battery_status": "upsBatteryStatus",
    "minutes_remaining": "upsEstimatedMinutesRemaining", "charge": "upsEstimatedChargeRemaining",
    "temperature": "upsBatteryTemperature", "line_bads": "upsInputLineBads", "output_source": "upsOutputSource",
    "alarms_present": "upsAlarmsPresent", "test_result": "upsTestResultsSummary", "test_start": "upsTestStartTime",
}
UPS_ALARM_DESCR = "1.3.6.1.2.1.33.1.6.2.1.2"       # upsAlarmDescr column
UPS_ALARM_BATTERY_BAD = "1.3.6.1.2.1.33.1.6.3.1"   # upsAlarmBatteryBad: batteries need replacing

APC_UPS = "1.3.6.1.4.1.318.1.1.1"
APC = {
    "model": "1.3.6.1.4.1.318.1.1.1.1.1.1.0",          # upsBasicIdentModel
    "firmware": "1.3.6.1.4.1.318.1.1.1.1.2.1.0",       # upsAdvIdentFirmwareRevision
    "serial": "1.3.6.1.4.1.318.1.1.1.1.2.3.0",         # upsAdvIdentSerialNumber
    "battery_status": "1.3.6.1.4.1.318.1.1.1.2.1.1.0",  # upsBasicBatteryStatus
    "last_replaced": "1.3.6.1.4.1.318.1.1.1.2.1.3.0",  # upsBasicBatteryLastReplaceDate
    "capacity": "1.3.6.1.4.1.318.1.1.1.2.2.1.0",       # upsAdvBatteryCapacity
    "temperature": "1.3.6.1.4.1.318.1.1.1.2.2.2.0",    # upsAdvBatteryTemperature
    "runtime": "1.3.6.1.4.1.318.1.1.1.2.2.3.0",        # upsAdvBatteryRunTimeRemaining (TimeTicks)
    "replace": "1.3.6.1.4.1.318.1.1.1.2.2.4.0",        # upsAdvBatteryReplaceIndicator
    "output_status": "1.3.6.1.4.1.318.1.1.1.4.1.1.0",  # upsBasicOutputStatus
    "test_result": "1.3.6.1.4.1.318.1.1.1.7.2.3.0",    # upsAdvTestDiagnosticsResults
    "test_date": "1.3.6.1.4.1.318.1.1.1.7.2.4.0",      # upsAdvTestLastDiagnosticsDate
}
APC_LABEL = {
    "model": "upsBasicIdentModel", "firmware": "upsAdvIdentFirmwareRevision", "serial": "upsAdvIdentSerialNumber",
    "battery_status": "upsBasicBatteryStatus", "last_replaced": "upsBasicBatteryLastReplaceDate",
    "capacity": "upsAdvBatteryCapacity", "temperature": "upsAdvBatteryTemperature",
    "runtime": "upsAdvBatteryRunTimeRemaining", "replace": "upsAdvBatteryReplaceIndicator",
    "output_status": "upsBasicOutputStatus", "test_result": "upsAdvTestDiagnosticsResults",
    "test_date": "upsAdvTestLastDiagnosticsDate",
}

NUMERIC = ("INTEGER", "Gauge32")
COUNTER = ("Counter32", "INTEGER", "Gauge32")


class UpsSnmpCollector(SnmpCollector):
    """Shared by both UPS platforms; ``prefer`` only matters for an unknown sysObjectID."""

    prefer = "rfc1628"

    async def collect_details(self, asset: Asset, reader: SnmpReader, info: SystemInfo) -> None:
        await asyncio.gather(self._power_details(reader, info), read_interfaces(reader, expected=False))

    async def _power_details(self, reader: SnmpReader, info: SystemInfo) -> None:
        builder = reader.builder
        sys_oid = info.sys_object_id or ""
        enterprise = enterprise_number(sys_oid)
        vendor = UPS_VENDORS.get(enterprise or -1)
        if vendor:
            set_if_absent(builder, "system.vendor", vendor, reader.evidence_for("1.3.6.1.2.1.1.2.0"))
        if sys_oid.startswith(APC_PDU_PREFIX):
            builder.error("ups", f"sysObjectID {sys_oid} is an APC rack PDU (PowerNet masterSwitch/rPDU "
                                 f"family), not a UPS: no battery facts", facts=["ups"])
            if not await self._apc_pdu_identity(reader):
                model = apc_descr_field(info.sys_descr, "MN")
                if model:
                    set_if_absent(builder, "system.model", model, reader.evidence_for("1.3.6.1.2.1.1.1.0"))
            return
        if enterprise == 318:
            order = ["apc", "rfc1628"]
        elif enterprise is None and self.prefer == "apc":
            order = ["apc", "rfc1628"]
        else:
            order = ["rfc1628"]
        for mib in order:
            found = await (self._read_apc(reader) if mib == "apc" else self._read_rfc1628(reader, info))
            if reader.unreachable:
                return
            if found:
                return
        tried = " and ".join("PowerNet-MIB (1.3.6.1.4.1.318.1.1.1)" if m == "apc" else "UPS-MIB (1.3.6.1.2.1.33)"
                             for m in order)
        builder.error("ups", f"sysObjectID {sys_oid or '(none)'}: the agent offers no {tried} objects — not a "
                             f"UPS, or its UPS MIB is disabled: no battery facts", facts=["ups"])

    # -- RFC 1628 -------------------------------------------------------------------------
    async def _read_rfc1628(self, reader: SnmpReader, info: SystemInfo) -> bool:
        builder = reader.builder
        values = await reader.get(RFC1628, source=f"snmp:{UPS_MIB}")
        if not any(not v.missing for v in values.values()):
            return False
        fact = _Facts(reader, values, RFC1628_LABEL)
        for key in ("manufacturer", "model", "firmware", "agent_firmware"):
            fact.text(key, f"ups.{key}")
        fact.enum("battery_status", "ups.battery.status", RFC1628_BATTERY)
        fact.number("charge", "ups.battery.charge_percent", NUMERIC, low=0, high=100)
        minutes = values.get("minutes_remaining")
        if minutes is not None and minutes.type == "Timeticks":
            builder.error(f"snmp:{minutes.oid}", f"upsEstimatedMinutesRemaining ({minutes.oid}) arrived as "
                                                 f"TimeTicks ({minutes.value}) where the MIB defines INTEGER "
                                                 f"minutes: unit uncertain, not recorded")
        else:
            fact.number("minutes_remaining", "ups.battery.runtime_minutes", NUMERIC, low=0,
                        why_low="-1 and other negative values mean 'not known'")
        fact.number("temperature", "ups.battery.temperature_c", NUMERIC, low=0, high=100,
                    why_low="a battery below 0 °C is implausible; -1 is a common 'not known' value")
        fact.number("line_bads", "ups.input.line_failures", COUNTER, low=0)
        fact.enum("output_source", "ups.output.source", RFC1628_OUTPUT)
        fact.enum("test_result", "ups.self_test.result", RFC1628_TEST)
        await self._rfc1628_replace(reader, values)
        self._rfc1628_test_date(reader, values, info)
        self._system_from_ups(reader)
        return True

    async def _rfc1628_replace(self, reader: SnmpReader, values: dict[str, SnmpValue]) -> None:
        """upsAlarmBatteryBad in the alarm table <=> 'batteries need replacing'."""
        builder = reader.builder
        present = reader.expect(values, "alarms_present", "upsAlarmsPresent", ("Gauge32", "INTEGER"))
        if present is None:
            builder.error("ups.battery.replace_indicated", "upsAlarmsPresent is not available: the "
                                                           "replace-battery indicator is not determined")
            return
        count = present.value
        if count == 0:
            builder.set("ups.battery.replace_indicated", False, evidence=reader.evidence_for(present.oid),
                        lines=[present.render()])
            return
        walk = await reader.walk(UPS_ALARM_DESCR)
        if walk is None or not walk.complete:
            return
        if count < 0 or len(walk.rows) != count:
            builder.error("ups.battery.replace_indicated", f"upsAlarmsPresent says {count} alarm(s) but the "
                                                           f"alarm table lists {len(walk.rows)}: not determined")
            return
        bad = [r for r in walk.rows if r.type == "OID" and r.value == UPS_ALARM_BATTERY_BAD]
        builder.set("ups.battery.replace_indicated", bool(bad),
                    evidence=reader.builder.evidence_id(f"snmp:{UPS_ALARM_DESCR}"),
                    lines=[r.render() for r in (bad or walk.rows)][:5])

    def _rfc1628_test_date(self, reader: SnmpReader, values: dict[str, SnmpValue], info: SystemInfo) -> None:
        """upsTestStartTime is a sysUpTime stamp: placed in time relative to sysUpTime now;
        0 means no test since the agent started (no date)."""
        start = reader.expect(values, "test_start", "upsTestStartTime", ("Timeticks",), report_missing=False)
        if start is None or start.value == 0:
            return
        uptime = info.uptime_ticks
        if uptime is None or start.value > uptime:
            reader.builder.error(f"snmp:{start.oid}", f"upsTestStartTime ({start.value}) is later than sysUpTime "
                                                      f"({uptime}): the self-test date is not determined")
            return
        collected = datetime.strptime(reader.builder.collected_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        when = collected - timedelta(seconds=(uptime - start.value) / 100)
        reader.builder.set("ups.self_test.date", when.date().isoformat(), evidence=reader.evidence_for(start.oid),
                           lines=[start.render()])

    # -- APC PowerNet -----------------------------------------------------------------------
    async def _read_apc(self, reader: SnmpReader) -> bool:
        builder = reader.builder
        values = await reader.get(APC, source=f"snmp:{APC_UPS}")
        if not any(not v.missing for v in values.values()):
            return False
        fact = _Facts(reader, values, APC_LABEL)
        builder.set("ups.manufacturer", "APC")
        fact.text("model", "ups.model")
        fact.text("firmware", "ups.firmware")
        serial = fact.text("serial", None)
        if serial:
            set_if_absent(builder, "system.serial", serial, reader.evidence_for(APC["serial"]))
        fact.enum("battery_status", "ups.battery.status", APC_BATTERY)
        fact.number("capacity", "ups.battery.charge_percent", NUMERIC, low=0, high=100)
        fact.number("temperature", "ups.battery.temperature_c", NUMERIC, low=0, high=100,
                    why_low="a battery below 0 °C is implausible")
        runtime = reader.expect(values, "runtime", "upsAdvBatteryRunTimeRemaining", ("Timeticks",))
        if runtime is not None:
            builder.set("ups.battery.runtime_minutes", runtime.value // 6000, evidence=reader.evidence_for(runtime.oid),
                        lines=[runtime.render()])
        fact.enum("replace", "ups.battery.replace_indicated", APC_REPLACE)
        fact.enum("output_status", "ups.output.source", APC_OUTPUT)
        fact.enum("test_result", "ups.self_test.result", APC_TEST)
        date = values.get("test_date")
        if date is not None and date.is_text and clean_text(date.value):
            builder.set("ups.self_test.date", apc_date(date.value) or clean_text(date.value),
                        evidence=reader.evidence_for(date.oid), lines=[date.render()])
        replaced = values.get("last_replaced")
        if replaced is not None and replaced.is_text and clean_text(replaced.value):
            iso = apc_date(replaced.value)
            if iso:
                builder.set("ups.battery.last_replaced", iso, evidence=reader.evidence_for(replaced.oid),
                            lines=[replaced.render()])
            else:
                builder.error(f"snmp:{replaced.oid}", f"upsBasicBatteryLastReplaceDate {replaced.value!r} is "
                                                      f"not a mm/dd/yy date: not recorded")
        self._system_from_ups(reader)
        return True

    async def _apc_pdu_identity(self, reader: SnmpReader) -> bool:
        """PowerNet rPDUIdent (rack PDU), else sPDUIdent (MasterSwitch): model, firmware and
        serial -> ``system.model/os_version/serial``. False when the agent offers neither."""
        for labels, oids in ((APC_RPDU_LABEL, APC_RPDU), (APC_SPDU_LABEL, APC_SPDU)):
            values = await reader.get(oids, source="snmp:" + oids["model"].rsplit(".", 2)[0])
            if reader.unreachable or not any(not v.missing for v in values.values()):
                continue
            fact = _Facts(reader, values, labels)
            for key, path in (("model", "system.model"), ("serial", "system.serial")):
                text = fact.text(key, None)
                if text:
                    set_if_absent(reader.builder, path, text, reader.evidence_for(oids[key]))
            firmware = fact.text("firmware", None)
            if firmware and is_version(firmware):
                set_if_absent(reader.builder, "system.os_version", firmware, reader.evidence_for(oids["firmware"]))
            elif firmware:
                reader.builder.error(f"snmp:{oids['firmware']}", f"{labels['firmware']} {firmware!r} is not one "
                                                                 f"version: system.os_version not taken from it")
            return True
        return False

    def _system_from_ups(self, reader: SnmpReader) -> None:
        ups = reader.builder.facts.get("ups", {})
        if ups.get("model"):
            set_if_absent(reader.builder, "system.model", ups["model"])
        firmware = ups.get("firmware")
        if firmware and is_version(firmware):
            set_if_absent(reader.builder, "system.os_version", firmware)
        if ups.get("manufacturer"):
            set_if_absent(reader.builder, "system.vendor", ups["manufacturer"])


class UpsRfc1628Collector(UpsSnmpCollector):
    platform = "ups_rfc1628"
    prefer = "rfc1628"


class UpsApcCollector(UpsSnmpCollector):
    platform = "ups_apc"
    prefer = "apc"


# --------------------------------------------------------------------------------------
class _Facts:
    """Typed, range-checked fact setting from one GET result (errors for everything odd)."""

    def __init__(self, reader: SnmpReader, values: dict[str, SnmpValue], labels: dict[str, str]) -> None:
        self.reader = reader
        self.values = values
        self.labels = labels

    def _set(self, path: str, value, raw: SnmpValue) -> None:
        self.reader.builder.set(path, value, evidence=self.reader.evidence_for(raw.oid), lines=[raw.render()])

    def text(self, key: str, path: str | None) -> str | None:
        raw = self.reader.expect(self.values, key, self.labels[key], ("STRING",), report_missing=False)
        text = clean_text(raw.value) if raw is not None else None
        if text and path:
            self._set(path, text, raw)
        return text

    def number(self, key: str, path: str, types: tuple[str, ...], low: int | None = None,
               high: int | None = None, why_low: str = "") -> int | None:
        raw = self.reader.expect(self.values, key, self.labels[key], types)
        if raw is None:
            return None
        value = raw.value
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{low if low is not None else '-inf'}..{high if high is not None else 'inf'}"
            self.reader.builder.error(f"snmp:{raw.oid}", f"{self.labels[key]} ({raw.oid}) is {value}, outside "
                                                         f"{bounds}: not recorded" + (f" ({why_low})" if why_low else ""),
                                      facts=[path])
            return None
        self._set(path, value, raw)
        return value

    def enum(self, key: str, path: str, mapping: dict) -> object | None:
        raw = self.reader.expect(self.values, key, self.labels[key], ("INTEGER",))
        if raw is None:
            return None
        if raw.value not in mapping:
            self.reader.builder.error(f"snmp:{raw.oid}", f"{self.labels[key]} ({raw.oid}) is {raw.value}, not a "
                                                         f"value this collector maps: not recorded", facts=[path])
            return None
        self._set(path, mapping[raw.value], raw)
        return mapping[raw.value]
