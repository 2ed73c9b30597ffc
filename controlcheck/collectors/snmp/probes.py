"""What every SNMP asset gets: the system group (``snmp.sys_*``), the versions the agent
accepts, whether ``public``/``private`` are answered, and the version and security level
the collection used (``snmp.collection.*``).

Probes (GET sysObjectID.0 with another version or a default community) are sent together,
beside the platform's own collection. v1/v2c agents refuse by silence, so silence alone
would make "refused" a matter of timing. Instead, right after the probes are on the wire,
the collection's own session asks once more (the *witness*): an agent that answers a
request sent after a probe has had that probe, so a probe still unanswered a short moment
(``PROBE_GRACE``) after the witness's answer was refused. When the witness gets no answer
either (an overloaded or unreachable agent), an unanswered probe is *undetermined*: the
facts it would give stay missing, with an errors entry saying so, never "refused".

A probe's answer is a property of the endpoint (address, port, version, community), so it
is asked once per run (:class:`ProbeCache`) however many assets share that endpoint.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import AsyncExitStack
from dataclasses import dataclass

from ..base import FactsBuilder
from .errors import SnmpError, SnmpStatusError, SnmpTimeout
from .reader import SnmpReader, set_if_absent
from .session import LABEL, SnmpSession
from .values import SnmpValue

PROBE_GRACE = 0.25             # after the witness answered, a probe gets at most this much longer
PROBE_MIN_GRACE = 0.02         # and at least this (else 3x the witness's round trip)
PROBE_RETRIES = 1
UNREACHABLE_PROBE_TIMEOUT = 1.0   # probes of an agent the collection could not read: at most this
DEFAULT_COMMUNITIES = ("public", "private")
ANSWERED, REFUSED, UNDETERMINED = "answered", "no answer", "undetermined"

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
    values = await reader.get(SYSTEM_GROUP, source="snmp")
    cache = probe_cache(builder)
    if reader.unreachable or not values:
        _record_probes(builder, await run_probes(session, cache, witness=False), collected=False)
        return None
    reader.probes = asyncio.ensure_future(run_probes(session, cache, witness=True))
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
    if session.context:
        builder.set("snmp.collection.context", session.context)
    return info


async def finish_common(reader: SnmpReader) -> None:
    """Wait for the background probes of :func:`collect_common` and record them."""
    task, reader.probes = reader.probes, None
    if task is not None:
        _record_probes(reader.builder, await task, collected=True, session=reader.session)


class ProbeCache:
    """Probe verdicts of one run, by endpoint and credential: ``(host, port, version,
    sha256(community))`` -> ``answered`` / ``no answer``. Undetermined verdicts are not
    kept (a later asset may find out). Probes in flight are shared by the sessions of one
    event loop. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verdicts: dict[tuple, str] = {}
        self._pending: dict[tuple, asyncio.Future] = {}

    def known(self, key: tuple) -> str | None:
        with self._lock:
            return self._verdicts.get(key)

    def in_flight(self, key: tuple) -> asyncio.Future | None:
        loop = asyncio.get_running_loop()
        with self._lock:
            future = self._pending.get((id(loop), key))
        return future if future is not None and future.get_loop() is loop and not future.done() else None

    def start(self, key: tuple) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._pending[(id(loop), key)] = future
        return future

    def finish(self, key: tuple, future: asyncio.Future, verdict: str) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if verdict != UNDETERMINED:
                self._verdicts[key] = verdict
            if self._pending.get((id(loop), key)) is future:
                del self._pending[(id(loop), key)]
        if not future.done():
            future.set_result(verdict)


_CACHE_LOCK = threading.Lock()


def probe_cache(builder: FactsBuilder) -> ProbeCache:
    """The run's probe cache (kept in the collection context's options)."""
    options = builder.ctx.options
    with _CACHE_LOCK:
        cache = options.get("snmp_probe_cache")
        if not isinstance(cache, ProbeCache):
            cache = options["snmp_probe_cache"] = ProbeCache()
    return cache


def _probe_key(probe: SnmpSession) -> tuple:
    return probe.endpoint_key()


@dataclass
class ProbeReport:
    grace: float | None                       # None: no witness (the collection could not read the agent)
    witness: str                              # answered / no answer / not asked
    results: dict[tuple[str, str], str]       # (who, version) -> answered / no answer / undetermined
    reused: set[tuple[str, str]]              # verdicts known from an earlier probe of this run


def _probe_sessions(session: SnmpSession, timeout: float, retries: int) -> dict[tuple[str, str], SnmpSession]:
    """v1/v2c with the configured community (if any) and ``public``/``private`` with v1 and
    v2c."""
    jobs: dict[tuple[str, str], SnmpSession] = {}
    if session.has_community:
        for version in ("1", "2c"):
            if version != session.version:
                jobs[("configured", version)] = session.variant(version, timeout=timeout, retries=retries)
    for community in DEFAULT_COMMUNITIES:
        for version in ("2c", "1"):
            jobs[(community, version)] = session.variant(version, community=community, timeout=timeout,
                                                        retries=retries)
    return jobs


