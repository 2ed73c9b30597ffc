"""The words of the domain, defined once: severities and their weights, finding statuses,
asset kinds, condition operators, the run-wide defaults, the clock, and the one shape every
parser returns (``Parsed``; ``ParsedFacts`` builds one and keeps config line numbers).

Every module reads these names from here; the JSON Schemas in ``schemas/`` repeat the
enums (a schema is a static file) and ``tests/test_vocabulary.py`` holds them equal.
This module imports nothing from the project: it is the bottom layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime, timezone
from typing import Any

# Control severities, lowest first (``--fail-on`` thresholds compare by this order).
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}

# Default severity weights of control effectiveness and the CAI (docs/risk-method.md):
# a critical control counts ten times a low one; info controls never move a score.
# A risk register's ``config.weights`` may override them.
SEVERITY_WEIGHTS: dict[str, int] = {"info": 0, "low": 1, "medium": 3, "high": 6, "critical": 10}

# Finding statuses, in the order of DESIGN.md and of every status count we write.
STATUSES: tuple[str, ...] = ("pass", "fail", "error", "skip", "waived")
# The statuses the CAI and control effectiveness count (waived and skip are reported beside).
COUNTED_STATUSES: tuple[str, ...] = ("pass", "fail", "error")
# Why a finding is ``error``: ``not-collected`` (the source was not read) does not by itself
# make the exit code 1; the asset is reported as incomplete (exit 3) instead.
ERROR_KINDS: tuple[str, ...] = ("not-collected", "missing-fact", "type-mismatch", "invalid-value")

# Asset kinds of the inventory and of ``applies_to.kinds`` in policies.
KINDS: tuple[str, ...] = ("workstation", "server", "router", "switch", "firewall", "pbx", "ups", "printer",
                          "mobile")
NETWORK_KINDS: tuple[str, ...] = ("router", "switch", "firewall")
HOST_KINDS: tuple[str, ...] = ("workstation", "server")

# Condition leaf operators (docs/policy-language.md); checks/operators.py implements them.
OPERATORS: tuple[str, ...] = (
    "eq", "ne", "lt", "le", "gt", "ge", "in", "not-in", "contains", "not-contains",
    "regex", "not-regex", "present", "absent", "empty", "not-empty",
    "version-lt", "version-le", "version-gt", "version-ge",
)

# Assets collected at once when neither ``--concurrency`` nor the inventory's
# ``settings.concurrency`` says otherwise.
DEFAULT_CONCURRENCY = 16

# The default ``--fail-on`` threshold.
DEFAULT_FAIL_ON = "low"


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# What every parser returns: fact path (``host.sshd.permitrootlogin``) -> (value, the raw
# output lines that decided it). A plain dict of that shape is one; ``ParsedFacts`` is one
# that also records the 1-based config line numbers (SARIF locations, report provenance).
Parsed = MutableMapping[str, tuple[Any, list[str]]]


class ParsedFacts(MutableMapping):
    """Facts by dotted path, each with the raw lines (and line numbers) that decided it.
    Reads as a ``Parsed`` mapping; ``set`` takes config objects (ciscoconfparse2 style:
    ``.text`` and 0-based ``.linenum``), ``facts[path] = (value, lines)`` raw lines."""

    def __init__(self, initial: Mapping[str, tuple[Any, list[str]]] | None = None):
        self.values: dict[str, Any] = {}
        self.lines: dict[str, list[str]] = {}
        self.line_numbers: dict[str, list[int]] = {}
        for path, (value, lines) in (initial or {}).items():
            self[path] = (value, lines)

    def set(self, path: str, value: Any, objs: list | None = None) -> None:
        if value is None:
            return
        self.values[path] = value
        if objs:
            self.lines[path] = [o.text.rstrip() for o in objs]
            self.line_numbers[path] = [o.linenum + 1 for o in objs]

    def note(self, path: str, raw_lines: list[str]) -> None:
        """Provenance from command output lines rather than config objects."""
        if path in self.values and raw_lines:
            self.lines[path] = [line.rstrip() for line in raw_lines]

    def apply(self, builder, evidence: str | None) -> None:
        """Put every fact into a ``collectors.base.FactsBuilder`` with its evidence id."""
        for path, value in self.values.items():
            builder.set(path, value, evidence=evidence, lines=self.lines.get(path),
                        line_numbers=self.line_numbers.get(path))

    # -- the Parsed mapping -------------------------------------------------------------------
    def __setitem__(self, path: str, item: tuple[Any, list[str]]) -> None:
        value, lines = item
        if value is None:
            return
        self.values[path] = value
        if lines:
            self.lines[path] = list(lines)

    def __getitem__(self, path: str) -> tuple[Any, list[str]]:
        return self.values[path], self.lines.get(path, [])

    def __delitem__(self, path: str) -> None:
        del self.values[path]
        self.lines.pop(path, None)
        self.line_numbers.pop(path, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)
