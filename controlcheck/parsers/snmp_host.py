"""HOST-RESOURCES-MIB values -> ``host.*`` facts: installed software names and their
versions, running processes and the anti-malware among them, printer status.

Pure functions over received values; the collector (``collectors/snmp_generic.py``) reads
the tables and records evidence and errors.
"""

from __future__ import annotations

import re

# Anti-malware / EDR processes (lower case) recognised in a process list.
ENDPOINT_PROTECTION = {
    "msmpeng.exe", "nissrv.exe", "mssense.exe", "sensecncproxy.exe", "csfalconservice.exe", "sentinelagent.exe",
    "ekrn.exe", "egui.exe", "avp.exe", "ccsvchst.exe", "savservice.exe", "sophosfs.exe", "mcshield.exe",
    "mfemms.exe", "xagt.exe", "cylancesvc.exe", "cb.exe", "repmgr.exe", "ntrtscan.exe", "tmlisten.exe",
    "avgsvc.exe", "avastsvc.exe", "bdagent.exe", "vsserv.exe",
    "clamd", "falcon-sensor", "wdavdaemon", "mdatp", "savd", "sophos-spl", "ds_agent", "esets_daemon",
    "sentinelone", "cbagentd", "xagt", "ekrn",
}
PRINTER_STATUS = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}   # hrPrinterStatus

_BRACKET_VERSION = re.compile(r"^(?P<name>.*\S)\s*\[(?P<version>\d[\w.:~+-]*)\]$")
_PACKAGE_VERSION = re.compile(r"^(?P<name>[A-Za-z0-9_.+]+(?:-[A-Za-z_][A-Za-z0-9_.+]*)*)-(?P<version>\d[\w.:~+]*(?:-[\w.:~+]+)?)$")
_TRAILING_VERSION = re.compile(r"^(?P<name>.*\S)\s+v?(?P<version>\d+(?:\.\d+)+[\w.-]*)$")


def software_version(name: str) -> str | None:
    """The version in an installed-software name where its form is unambiguous:
    ``JUNOS ... [12.3R6.6]``, package ``oddjob-0.30-5.el6``, ``7-Zip 9.20``."""
    for pattern in (_BRACKET_VERSION, _PACKAGE_VERSION, _TRAILING_VERSION):
        match = pattern.match(name)
        if match:
            return match.group("version")
    return None




def software_entries(names: list[str]) -> list[dict]:
    """hrSWInstalledName values -> ``[{name, version?}]``, one entry per row, in order."""
    software = []
    for name in names:
        entry = {"name": name}
        version = software_version(name)
        if version:
            entry["version"] = version
        software.append(entry)
    return software


def process_names(names: list[str]) -> list[str]:
    """hrSWRunName values -> distinct, trimmed, non-blank names in order."""
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def endpoint_protection(processes: list[str]) -> list[str]:
    """The processes that are known anti-malware / EDR agents."""
    return [n for n in processes if n.lower() in ENDPOINT_PROTECTION]
