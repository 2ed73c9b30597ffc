"""What every SNMP asset gets: the system group (``snmp.sys_*``), the versions the agent
accepts, whether ``public``/``private`` are answered, and the version and security level
the collection used (``snmp.collection.*``).

The version and default-community probes run concurrently, in the background beside the
platform's own collection, each with a short timeout of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..base import FactsBuilder
from .reader import SnmpReader, set_if_absent
from .session import LABEL, SnmpSession
from .values import SnmpValue

PROBE_TIMEOUT = 1.0            # version / default-community probes: at most this per attempt,
PROBE_MIN_TIMEOUT = 0.5        # at least this, else 10x the agent's own answer time
PROBE_RETRIES = 1
DEFAULT_COMMUNITIES = ("public", "private")

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_CONTACT = "1.3.6.1.2.1.1.4.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
SYSTEM_GROUP = {"sys_descr": SYS_DESCR, "sys_object_id": SYS_OBJECT_ID, "sys_uptime": SYS_UPTIME,
                "sys_contact": SYS_CONTACT, "sys_name": SYS_NAME, "sys_location": SYS_LOCATION}


@dataclass
class SystemInfo:
    """The system group as read (values already recorded as facts and evidence)."""

    values: dict[str, SnmpValue]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.value if value is not None and value.type == "STRING" else None

    @property
    def sys_object_id(self) -> str | None:
        value = self.values.get("sys_object_id")
        return value.value if value is not None and value.type == "OID" else None

    @property
    def sys_descr(self) -> str:
        return self.text("sys_descr") or ""

    @property
    def uptime_ticks(self) -> int | None:
        value = self.values.get("sys_uptime")
        return value.value if value is not None and value.type == "Timeticks" else None


async def collect_common(reader: SnmpReader, set_system: bool = True) -> SystemInfo | None:
    """System group (``snmp.sys_*``) and the collection's own version/security level; starts
    the version and default-community probes in the background (the caller ends with
    :func:`finish_common`). Returns None when the agent cannot be read (the error and the
    probes are recorded; the caller stops)."""
    session, builder = reader.session, reader.builder
    loop = asyncio.get_running_loop()
    started = loop.time()
    values = await reader.get(SYSTEM_GROUP, source="snmp")
    answer_time = loop.time() - started
    # an agent that answered (even with an error) in t seconds answers a probe in far less than 10 t
    answered = answer_time < 0.9 * session.timeout
    timeout = min(session.timeout, PROBE_TIMEOUT, max(PROBE_MIN_TIMEOUT, 10 * answer_time)) if answered \
        else min(session.timeout, PROBE_TIMEOUT)
    if reader.unreachable or not values:
        _record_probes(builder, await _probe(session, timeout), collected=False)
        return None
    reader.probes = asyncio.ensure_future(_probe(session, timeout))
    info = SystemInfo(values)
    for name in ("sys_descr", "sys_name", "sys_contact", "sys_location"):
        value = reader.expect(values, name, name, ("STRING",))
        if value is not None:
            builder.set(f"snmp.{name}", value.value, evidence=reader.evidence_for(value.oid))
    oid_value = reader.expect(values, "sys_object_id", "sysObjectID", ("OID",))
    if oid_value is not None:
        builder.set("snmp.sys_object_id", oid_value.value, evidence=reader.evidence_for(oid_value.oid))
    uptime = reader.expect(values, "sys_uptime", "sysUpTime", ("Timeticks",))
    if uptime is not None:
        builder.set("snmp.sys_uptime_seconds", uptime.value // 100, evidence=reader.evidence_for(uptime.oid))
        if set_system:
            set_if_absent(builder, "system.uptime_seconds", uptime.value // 100, reader.evidence_for(uptime.oid))
    name = info.text("sys_name")
    if set_system and name and name.strip():
        set_if_absent(builder, "system.hostname", name.strip(), reader.evidence_for(SYS_NAME))
    builder.set("snmp.collection.version", session.version)
    builder.set("snmp.collection.security_level", session.security_level)
    return info


async def finish_common(reader: SnmpReader) -> None:
    """Wait for the background probes of :func:`collect_common` and record them."""
    task, reader.probes = reader.probes, None
    if task is not None:
        _record_probes(reader.builder, await task, collected=True, session=reader.session)


async def _probe(session: SnmpSession, timeout: float) -> dict[str, Any]:
    """Concurrent, short probes: v1/v2c with the configured community (if any) and
    ``public``/``private`` with v1 and v2c."""
    jobs: dict[tuple[str, str], Any] = {}
    if session.has_community:
        for version in ("1", "2c"):
            if version != session.version:
                jobs[("configured", version)] = session.variant(version, timeout=timeout, retries=PROBE_RETRIES)
    for community in DEFAULT_COMMUNITIES:
        for version in ("2c", "1"):
            jobs[(community, version)] = session.variant(version, community=community, timeout=timeout,
                                                        retries=PROBE_RETRIES)
    answers = await asyncio.gather(*(s.answers() for s in jobs.values()))
    return {"timeout": timeout, "results": dict(zip(jobs.keys(), answers, strict=True))}


def _record_probes(builder: FactsBuilder, probe: dict[str, Any], collected: bool,
                   session: SnmpSession | None = None) -> None:
    results: dict[tuple[str, str], bool] = probe["results"]
    lines = [f"# probes: GET sysObjectID.0, timeout {probe['timeout']:.2g}s, {PROBE_RETRIES} retry"]
    for (who, version), ok in results.items():
        lines.append(f"{who if who in DEFAULT_COMMUNITIES else 'configured community'} "
                     f"{LABEL[version]}: {'answered' if ok else 'no answer'}")
    accepted = {version for (_who, version), ok in results.items() if ok}
    if collected and session is not None:
        accepted.add(session.version)
        lines.append(f"collection {session.label} ({session.security_level}): answered")
    ev = builder.add_evidence("snmp:probe", "\n".join(lines) + "\n")
    answered = [c for c in DEFAULT_COMMUNITIES if results.get((c, "2c")) or results.get((c, "1"))]
    if collected or accepted:
        builder.set("snmp.versions_accepted", [v for v in ("1", "2c", "3") if v in accepted], evidence=ev)
        builder.set("snmp.default_communities_answered", answered, evidence=ev)
