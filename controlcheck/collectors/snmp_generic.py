"""SNMP for everything that is not a UPS: what it reads follows the asset's kind.

* every asset: the common probes (``snmp.sys_*``, versions, default communities) and the
  vendor/OS from sysDescr and sysObjectID where they say it (Cisco, Juniper, Palo Alto,
  Fortinet, Huawei, Windows, Linux) -> ``system.vendor/os_name/os_version``;
* router, switch, firewall: IF-MIB interfaces (``snmp.interfaces``) and the ENTITY-MIB
  chassis (``snmp.entity.model/serial``, ``system.model/serial``); PAN-OS and FortiOS
  versions from their vendor MIB scalars, which sysDescr does not carry;
* workstation, server: HOST-RESOURCES-MIB installed software, running processes (and the
  anti-malware among them) and storage (``host.*``);
* printer: HOST-RESOURCES printer device and Printer-MIB serial (``printer.*``).

As a supplement beside an SSH collector (collect.py), facts the SSH collector already set
are left alone: the device's own CLI is the better witness.
"""

from __future__ import annotations

import asyncio

from ..inventory import Asset
from ..parsers.snmp_host import PRINTER_STATUS, endpoint_protection, process_names, software_entries
from ..parsers.snmp_network import (
    chassis_software,
    choose_chassis,
    cisco_image_version,
    index_key,
    is_version_token,
)
from ..parsers.snmp_system import (
    agent_code_page,
    clean_text,
    decode_text,
    first_line,
    fortios_version,
    parse_sys_descr,
)
from ..vocabulary import HOST_KINDS, NETWORK_KINDS
from .snmp import SYS_DESCR, SnmpCollector, SnmpReader, SystemInfo, WalkResult, set_if_absent
from .snmp.interfaces import all_complete, column, int_column, read_interfaces, text_column


ENT_CLASS = "1.3.6.1.2.1.47.1.1.1.1.5"
ENT_SERIAL = "1.3.6.1.2.1.47.1.1.1.1.11"
ENT_MODEL = "1.3.6.1.2.1.47.1.1.1.1.13"
ENT_SOFTWARE = "1.3.6.1.2.1.47.1.1.1.1.10"          # entPhysicalSoftwareRev
CISCO_IMAGE_STRING = "1.3.6.1.4.1.9.9.25.1.1.1.2"   # CISCO-IMAGE-MIB ciscoImageString
HR_SW_INSTALLED_NAME = "1.3.6.1.2.1.25.6.3.1.2"
HR_SW_RUN_NAME = "1.3.6.1.2.1.25.4.2.1.2"
HR_STORAGE_DESCR = "1.3.6.1.2.1.25.2.3.1.3"
HR_STORAGE_UNITS = "1.3.6.1.2.1.25.2.3.1.4"
HR_STORAGE_SIZE = "1.3.6.1.2.1.25.2.3.1.5"
HR_STORAGE_USED = "1.3.6.1.2.1.25.2.3.1.6"
HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
HR_DEVICE_DESCR = "1.3.6.1.2.1.25.3.2.1.3"
HR_DEVICE_PRINTER = "1.3.6.1.2.1.25.3.1.5"
HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1"
PRT_GENERAL_SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
PAN_SYS_SW_VERSION = "1.3.6.1.4.1.25461.2.1.2.1.1.0"
FG_SYS_VERSION = "1.3.6.1.4.1.12356.101.4.1.1.0"


