"""SNMP transport shared by every SNMP platform (pysnmp 7, asyncio), by concern:

* :mod:`.session` — :class:`SnmpSession`: one agent, one version and credential; GET.
* :mod:`.engines` — pysnmp engines shared per event loop (v1/v2c on the v1arch
  dispatcher, v3 on v3arch).
* :mod:`.walks` — bounded GETBULK/GETNEXT walks (:class:`WalkResult`).
* :mod:`.values` — :class:`SnmpValue`: received values converted, evidence lines.
* :mod:`.diagnose` — what a failed request means (timeout, user, keys...).
* :mod:`.errors` — :class:`SnmpError` and its kinds.
* :mod:`.reader` — :class:`SnmpReader`: session + facts builder (evidence, errors).
* :mod:`.probes` — the system group and the version / default-community probes.
* :mod:`.collector` — :class:`SnmpCollector`, the base of the SNMP platforms.

Turning received values into facts (sysDescr, UPS, host, network tables) lives in
``controlcheck.parsers.snmp_*``.
"""

from __future__ import annotations

from .collector import SnmpCollector
from .errors import SnmpAuthError, SnmpError, SnmpStatusError, SnmpTimeout
from .probes import SYS_DESCR, SYS_NAME, SYS_OBJECT_ID, SystemInfo, collect_common, finish_common
from .reader import SnmpReader, session_for, set_if_absent
from .session import SnmpSession
from .values import SnmpValue, convert, decode_octets
from .walks import WalkResult

__all__ = [
    "SnmpSession", "SnmpReader", "SnmpValue", "WalkResult", "SnmpError", "SnmpTimeout", "SnmpAuthError",
    "SnmpStatusError", "SystemInfo", "SnmpCollector", "collect_common", "finish_common", "session_for",
    "set_if_absent", "decode_octets", "convert", "SYS_DESCR", "SYS_NAME", "SYS_OBJECT_ID",
]
