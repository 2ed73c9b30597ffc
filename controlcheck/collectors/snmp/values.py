"""Received values converted to Python (:class:`SnmpValue`), and their evidence lines.

OCTET STRING decoded as UTF-8, else Latin-1 when printable, else kept as hex (never a
crash on odd bytes); TimeTicks, counters and INTEGER as ``int``; OIDs as dotted strings.
noSuchObject / noSuchInstance / endOfMibView are values of their own (``missing``), never
a fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING_TYPES = ("noSuchObject", "noSuchInstance", "endOfMibView")
INTEGER_TYPES = ("INTEGER", "Counter32", "Gauge32", "Counter64", "Timeticks")
_MISSING_TEXT = {
    "noSuchObject": "No Such Object available on this agent at this OID",
    "noSuchInstance": "No Such Instance currently exists at this OID",
    "endOfMibView": "No more variables left in this MIB View (It is past the end of the MIB tree)",
}


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def decode_octets(data: bytes) -> tuple[str, bool]:
    """``(text, is_text)``: UTF-8 if it decodes, else Latin-1 if every character is
    printable, else ``0x`` + hex (``is_text`` False). Trailing NUL padding is dropped."""
    data = data.rstrip(b"\x00")
    try:
        text = data.decode("utf-8")
        if _printable(text):
            return text, True
    except UnicodeDecodeError:
        pass
    text = data.decode("latin-1")
    if _printable(text):
        return text, True
    return "0x" + data.hex(), False


@dataclass(frozen=True)
class SnmpValue:
    """One received var-bind, converted. ``type`` is the SNMP type as net-snmp names it
    (``INTEGER``, ``STRING``, ``Hex-STRING``, ``OID``, ``Timeticks``...), or one of
    ``noSuchObject`` / ``noSuchInstance`` / ``endOfMibView``."""

    oid: str
    type: str
    value: Any = None          # int | str | None
    raw_hex: str | None = None  # octet strings: the bytes, for evidence

    @property
    def missing(self) -> bool:
        return self.type in MISSING_TYPES

    @property
    def is_text(self) -> bool:
        return self.type == "STRING"

    @property
    def is_integer(self) -> bool:
        return self.type in INTEGER_TYPES

    def render(self) -> str:
        """One evidence line, in the spirit of ``snmpget -On``."""
        if self.missing:
            return f"{self.oid} = {_MISSING_TEXT[self.type]}"
        if self.type == "STRING":
            if self.raw_hex is not None and _is_utf8(self.raw_hex):
                return f'{self.oid} = STRING: "{self.value}"'
            return f"{self.oid} = Hex-STRING: {_spaced_hex(self.raw_hex or '')}"
        if self.type == "Hex-STRING":
            return f"{self.oid} = Hex-STRING: {_spaced_hex(self.raw_hex or '')}"
        if self.type == "Timeticks":
            return f"{self.oid} = Timeticks: ({self.value})"
        if self.type == "Null":
            return f"{self.oid} = NULL"
        return f"{self.oid} = {self.type}: {self.value}"


def _is_utf8(raw_hex: str) -> bool:
    try:
        bytes.fromhex(raw_hex).rstrip(b"\x00").decode("utf-8")
        return True
    except (UnicodeDecodeError, ValueError):
        return False


def _spaced_hex(raw_hex: str) -> str:
    return " ".join(raw_hex[i:i + 2] for i in range(0, len(raw_hex), 2)).upper()


def convert(oid: str, value: Any) -> SnmpValue:
    """A pysnmp value as an :class:`SnmpValue` (never raises for an odd value)."""
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902, rfc1905

    if isinstance(value, rfc1905.NoSuchObject):
        return SnmpValue(oid, "noSuchObject")
    if isinstance(value, rfc1905.NoSuchInstance):
        return SnmpValue(oid, "noSuchInstance")
    if isinstance(value, rfc1905.EndOfMibView):
        return SnmpValue(oid, "endOfMibView")
    try:
        if isinstance(value, rfc1902.IpAddress):
            octets = bytes(value.asOctets())
            return SnmpValue(oid, "IpAddress", ".".join(str(b) for b in octets) if len(octets) == 4
                             else "0x" + octets.hex(), octets.hex())
        if isinstance(value, rfc1902.Opaque):
            octets = bytes(value.asOctets())
            return SnmpValue(oid, "Opaque", "0x" + octets.hex(), octets.hex())
        if isinstance(value, rfc1902.Bits):
            octets = bytes(value.asOctets())
            return SnmpValue(oid, "BITS", "0x" + octets.hex(), octets.hex())
        if isinstance(value, univ.OctetString):
            octets = bytes(value.asOctets())
            text, is_text = decode_octets(octets)
            return SnmpValue(oid, "STRING" if is_text else "Hex-STRING", text, octets.hex())
        if isinstance(value, univ.ObjectIdentifier):
            return SnmpValue(oid, "OID", ".".join(str(x) for x in value))
        for cls, name in ((rfc1902.TimeTicks, "Timeticks"), (rfc1902.Counter32, "Counter32"),
                          (rfc1902.Counter64, "Counter64"), (rfc1902.Gauge32, "Gauge32"),
                          (rfc1902.Unsigned32, "Gauge32"), (univ.Integer, "INTEGER")):
            if isinstance(value, cls):
                return SnmpValue(oid, name, int(value))
        if isinstance(value, univ.Null):
            return SnmpValue(oid, "Null")
    except Exception as exc:  # a malformed value from the wire: keep its type name only
        return SnmpValue(oid, "Unparsable", f"{type(value).__name__}: {type(exc).__name__}")
    return SnmpValue(oid, type(value).__name__, str(value))