class SnmpGenericCollector(SnmpCollector):
    platform = "snmp_generic"

    async def collect_details(self, asset: Asset, reader: SnmpReader, info: SystemInfo) -> None:
        parsed = parse_sys_descr(info.sys_descr, info.sys_object_id)
        descr_ev = reader.evidence_for(SYS_DESCR)
        builder = reader.builder
        for key in ("vendor", "os_name", "os_version"):
            if key in parsed:
                set_if_absent(builder, f"system.{key}", parsed[key], descr_ev)
        interfaces = read_interfaces(reader, expected=asset.kind in NETWORK_KINDS)
        if asset.kind in NETWORK_KINDS:
            async def identity() -> None:
                classes = await self._entity(reader)
                await self._vendor_version(reader, info, parsed, classes)
            await asyncio.gather(interfaces, identity())
            return
        if asset.kind in HOST_KINDS:
            if "host_family" in parsed:
                set_if_absent(builder, "host.os.family", parsed["host_family"], descr_ev)
            for key in ("version", "build", "kernel"):
                if f"host_{key}" in parsed:
                    set_if_absent(builder, f"host.os.{key}", parsed[f"host_{key}"], descr_ev)
            if parsed.get("os_name") == "Windows":
                set_if_absent(builder, "host.os.name", "Windows", descr_ev)
            code_page = agent_code_page(parsed)
            await asyncio.gather(self._software(reader, code_page), self._processes(reader, code_page),
                                 self._storage(reader), interfaces)
        elif asset.kind == "printer":
            await asyncio.gather(self._printer(reader), interfaces)
        else:
            await interfaces

    # -- network ------------------------------------------------------------------------------
    async def _vendor_version(self, reader: SnmpReader, info: SystemInfo, parsed: dict[str, str],
                              classes: WalkResult | None) -> None:
        vendor = parsed.get("vendor")
        oid = {"Palo Alto Networks": PAN_SYS_SW_VERSION, "Fortinet": FG_SYS_VERSION}.get(vendor or "")
        if oid:
            label = "panSysSwVersion" if oid == PAN_SYS_SW_VERSION else "fgSysVersion"
            values = await reader.get({"version": oid}, source=f"snmp:{oid}")
            raw = reader.expect(values, "version", label, ("STRING",))
            text = clean_text(raw.value) if raw is not None else None
            if text:
                version = fortios_version(text) if oid == FG_SYS_VERSION else text
                if version:
                    set_if_absent(reader.builder, "system.os_version", version, reader.evidence_for(oid))
                else:
                    reader.builder.error(f"snmp:{oid}", f"{label} {text!r} is not a version this collector reads")
            return
        if "os_version" in parsed:
            return
        # sysDescr answered but does not say it: the MIBs that do (a fallback after a primary that answered)
        if vendor == "Cisco" and await self._cisco_image_version(reader):
            return
        if await self._entity_software(reader, classes):
            return
        if vendor in ("Cisco", "Juniper", "Huawei"):
            reader.builder.error("snmp:" + SYS_DESCR, f"sysDescr names no {vendor} OS version "
                                                      f"({first_line(info.sys_descr)!r}) and neither does "
                                                      + ("CISCO-IMAGE-MIB nor " if vendor == "Cisco" else "")
                                                      + "the ENTITY-MIB chassis: system.os_version not determined")

    async def _cisco_image_version(self, reader: SnmpReader) -> bool:
        walk = await reader.walk(CISCO_IMAGE_STRING, max_rows=64)
        if walk is None or not walk.complete:
            return False
        version = cisco_image_version([r.value for r in walk.rows if r.is_text])
        if version is None:
            return False
        ev = reader.builder.evidence_id(f"snmp:{CISCO_IMAGE_STRING}")
        set_if_absent(reader.builder, "system.os_version", version, ev)
        reader.builder.set("snmp.os_version_source", "CISCO-IMAGE-MIB ciscoImageString CW_VERSION", evidence=ev)
        return True

    async def _entity_software(self, reader: SnmpReader, classes: WalkResult | None) -> bool:
        if classes is None or not classes.complete or not classes.rows:
            return False
        revisions = await reader.walk(ENT_SOFTWARE)
        if revisions is None or not revisions.complete:
            return False
        found = chassis_software(int_column(classes), text_column(revisions))
        if found is None:
            return False
        index, revision = found
        oid = f"{ENT_SOFTWARE}.{index}"
        if not is_version_token(revision):
            reader.builder.error(f"snmp:{oid}", f"entPhysicalSoftwareRev of the chassis is {revision!r}, not one "
                                                f"version: system.os_version not taken from it")
            return False
        ev = reader.builder.evidence_id(f"snmp:{ENT_SOFTWARE}")
        set_if_absent(reader.builder, "system.os_version", revision, ev)
        reader.builder.set("snmp.os_version_source", f"ENTITY-MIB entPhysicalSoftwareRev.{index} (chassis)",
                           evidence=ev)
        return True

    async def _entity(self, reader: SnmpReader) -> WalkResult | None:
        """The chassis model and serial; returns the entPhysicalClass walk for later use."""
        classes, serials, models = await asyncio.gather(
            reader.walk(ENT_CLASS), reader.walk(ENT_SERIAL), reader.walk(ENT_MODEL))
        chosen = choose_chassis(int_column(classes), text_column(serials), text_column(models))
        if chosen is None:
            return classes
        model, serial = chosen
        builder = reader.builder
        if model:
            builder.set("snmp.entity.model", model, evidence=builder.evidence_id(f"snmp:{ENT_MODEL}"))
            set_if_absent(builder, "system.model", model, builder.evidence_id(f"snmp:{ENT_MODEL}"))
        if serial:
            builder.set("snmp.entity.serial", serial, evidence=builder.evidence_id(f"snmp:{ENT_SERIAL}"))
            set_if_absent(builder, "system.serial", serial, builder.evidence_id(f"snmp:{ENT_SERIAL}"))
        return classes

    # -- hosts --------------------------------------------------------------------------------
    async def _software(self, reader: SnmpReader, code_page: str) -> None:
        walk = await reader.walk(HR_SW_INSTALLED_NAME)
        if walk is None or not walk.complete:
            return
        rows = _texts(reader, walk, "hrSWInstalledName", code_page)
        software = software_entries([text for text, _ in rows])
        for entry, (_text, decoding) in zip(software, rows, strict=True):
            if decoding != "utf-8":
                entry["decoded_as"] = decoding
        if walk.rows:
            reader.builder.set("host.software", software, evidence=reader.builder.evidence_id(f"snmp:{walk.prefix}"))

    async def _processes(self, reader: SnmpReader, code_page: str) -> None:
        walk = await reader.walk(HR_SW_RUN_NAME)
        if walk is None or not walk.complete or not walk.rows:
            return      # a partial list cannot show which processes (or anti-malware) run
        names = process_names([text for text, _ in _texts(reader, walk, "hrSWRunName", code_page)])
        ev = reader.builder.evidence_id(f"snmp:{walk.prefix}")
        reader.builder.set("host.processes", names, evidence=ev)
        found = endpoint_protection(names)
        set_if_absent(reader.builder, "host.endpoint_protection.running", found, ev)

    async def _storage(self, reader: SnmpReader) -> None:
        descr, units, size, used = await asyncio.gather(
            reader.walk(HR_STORAGE_DESCR), reader.walk(HR_STORAGE_UNITS), reader.walk(HR_STORAGE_SIZE),
            reader.walk(HR_STORAGE_USED))
        if descr is None or not descr.rows or not all_complete(descr, units, size, used):
            return
        descrs, unit_col, size_col, used_col = column(descr), column(units), column(size), column(used)
        storage = []
        for index in sorted(descrs, key=index_key):
            d = descrs[index]
            if not d.is_text:
                continue
            entry: dict = {"description": d.value.strip()}
            unit = unit_col.get(index)
            if unit is not None and unit.type == "INTEGER" and unit.value > 0:
                for key, values in (("size_bytes", size_col), ("used_bytes", used_col)):
                    raw = values.get(index)
                    if raw is None or raw.type != "INTEGER":
                        continue
                    if raw.value < 0:
                        reader.builder.error(f"snmp:{raw.oid}", f"{key.replace('_bytes', '')} of {d.value.strip()!r} "
                                                                f"is {raw.value} units (Integer32 overflow on a large "
                                                                f"volume): not recorded")
                        continue
                    entry[key] = raw.value * unit.value
            storage.append(entry)
        reader.builder.set("host.storage", storage, evidence=reader.builder.evidence_id(f"snmp:{HR_STORAGE_DESCR}"))

    # -- printers -----------------------------------------------------------------------------
    async def _printer(self, reader: SnmpReader) -> None:
        types, descrs = await asyncio.gather(reader.walk(HR_DEVICE_TYPE), reader.walk(HR_DEVICE_DESCR))
        type_col, descr_col = column(types), column(descrs)
        printers = [i for i in sorted(type_col, key=index_key)
                    if type_col[i].type == "OID" and type_col[i].value == HR_DEVICE_PRINTER]
        builder = reader.builder
        if not printers:
            if types is not None:
                builder.error("printer", "HOST-RESOURCES lists no printer device (hrDevicePrinter): "
                                         "printer facts not determined")
            return
        index = printers[0]
        d = descr_col.get(index)
        model = clean_text(d.value) if d is not None and d.is_text else None
        if model:
            builder.set("printer.model", model, evidence=builder.evidence_id(f"snmp:{HR_DEVICE_DESCR}"))
            set_if_absent(builder, "system.model", model)
        status_oid = f"{HR_PRINTER_STATUS}.{index}"
        values = await reader.get({"status": status_oid, "serial": PRT_GENERAL_SERIAL})
        status = reader.expect(values, "status", "hrPrinterStatus", ("INTEGER",))
        if status is not None:
            if status.value in PRINTER_STATUS:
                builder.set("printer.status", PRINTER_STATUS[status.value], evidence=reader.evidence_for(status_oid),
                            lines=[status.render()])
            else:
                builder.error(f"snmp:{status_oid}", f"hrPrinterStatus is {status.value}, not a defined value")
        serial = reader.expect(values, "serial", "prtGeneralSerialNumber", ("STRING",), report_missing=False)
        if serial is not None and clean_text(serial.value):
            builder.set("printer.serial", clean_text(serial.value), evidence=reader.evidence_for(PRT_GENERAL_SERIAL))
            set_if_absent(builder, "system.serial", clean_text(serial.value))


