"""sysDescr and sysObjectID -> vendor, OS name and version (every SNMP asset).

Pure functions over the received strings; only what the text says is returned, never a
guess. The collector (``collectors/snmp_generic.py``) decides where the result goes.
"""

from __future__ import annotations

import re

VENDORS = {9: "Cisco", 2636: "Juniper", 25461: "Palo Alto Networks", 12356: "Fortinet", 2011: "Huawei",
           311: "Microsoft"}

_ENTERPRISE = re.compile(r"^1\.3\.6\.1\.4\.1\.(\d+)(?:\.|$)")


def enterprise_number(sys_object_id: str | None) -> int | None:
    """The IANA enterprise number of a sysObjectID under 1.3.6.1.4.1, else None."""
    match = _ENTERPRISE.match(sys_object_id or "")
    return int(match.group(1)) if match else None


def clean_text(value: str | None) -> str | None:
    """A device string for a fact: trimmed; blank -> None (absent)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def agent_code_page(parsed: dict[str, str]) -> str:
    """The legacy code page an agent's non-UTF-8 strings are most likely in: Windows agents
    return names in the system's ANSI code page (cp1252 in the West); others Latin-1."""
    return "cp1252" if parsed.get("host_family") == "windows" else "latin-1"


def decode_text(data: bytes, code_page: str = "latin-1") -> tuple[str, str]:
    """``(text, decoding)`` for a device string: UTF-8 if it decodes to printable text, else
    the agent's ``code_page``, else Latin-1; as a last resort the code page with the bytes it
    cannot show replaced by U+FFFD (``decoding`` then ends in ``+replaced``). Never fails, so
    no row is lost; trailing NUL padding is dropped."""
    data = data.rstrip(b"\x00")
    for codec in dict.fromkeys(("utf-8", code_page, "latin-1")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _printable(text):
            return text, codec
    text = data.decode(code_page, errors="replace")
    return "".join(ch if ch.isprintable() or ch in "\t\r\n" else "\ufffd" for ch in text), code_page + "+replaced"


def first_line(text: str) -> str:
    """The first line of a device string, cut to 100 characters (for messages)."""
    line = (text or "").splitlines()[0] if text else ""
    return line if len(line) <= 100 else line[:97] + "..."


_CISCO_VERSION = re.compile(r"\bVersion\s+(\d[\w.()]*[\w)])")
_JUNOS = re.compile(r"\bJUNOS\s+(\d[\w.-]*\w)")
_HUAWEI_PRODUCT = re.compile(r"\((?:[^()\s]+\s+)?(V\d{3}R\d{3}\w*)\)")
_HUAWEI_VERSION = re.compile(r"\bVersion\s+(\d[\d.]*\d)")
_WINDOWS = re.compile(r"Software:\s*Windows.*?Version\s+(\d+\.\d+)\s*\(Build\s+(\d+)")
_LINUX = re.compile(r"^Linux\s+\S+\s+(\d\S*)")
_FORTIOS = re.compile(r"^v?(\d+\.\d+(?:\.\d+)?)")


def parse_sys_descr(descr: str, sys_object_id: str | None = None) -> dict[str, str]:
    """``{vendor, os_name, os_version}`` (only what the text says) for Cisco IOS/IOS-XE/NX-OS/
    ASA, Juniper Junos, Huawei VRP, Windows and Linux; also ``host_*`` keys for hosts."""
    descr = descr or ""
    enterprise = enterprise_number(sys_object_id)
    out: dict[str, str] = {}
    if enterprise == 9 or re.search(r"\bCisco\b", descr):
        out["vendor"] = "Cisco"
        if re.search(r"IOS[ -]XE", descr):
            out["os_name"] = "IOS-XE"
        elif "NX-OS" in descr:
            out["os_name"] = "NX-OS"
        elif "Adaptive Security Appliance" in descr:
            out["os_name"] = "ASA"
        elif re.search(r"Cisco IOS|Internetwork Operating System|IOS \(tm\)", descr):
            out["os_name"] = "IOS"
        match = _CISCO_VERSION.search(descr)
        if match:
            out["os_version"] = match.group(1)
    elif enterprise == 2636 or descr.startswith("Juniper Networks"):
        out["vendor"] = "Juniper"
        match = _JUNOS.search(descr)
        if match or "JUNOS" in descr:
            out["os_name"] = "Junos"
        if match:
            out["os_version"] = match.group(1)
    elif enterprise == 25461 or descr.startswith("Palo Alto Networks"):
        out["vendor"] = "Palo Alto Networks"
        out["os_name"] = "PAN-OS"
    elif enterprise == 12356:
        out["vendor"] = "Fortinet"
        out["os_name"] = "FortiOS"
    elif enterprise == 2011 or re.search(r"\bHuawei\b", descr, re.IGNORECASE):
        out["vendor"] = "Huawei"
        if "VRP" in descr:
            out["os_name"] = "VRP"
        match = _HUAWEI_PRODUCT.search(descr) or _HUAWEI_VERSION.search(descr)
        if match:
            out["os_version"] = match.group(1)
    elif enterprise == 311 or "Software: Windows" in descr:
        out["vendor"] = "Microsoft"
        out["host_family"] = "windows"
        match = _WINDOWS.search(descr)
        if match:
            out["os_name"] = "Windows"
            out["os_version"] = f"{match.group(1)}.{match.group(2)}"
            out["host_version"], out["host_build"] = match.group(1), match.group(2)
    else:
        match = _LINUX.match(descr)
        if match:
            out["host_family"] = "linux"
            out["host_kernel"] = match.group(1)
    return out


def fortios_version(text: str) -> str | None:
    """fgSysVersion ``v5.4.5,build1138,...`` -> ``5.4.5``; None if it is not of that form."""
    match = _FORTIOS.match(text or "")
    return match.group(1) if match else None
