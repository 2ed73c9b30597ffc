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
# Why a finding is ``error``: ``not-collected`` (the asset could not be reached or collected)
# does not by itself make the exit code 1, the run exits 3 instead; ``undetermined`` (the asset
# was collected, the source of this fact failed) counts like a failing finding (controlcheck/outcome.py).
ERROR_KINDS: tuple[str, ...] = ("not-collected", "undetermined", "missing-fact", "type-mismatch", "invalid-value")

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

# SNMP agents collected at once (``settings.snmp_concurrency`` says otherwise): an agent
# costs a few datagrams, not a thread, so more than the SSH concurrency; but not so many
# that the collecting host or a slow management network drops answers (each agent may
# have several requests out at once).
DEFAULT_SNMP_CONCURRENCY = 64

# The default ``--fail-on`` threshold.
DEFAULT_FAIL_ON = "low"


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: str | None) -> datetime | None:
    """A stored timestamp (``...Z``, an offset, or naive meaning UTC) as an aware datetime;
    None when it is empty or not a timestamp."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# What every parser returns: fact path (``host.sshd.permitrootlogin``) -> (value, the raw
# output lines that decided it). A plain dict of that shape is one; ``ParsedFacts`` is one
# that also records the 1-based config line numbers (SARIF locations, report provenance).
Parsed = MutableMapping[str, tuple[Any, list[str]]]


DEFAULT = "default"                  # provenance origin: the platform's documented default
NOT_CONFIGURED = "not-configured"    # provenance origin: read completely, nothing configured


class ParsedFacts(MutableMapping):
    """Facts by dotted path, each with the raw lines (and line numbers) that decided it.
    Reads as a ``Parsed`` mapping; ``set`` takes config objects (ciscoconfparse2 style:
    ``.text`` and 0-based ``.linenum``), ``facts[path] = (value, lines)`` raw lines.

    The absence rule (docs/facts-model.md, "Absent values"; parsers/parsed.py): ``complete``
    says the source was read to its end, so :meth:`default` / :meth:`not_configured` record
    what it leaves out; on a source cut short they become :meth:`undetermined` (an error
    naming the fact) by themselves. ``source`` names the source in those messages."""

    def __init__(self, initial: Mapping[str, tuple[Any, list[str]]] | None = None, *, complete: bool = True,
                 source: str = "source"):
        self.values: dict[str, Any] = {}
        self.lines: dict[str, list[str]] = {}
        self.line_numbers: dict[str, list[int]] = {}
        self.origins: dict[str, dict] = {}        # path -> {"origin": default|not-configured, "rule": ...}
        self.details: dict[str, dict] = {}        # "<list>[<item>].<field>" -> provenance of that field
        self.errors: list[dict] = []              # {"facts": [path], "message": ...}
        self.complete = complete
        self.source = source
        self.incomplete_reason = ""
        for path, (value, lines) in (initial or {}).items():
            self[path] = (value, lines)

    def read_short(self, reason: str) -> None:
        """The source was not read to its end (``reason`` says how we know): from now on its
        absences prove nothing, so defaults and "not configured" become undetermined."""
        self.complete = False
        self.incomplete_reason = reason

    def set(self, path: str, value: Any, objs: list | None = None) -> None:
        """A value the source states. ``None`` is refused (undetermined stays absent)."""
        if value is None:
            return
        self.values[path] = value
        self.origins.pop(path, None)
        if objs:
            self.lines[path] = [o.text.rstrip() for o in objs]
            self.line_numbers[path] = [o.linenum + 1 for o in objs]

    def default(self, path: str, value: Any, rule: str, objs: list | None = None) -> None:
        """The source does not set ``path``: the platform's documented default ``value``,
        ``rule`` saying which default and why (``no 'ip ssh version': IOS runs 1.99``)."""
        self._absent(path, value, rule, DEFAULT, objs)

    def not_configured(self, path: str, rule: str, value: Any = None, objs: list | None = None) -> None:
        """The source does not set ``path`` and "not configured" is the answer: ``null``
        (or ``value``, e.g. ``[]`` for a list of servers, ``False`` for a presence flag)."""
        self._absent(path, value, rule, NOT_CONFIGURED, objs)

    def undetermined(self, path: str, reason: str) -> None:
        """``path`` cannot be decided from this source; it stays absent and an error says why."""
        self.values.pop(path, None)
        self.origins.pop(path, None)
        self.errors.append({"facts": [path], "message": f"{path} not determined: {reason}"})

    def _absent(self, path: str, value: Any, rule: str, origin: str, objs: list | None) -> None:
        if not self.complete:
            why = self.incomplete_reason or "it was not read completely"
            self.undetermined(path, f"the {self.source} does not set it, but {why}, so its absence "
                                    f"proves nothing ({rule})")
            return
        self.values[path] = value
        self.origins[path] = {"origin": origin, "rule": rule}
        self.lines.pop(path, None)
        self.line_numbers.pop(path, None)
        if objs:
            self.lines[path] = [o.text.rstrip() for o in objs]
            self.line_numbers[path] = [o.linenum + 1 for o in objs]

    def origin(self, path: str) -> str | None:
        """``default`` / ``not-configured`` for a value taken from absence, else None."""
        return (self.origins.get(path) or {}).get("origin")

    # -- inside a list fact: provenance per item and field -------------------------------------
    def detail(self, list_path: str, item: str, field_name: str, objs: list | None = None,
               origin: str | None = None, rule: str | None = None) -> None:
        """Where one field of one list item came from, under the provenance key
        ``<list_path>[<item>].<field>`` (``network.lines[vty 0 4].transport_input``), so a
        finding cites the line that decided that item, with its line number."""
        entry: dict[str, Any] = {}
        if origin:
            entry.update(origin=origin, rule=rule or "")
        if objs:
            entry["lines"] = [o.text.rstrip() for o in objs]
            entry["line_numbers"] = [o.linenum + 1 for o in objs]
        self.details[f"{list_path}[{item}].{field_name}"] = entry

    def item_default(self, list_path: str, item: str, field_name: str, rule: str, objs: list | None = None) -> bool:
        """May a list item's field take the platform default? True (provenance recorded) on a
        complete source; False with an errors entry otherwise."""
        if not self.complete:
            why = self.incomplete_reason or "it was not read completely"
            self.item_undetermined(list_path, item, field_name, f"the {self.source} does not set it, but {why} ({rule})")
            return False
        self.detail(list_path, item, field_name, objs, DEFAULT, rule)
        return True

    def item_undetermined(self, list_path: str, item: str, field_name: str, reason: str) -> None:
        """A list item's field cannot be decided: it stays absent in the item, an error names it."""
        self.errors.append({"facts": [list_path],
                            "message": f"{list_path}[{item}].{field_name} not determined: {reason}"})

    def note(self, path: str, raw_lines: list[str]) -> None:
        """Provenance from command output lines rather than config objects."""
        if path in self.values and raw_lines:
            self.lines[path] = [line.rstrip() for line in raw_lines]

    def apply(self, builder, evidence: str | None, source: str | None = None) -> None:
        """Put everything into a ``collectors.base.FactsBuilder``: values with their evidence id
        and lines, absence-derived ones as ``default``/``not_configured``, undetermined facts as
        errors of ``source`` (the evidence source, e.g. ``ssh:show running-config``)."""
        for path, value in self.values.items():
            origin = self.origins.get(path)
            lines, numbers = self.lines.get(path), self.line_numbers.get(path)
            if origin is None:
                builder.set(path, value, evidence=evidence, lines=lines, line_numbers=numbers)
            elif origin["origin"] == DEFAULT:
                builder.default(path, value, origin["rule"], evidence=evidence, lines=lines, line_numbers=numbers)
            else:
                builder.not_configured(path, origin["rule"], value=value, evidence=evidence, lines=lines,
                                       line_numbers=numbers)
        for label, entry in self.details.items():
            builder.explain(label, evidence=evidence, **entry)
        for err in self.errors:
            builder.error(source or self.source, err["message"], facts=err["facts"])

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
        self.origins.pop(path, None)
        self.lines.pop(path, None)
        self.line_numbers.pop(path, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)