# --------------------------------------------------------------------------------------
def _texts(reader: SnmpReader, walk: WalkResult, label: str, code_page: str) -> list[tuple[str, str]]:
    """``(text, decoding)`` of every OCTET STRING row of a walk: UTF-8, else the agent's code
    page (:func:`decode_text`), so no row is lost to a legacy encoding; the decodings other
    than UTF-8 are counted in ``snmp.decodings.<label>``. Rows of another type are counted
    in one errors entry (they stay in the evidence)."""
    out = []
    for row in walk.rows:
        if row.raw_hex is not None and row.type in ("STRING", "Hex-STRING"):
            out.append(decode_text(bytes.fromhex(row.raw_hex), code_page))
    other = len(walk.rows) - len(out)
    if other:
        reader.builder.error(f"snmp:{walk.prefix}", f"{other} {label} value(s) are not OCTET STRINGs (kept in "
                                                    f"the evidence, left out of the facts)")
    legacy: dict[str, int] = {}
    for _text, decoding in out:
        if decoding != "utf-8":
            legacy[decoding] = legacy.get(decoding, 0) + 1
    if legacy:
        reader.builder.set(f"snmp.decodings.{label}", legacy,
                           evidence=reader.builder.evidence_id(f"snmp:{walk.prefix}"))
    return out


__all__ = ["SnmpGenericCollector"]