async def run_probes(session: SnmpSession, cache: ProbeCache, witness: bool) -> ProbeReport:
    """All probes at once, then (``witness``) one request through ``session`` to learn
    whether the agent was answering while the probes went unanswered."""
    loop = asyncio.get_running_loop()
    # without a witness (the agent did not answer the collection) an unanswered probe proves
    # nothing, so it is asked once, briefly: only an answer can teach anything
    jobs = _probe_sessions(session, session.timeout, PROBE_RETRIES) if witness else \
        _probe_sessions(session, min(session.timeout, UNREACHABLE_PROBE_TIMEOUT), 0)
    results: dict[tuple[str, str], str] = {}
    reused: set[tuple[str, str]] = set()
    waiting: dict[tuple[str, str], asyncio.Future] = {}
    mine: dict[tuple[str, str], tuple[tuple, asyncio.Future, SnmpSession]] = {}
    for name, probe in jobs.items():
        key = _probe_key(probe)
        verdict = cache.known(key)
        if verdict is not None:
            results[name] = verdict
            reused.add(name)
        elif (future := cache.in_flight(key)) is not None:
            waiting[name] = future
        else:
            mine[name] = (key, cache.start(key), probe)
    witness_state, grace = "not asked", None
    async with AsyncExitStack() as stack:
        tasks: dict[tuple[str, str], asyncio.Task] = {}
        try:
            for _key, _future, probe in mine.values():
                await stack.enter_async_context(probe)
            for name, (_key, _future, probe) in mine.items():
                tasks[name] = asyncio.ensure_future(probe.get(["1.3.6.1.2.1.1.2.0"]))
            await asyncio.sleep(0)      # each task sends its request before its first await
            if witness and tasks:
                started = loop.time()
                try:
                    await session.get([SYS_UPTIME])
                    witness_state = ANSWERED
                    grace = min(PROBE_GRACE, max(PROBE_MIN_GRACE, 3 * (loop.time() - started)))
                except SnmpError:
                    witness_state = REFUSED
            if tasks:
                if witness_state == ANSWERED:
                    await asyncio.wait(tasks.values(), timeout=grace)
                else:
                    await asyncio.wait(tasks.values())
            for name, task in tasks.items():
                if not task.done():
                    task.cancel()
                    verdict = REFUSED
                elif isinstance(task.exception(), SnmpTimeout):
                    verdict = REFUSED if witness_state == ANSWERED else UNDETERMINED
                elif isinstance(task.exception(), SnmpStatusError):
                    verdict = ANSWERED      # an error status is an answer: the community was accepted
                elif task.exception() is not None:
                    verdict = UNDETERMINED
                else:
                    verdict = ANSWERED
                results[name] = verdict
        finally:
            for name, (key, future, _probe) in mine.items():
                cache.finish(key, future, results.get(name, UNDETERMINED))
            for task in tasks.values():
                if not task.done():
                    task.cancel()
            if tasks:
                await asyncio.gather(*tasks.values(), return_exceptions=True)
    for name, future in waiting.items():
        results[name] = await future
        reused.add(name)
    return ProbeReport(grace, witness_state, {n: results[n] for n in jobs}, reused)


def _record_probes(builder: FactsBuilder, probe: ProbeReport, collected: bool,
                   session: SnmpSession | None = None) -> None:
    results = probe.results
    how = (f"witness GET sysUpTime.0 after the probes: {probe.witness}"
           + (f"; probes given {probe.grace:.2g}s more" if probe.grace is not None else ""))
    lines = [f"# probes: GET sysObjectID.0, {PROBE_RETRIES} retry; {how}"]
    for (who, version), verdict in results.items():
        lines.append(f"{who if who in DEFAULT_COMMUNITIES else 'configured community'} {LABEL[version]}: "
                     f"{verdict}" + (" (known from an earlier probe of this endpoint in this run)"
                                     if (who, version) in probe.reused else ""))
    if collected and session is not None:
        lines.append(f"collection {session.label} ({session.security_level}): answered")
    ev = builder.add_evidence("snmp:probe", "\n".join(lines) + "\n")

    version_state: dict[str, str] = {}
    for (_who, version), verdict in results.items():
        if verdict == ANSWERED:
            version_state[version] = ANSWERED
    if collected and session is not None:
        version_state[session.version] = ANSWERED
    for version in ("1", "2c"):
        if version in version_state:
            continue
        tried = [v for (who, ver), v in results.items() if ver == version]
        version_state[version] = UNDETERMINED if UNDETERMINED in tried or not tried else REFUSED
    community_state = {}
    for community in DEFAULT_COMMUNITIES:
        tried = [v for (who, _ver), v in results.items() if who == community]
        community_state[community] = ANSWERED if ANSWERED in tried else \
            UNDETERMINED if UNDETERMINED in tried else REFUSED

    if not collected and not any(v == ANSWERED for v in results.values()):
        return      # nothing answered at all: nothing is known about the agent
    open_versions = [v for v in ("1", "2c") if version_state[v] == UNDETERMINED]
    if open_versions:
        known = ", ".join(f"{LABEL[v]} {s}" for v, s in version_state.items() if s != UNDETERMINED)
        builder.error("snmp.versions_accepted", f"{' and '.join(LABEL[v] for v in open_versions)} acceptance not "
                      f"determined: the probe got no answer and the agent did not answer a later request "
                      f"either (overloaded or unreachable)" + (f"; {known}" if known else ""))
    else:
        builder.set("snmp.versions_accepted",
                    [v for v in ("1", "2c", "3") if version_state.get(v) == ANSWERED], evidence=ev)
    open_communities = [c for c, s in community_state.items() if s == UNDETERMINED]
    if open_communities:
        builder.error("snmp.default_communities_answered", f"whether {' and '.join(open_communities)} is "
                      f"answered is not determined: no answer and no later answer from the agent")
    else:
        builder.set("snmp.default_communities_answered",
                    [c for c, s in community_state.items() if s == ANSWERED], evidence=ev)
