"""The collector interface: one class per platform, one method.

A collector reads one asset and fills a :class:`FactsBuilder`. It never raises
for a device problem: what could not be collected becomes an ``errors`` entry
(``builder.error``) and the facts it could not determine stay absent — never
guessed. Every raw output it judged from is kept with ``builder.add_evidence``.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import __version__
from ..inventory import Asset, Inventory
from ..vocabulary import utc_now


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class CollectionContext:
    """What a collector may use besides the asset: the inventory (credentials by
    reference), where evidence goes, and run-wide options."""

    inventory: Inventory
    evidence_dir: Path | None = None      # None: evidence is hashed but not written (tests, benchmarks)
    trust_on_first_use: bool = False
    options: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)   # what collectors read once per run (parsed known_hosts)


def _provenance(prov: dict[str, Any], evidence: str | None, lines: list[str] | None,
                line_numbers: list[int] | None) -> dict[str, Any]:
    """``prov`` with the evidence name and the first 20 lines (and their numbers) that decided it."""
    if evidence:
        prov["evidence"] = evidence
    if lines:
        prov["lines"] = list(lines)[:20]
    if line_numbers:
        prov["line_numbers"] = list(line_numbers)[:20]
    return prov

class FactsBuilder:
    """Accumulates one asset's facts document."""

    def __init__(self, asset: Asset, ctx: CollectionContext, collector_name: str, collector_version: str = __version__):
        self.asset = asset
        self.ctx = ctx
        self.collected_at = utc_now()
        self.collector = {"name": collector_name, "version": collector_version}
        self.facts: dict[str, Any] = {}
        self.evidence: list[dict] = []
        self.errors: list[dict] = []
        self.provenance: dict[str, dict] = {}
        self._evidence_by_source: dict[str, str] = {}
        # fact paths this source cannot hold (a saved config has no uptime): controls that need
        # them are not judged, and said once per run, instead of one error per asset
        self.not_observable: list[str] = []
        self._reading: list[str] = []

    # -- evidence -------------------------------------------------------------------------
    def add_evidence(self, source: str, raw: bytes | str, media_type: str = "text/plain") -> str:
        """Keep one raw output (``source`` such as ``ssh:show running-config`` or
        ``snmp:1.3.6.1.2.1.1.1.0``); returns its evidence id."""
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
        digest = hashlib.sha256(data).hexdigest()
        ev_id = f"ev-{len(self.evidence) + 1:03d}"
        entry = {"id": ev_id, "source": source, "sha256": digest, "collected_at": utc_now(),
                 "size": len(data), "media_type": media_type}
        if self.ctx.evidence_dir is not None:
            rel = Path("evidence") / _UNSAFE.sub("_", self.asset.id) / f"{ev_id}-{_UNSAFE.sub('_', source)[:60]}.txt"
            target = self.ctx.evidence_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            entry["path"] = rel.as_posix()
        self.evidence.append(entry)
        self._evidence_by_source[source] = ev_id
        return ev_id

    def evidence_id(self, source: str) -> str | None:
        return self._evidence_by_source.get(source)

    # -- facts ----------------------------------------------------------------------------
    def set(self, path: str, value: Any, evidence: str | None = None,
            lines: list[str] | None = None, line_numbers: list[int] | None = None) -> None:
        """Set a fact the source states, by dotted path (``ssh.version``). ``None`` is refused:
        an undetermined fact stays absent (an explicit null is :meth:`not_configured`).
        ``lines`` are the raw lines that decided it (provenance)."""
        if value is None:
            return
        self._put(path, value, evidence, lines, line_numbers, None)

    def default(self, path: str, value: Any, rule: str, evidence: str | None = None,
                lines: list[str] | None = None, line_numbers: list[int] | None = None) -> None:
        """The source (``evidence``) was read completely and does not set ``path``: record the
        platform's documented default, with provenance ``origin: default`` and ``rule`` (which
        default, and why it applies). Only for a source read to its end; see docs/facts-model.md."""
        if value is None:
            raise ValueError(f"a default needs a value ({path}); use not_configured for null")
        self._put(path, value, evidence, lines, line_numbers, {"origin": "default", "rule": rule})

    def not_configured(self, path: str, rule: str, value: Any = None, evidence: str | None = None,
                       lines: list[str] | None = None, line_numbers: list[int] | None = None) -> None:
        """The source was read completely and "not configured" is the answer: an explicit
        ``null`` (or ``value``, e.g. ``[]``), provenance ``origin: not-configured``. Policies see
        null as a value (``in [8, 9]`` fails, ``absent`` passes), never as "not collected"."""
        self._put(path, value, evidence, lines, line_numbers, {"origin": "not-configured", "rule": rule})

    def _put(self, path: str, value: Any, evidence: str | None, lines: list[str] | None,
             line_numbers: list[int] | None, origin: dict | None) -> None:
        node = self.facts
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
        prov = _provenance(dict(origin or {}), evidence, lines, line_numbers)
        if prov:
            self.provenance[path] = prov
        else:
            self.provenance.pop(path, None)

    def explain(self, path: str, evidence: str | None = None, lines: list[str] | None = None,
                line_numbers: list[int] | None = None, origin: str | None = None, rule: str | None = None) -> None:
        """Provenance only, for a value inside a fact (``network.lines[vty 0 4].transport_input``):
        the lines that decided it, or the default it took."""
        start: dict[str, Any] = {"origin": origin, "rule": rule or ""} if origin else {}
        self.provenance[path] = _provenance(start, evidence, lines, line_numbers)

    def update(self, prefix: str, values: dict, evidence: str | None = None) -> None:
        for key, value in values.items():
            self.set(f"{prefix}.{key}" if prefix else key, value, evidence=evidence)

    def error(self, source: str, message: str, facts: list[str] | None = None) -> None:
        """Something was not collected. ``facts``: the fact paths (or prefixes, ``host.sshd``)
        it left undetermined, so a finding that needs one of them quotes this error (within
        :meth:`reading`, the step's facts are the default)."""
        entry: dict[str, Any] = {"source": source, "message": message, "at": utc_now()}
        facts = facts or self._reading
        if facts:
            entry["facts"] = list(facts)
        self.errors.append(entry)

    @contextmanager
    def reading(self, *facts: str) -> Iterator[None]:
        """A collection step that fills ``facts`` (paths or prefixes): every error recorded
        inside names them, so a finding quotes the error of its own fact, not the asset's first."""
        outer, self._reading = self._reading, list(facts)
        try:
            yield
        finally:
            self._reading = outer

    def unreachable(self, source: str, message: str, facts: list[str] | None = None) -> None:
        """The asset could not be reached or collected (connection refused, authentication
        failed, session lost, its configuration refused, collector failure): exit code 3
        territory (controlcheck/outcome.py). ``facts``: what it left undetermined, if not all."""
        entry: dict[str, Any] = {"source": source, "message": message, "at": utc_now(), "scope": "asset"}
        if facts:
            entry["facts"] = list(facts)
        self.errors.append(entry)

    # -- output ---------------------------------------------------------------------------
    def document(self) -> dict:
        return {
            "schema_version": 1,
            "asset": self.asset.describe(),
            "collected_at": self.collected_at,
            "collector": dict(self.collector),
            "facts": self.facts,
            "provenance": self.provenance,
            "evidence": self.evidence,
            "errors": self.errors,
        } | ({"not_observable": list(self.not_observable)} if self.not_observable else {})


class Collector(ABC):
    """One platform. Subclasses set ``platform``, ``transport`` and implement ``collect``."""

    platform: str = ""
    transport: str = "ssh"   # "ssh" | "snmp" | "file"
    version: str = __version__

    @abstractmethod
    def collect(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        """Fill ``builder`` for ``asset``. Device problems go to ``builder.error``;
        only a bug may raise (the orchestrator records it as an error too)."""


class AsyncCollector(Collector):
    """A collector whose I/O is asyncio (SNMP): the orchestrator runs many in one loop."""

    def collect(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        import asyncio
        asyncio.run(self.collect_async(asset, ctx, builder))

    @abstractmethod
    async def collect_async(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        ...
