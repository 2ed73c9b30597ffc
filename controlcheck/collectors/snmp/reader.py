"""A session plus a :class:`FactsBuilder`: every OID queried and its raw value becomes
evidence (``snmp:<oid>``; a walk is one entry ``snmp:<prefix>``) and every problem an
``errors`` entry. Methods never raise for a device problem."""

from __future__ import annotations

import asyncio
from typing import Any, Sequence

from ...errors import InputError
from ...inventory import Asset, Inventory
from ..base import FactsBuilder
from .errors import SnmpAuthError, SnmpError, SnmpTimeout
from .session import SnmpSession
from .values import SnmpValue
from .walks import WalkResult


class SnmpReader:
    """Reads through a session and records every OID and raw value as evidence and every
    problem as an ``errors`` entry. Methods never raise for a device problem."""

    def __init__(self, session: SnmpSession, builder: FactsBuilder) -> None:
        self.session = session
        self.builder = builder
        self.unreachable: str | None = None   # set once a timeout/auth error says "stop asking"
        self.probes: asyncio.Task | None = None   # common probes running beside the collection

    async def get(self, oids: dict[str, str] | Sequence[str], source: str = "snmp") -> dict[str, SnmpValue]:
        """``{name: oid}`` (or a list of OIDs) -> ``{name: value}`` for the values that came
        back (missing ones included, as noSuch* values; callers decide if that is an error)."""
        named = dict(oids) if isinstance(oids, dict) else {o: o for o in oids}
        if self.unreachable:
            return {}
        try:
            values = await self.session.get(named.values())
        except SnmpError as exc:
            self._failed(source, exc)
            return {}
        out = {}
        for name, oid in named.items():
            value = values.get(oid.strip("."))
            if value is None:
                continue
            self.builder.add_evidence(f"snmp:{value.oid}", value.render() + "\n")
            out[name] = value
        return out

    async def walk(self, prefix: str, max_rows: int | None = None) -> WalkResult | None:
        """A walk, recorded as one evidence entry ``snmp:<prefix>``; None if it failed before
        any row (the error is recorded)."""
        if self.unreachable:
            return None
        try:
            result = await self.session.walk(prefix, max_rows)
        except SnmpError as exc:
            self._failed(f"snmp:{prefix}", exc)
            return None
        lines = [r.render() for r in result.rows]
        if not result.rows:
            lines.append(f"# walk of {prefix}: no objects under this prefix")
        if result.problem:
            lines.append(f"# {result.problem}")
            self.builder.error(f"snmp:{prefix}", result.problem)
        self.builder.add_evidence(f"snmp:{prefix}", "\n".join(lines) + "\n")
        return result

    def _failed(self, source: str, exc: SnmpError) -> None:
        if isinstance(exc, (SnmpTimeout, SnmpAuthError)):
            if self.unreachable:
                return
            self.unreachable = str(exc)
            self.builder.unreachable(source, str(exc))   # no answer or refused: nothing more is read
            return
        self.builder.error(source, str(exc))

    def evidence_for(self, oid: str) -> str | None:
        return self.builder.evidence_id(f"snmp:{oid.strip('.')}")

    # -- typed access with errors --------------------------------------------------------------
    def expect(self, values: dict[str, SnmpValue], name: str, label: str, types: tuple[str, ...],
               report_missing: bool = True) -> SnmpValue | None:
        """The value ``name`` if present and of one of ``types``; otherwise None and (for a
        noSuch* value where one was expected, or a wrong type) an errors entry."""
        value = values.get(name)
        if value is None:
            return None
        if value.missing:
            if report_missing:
                self.builder.error(f"snmp:{value.oid}", f"{label} ({value.oid}): {value.type} — "
                                   f"the agent does not provide it; not recorded")
            return None
        if value.type not in types:
            self.builder.error(f"snmp:{value.oid}", f"{label} ({value.oid}) arrived as {value.type} "
                               f"{_short(value.value)}, expected {' or '.join(types)}: not recorded")
            return None
        return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def session_for(asset: Asset, inventory: Inventory, builder: FactsBuilder) -> SnmpSession | None:
    """The asset's session, or None with an errors entry (bad/missing credential)."""
    try:
        return SnmpSession.from_asset(asset, inventory)
    except InputError as exc:
        builder.unreachable("snmp", f"cannot build the SNMP session: {exc.message}")
    return None


def set_if_absent(builder: FactsBuilder, path: str, value: Any, evidence: str | None = None) -> None:
    """Set a fact unless another collector (SSH, which is authoritative) already did."""
    node: Any = builder.facts
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            builder.set(path, value, evidence=evidence)
            return
        node = node[part]
