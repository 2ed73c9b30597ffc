"""The words of the domain, defined once: severities and their weights, finding statuses,
asset kinds, condition operators, the run-wide defaults and the clock.

Every module reads these names from here; the JSON Schemas in ``schemas/`` repeat the
enums (a schema is a static file) and ``tests/test_vocabulary.py`` holds them equal.
This module imports nothing from the project: it is the bottom layer.
"""

from __future__ import annotations

from datetime import datetime, timezone

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
