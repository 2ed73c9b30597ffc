"""UPS-MIB (RFC 1628) and APC PowerNet-MIB values -> ``ups.*`` facts: the MIBs' enumerations,
APC dates, the fields of an APC management card's sysDescr, and which firmware strings are
versions.

Pure functions and tables; the collector (``collectors/ups.py``) reads the agent and
records evidence and errors, taking a value only where its type and unit are certain.
"""

from __future__ import annotations

import re
from datetime import datetime

RFC1628_BATTERY = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}
RFC1628_OUTPUT = {1: "other", 2: "none", 3: "normal", 4: "bypass", 5: "battery", 6: "booster", 7: "reducer"}
RFC1628_TEST = {1: "passed", 2: "warning", 3: "failed", 4: "aborted", 5: "in_progress", 6: "no_test"}
APC_BATTERY = {1: "unknown", 2: "normal", 3: "low", 4: "fault"}
APC_OUTPUT = {2: "normal", 3: "battery", 4: "booster", 5: "none", 6: "bypass", 7: "none", 8: "other",
              9: "bypass", 10: "bypass", 11: "none", 12: "reducer", 13: "other", 14: "other",
              15: "battery", 16: "bypass", 17: "bypass", 18: "other"}
APC_TEST = {1: "passed", 2: "failed", 4: "in_progress"}   # 3 invalidTest: no result to record
APC_REPLACE = {1: False, 2: True}                        # upsAdvBatteryReplaceIndicator

# enterprise number -> vendor (only the ones whose sysObjectID subtree is theirs alone)
UPS_VENDORS = {318: "APC", 534: "Eaton", 705: "Eaton", 2011: "Huawei", 476: "Vertiv"}
APC_PDU_PREFIX = "1.3.6.1.4.1.318.1.3.4."   # PowerNet masterSwitch / rack PDU products
APC_UPS_PREFIX = "1.3.6.1.4.1.318.1.3.2."   # PowerNet UPS products

_VERSION_TOKEN = re.compile(r"^[A-Za-z]{0,3}\d[\w.()+-]*$")
_APC_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\s*$")


def is_version(firmware: str) -> bool:
    """Whether a firmware string is one version token (``UPS 09.3`` is not; ``v6.4.0`` is)."""
    return bool(_VERSION_TOKEN.match(firmware or ""))


def apc_date(text: str) -> str | None:
    """APC ``mm/dd/yy`` or ``mm/dd/yyyy`` -> ISO date; None if not such a date."""
    match = _APC_DATE.match(text or "")
    if not match:
        return None
    month, day, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 2000 if year < 70 else 1900
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def apc_descr_field(descr: str, key: str) -> str | None:
    """A field of an APC management card sysDescr (``... MN:AP8641 HR:02 SN: 5A2683...``)."""
    match = re.search(rf"\b{key}:\s*([^\s)]+)", descr or "")
    return match.group(1) if match else None
