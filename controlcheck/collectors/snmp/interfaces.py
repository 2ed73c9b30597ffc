"""IF-MIB interfaces (``snmp.interfaces``), read the same way for every kind whose agent
serves them: a router, but also a UPS management card, a printer or a server."""

from __future__ import annotations

import asyncio

from ...parsers.snmp_network import interfaces
from ...parsers.snmp_system import clean_text
from .reader import SnmpReader
from .walks import WalkResult

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_ADMIN = "1.3.6.1.2.1.2.2.1.7"
IF_OPER = "1.3.6.1.2.1.2.2.1.8"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"


def all_complete(*walks: WalkResult | None) -> bool:
    return all(w is None or w.complete for w in walks)


def column(walk: WalkResult | None) -> dict:
    return walk.by_index() if walk is not None else {}


def text_column(walk: WalkResult | None) -> dict[str, str]:
    """``{index: text}`` for the text rows of a column walk (trimmed, blanks left out)."""
    out = {}
    for index, value in column(walk).items():
        text = clean_text(value.value) if value.is_text else None
        if text:
            out[index] = text
    return out


def int_column(walk: WalkResult | None) -> dict[str, int]:
    """``{index: int}`` for the INTEGER rows of a column walk."""
    return {index: value.value for index, value in column(walk).items() if value.type == "INTEGER"}


async def read_interfaces(reader: SnmpReader, expected: bool) -> None:
    """``snmp.interfaces`` from ifDescr/ifName/ifAdminStatus/ifOperStatus. ``expected``
    (network kinds): an agent that lists none is an error; other kinds simply get no fact
    when their agent serves no IF-MIB."""
    descr, name, admin, oper = await asyncio.gather(
        reader.walk(IF_DESCR), reader.walk(IF_NAME), reader.walk(IF_ADMIN), reader.walk(IF_OPER))
    if not all_complete(descr, name, admin, oper):
        return      # a partial interface list would be a false picture; the walk error says why
    if descr is None or (not descr.rows and not (name and name.rows)):
        if descr is not None and expected:
            reader.builder.error("snmp:" + IF_DESCR, "the agent lists no interfaces (IF-MIB ifTable empty)")
        return
    found = interfaces(text_column(name), text_column(descr), int_column(admin), int_column(oper))
    reader.builder.set("snmp.interfaces", found, evidence=reader.builder.evidence_id(f"snmp:{IF_DESCR}"))
