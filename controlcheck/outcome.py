"""How a run ends: the exit codes of DESIGN.md and the rule that picks one.

The rule lives here, once, so ``check``, ``audit`` and ``demo`` (and any engine that
runs an audit) agree on which findings count for ``--fail-on``.
"""

from __future__ import annotations

from .vocabulary import SEVERITY_RANK

EXIT_OK = 0           # nothing failing at or above --fail-on
EXIT_FAILING = 1      # failing findings
EXIT_INVALID = 2      # invalid input: arguments, inventory, policy, facts
EXIT_INCOMPLETE = 3   # nothing failing, but some assets could not be reached or collected
EXIT_ENVIRONMENT = 4  # the environment stopped the run (output not writable, store damaged, ...)
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (``| head``): 128 + SIGPIPE, as a shell shows a C tool's


def unreachable(doc: dict) -> bool:
    """Could the asset of this facts document not be reached, or did its collection stop?
    An errors entry with ``scope: asset`` says so (``FactsBuilder.unreachable``); documents
    written before that field count when they hold errors and no facts at all. An asset that
    was collected but left some facts undetermined is *not* unreachable."""
    errors = doc.get("errors") or []
    return any(e.get("scope") == "asset" for e in errors) or (bool(errors) and not doc.get("facts"))


def counts_as_failing(finding: dict, fail_on: str) -> bool:
    """A ``fail`` or ``error`` finding at or above ``fail_on``. An error only because the asset
    could not be reached or collected (``error_kind: not-collected``) does not: the run reports
    that asset as not collected (exit 3) instead. An error on a collected asset whose fact
    could not be determined does count: it is not a pass."""
    if finding["status"] not in ("fail", "error"):
        return False
    if finding["status"] == "error" and finding.get("error_kind") == "not-collected":
        return False
    return SEVERITY_RANK[finding["severity"]] >= SEVERITY_RANK[fail_on]


def exit_code_for(findings: list[dict], fail_on: str, not_collected: bool) -> int:
    """0: nothing failing at or above ``fail_on``; 1: failing findings; 3: none failing but
    some assets could not be reached or collected (``not_collected``). Facts left undetermined
    on an asset that was collected do not by themselves give 3 (docs/results.md)."""
    if any(counts_as_failing(f, fail_on) for f in findings):
        return EXIT_FAILING
    if not_collected:
        return EXIT_INCOMPLETE
    return EXIT_OK


def exit_code_for_results(results: dict, fail_on: str) -> int:
    """The exit code of a results document: incomplete when an asset was not (fully)
    collected or a saved configuration was not recognised."""
    summary = results["summary"]
    incomplete = bool(summary.get("incomplete_assets")) or bool(summary.get("unrecognised_files"))
    return exit_code_for(results["findings"], fail_on, incomplete)
