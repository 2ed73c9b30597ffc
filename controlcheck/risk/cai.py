"""Compliance Adherence Index (DESIGN.md):

    CAI = 100 x sum(w x pass) / sum(w x (pass + fail + error))

with severity weights; waived and skipped findings are counted beside it, never in it."""

from __future__ import annotations

import re

from ..vocabulary import COUNTED_STATUSES, SEVERITIES, STATUSES

GROUPINGS = ("framework", "requirement", "kind", "site", "owner")
UNASSIGNED = "(unassigned)"


class _Tally:
    def __init__(self) -> None:
        self.counts = {s: 0 for s in STATUSES}
        self.weighted_pass = 0.0
        self.weighted_total = 0.0

    def add(self, status: str, weight: float) -> None:
        if status not in self.counts:
            return
        self.counts[status] += 1
        if status == "pass":
            self.weighted_pass += weight
        if status in COUNTED_STATUSES:
            self.weighted_total += weight

    def to_dict(self) -> dict:
        value = round(100 * self.weighted_pass / self.weighted_total, 1) if self.weighted_total else None
        return {"value": value, **self.counts,
                "weighted_pass": round(self.weighted_pass, 4), "weighted_total": round(self.weighted_total, 4)}


def _natural(key: str) -> list:
    # "pci-dss-4.0 2.2.7" before "pci-dss-4.0 10.2.1"
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key)]


def _tally(group: dict[str, _Tally], key: str) -> _Tally:
    tally = group.get(key)
    if tally is None:
        tally = group[key] = _Tally()
    return tally


def compute_cai(results: dict, weights: dict[str, float]) -> dict:
    """``{"overall": {...}, "by": {"framework": {name: {...}}, "requirement": {"pci-dss-4.0 2.2.7": {...}},
    "kind": ..., "site": ..., "owner": ...}}``.

    ``value`` is None when nothing weighed (no applicable findings, all waived, only
    info controls): an index of nothing is not 100."""
    assets = {a["id"]: a for a in results.get("assets") or []}
    controls = results.get("controls") or {}
    overall = _Tally()
    by: dict[str, dict[str, _Tally]] = {g: {} for g in GROUPINGS}
    for f in results.get("findings") or []:
        weight = weights.get(f.get("severity"), 0)
        status = f.get("status")
        overall.add(status, weight)
        asset = assets.get(f.get("asset_id"), {})
        frameworks = f.get("frameworks")
        if frameworks is None:
            frameworks = (controls.get(f.get("control_id")) or {}).get("frameworks") or {}
        for name, refs in frameworks.items():
            _tally(by["framework"], name).add(status, weight)
            for ref in refs:  # e.g. "pci-dss-4.0 2.2.7": what an auditor of one requirement asks for
                _tally(by["requirement"], f"{name} {ref}").add(status, weight)
        for group in ("kind", "site", "owner"):
            _tally(by[group], asset.get(group) or UNASSIGNED).add(status, weight)
    out = overall.to_dict()
    # The engine counts not-applicable controls (skip) in its summary without listing them.
    summary_skip = ((results.get("summary") or {}).get("by_status") or {}).get("skip")
    if summary_skip is not None and summary_skip > out["skip"]:
        out["skip"] = summary_skip
    return {"overall": out,
            "by": {g: {k: by[g][k].to_dict() for k in sorted(by[g], key=_natural)} for g in GROUPINGS}}


def failing_by_severity(results: dict, status: str = "fail") -> dict[str, int]:
    """How many findings have ``status`` (default fail), per severity, lowest first."""
    counts = {s: 0 for s in SEVERITIES}
    for f in results.get("findings") or []:
        if f.get("status") == status and f.get("severity") in counts:
            counts[f["severity"]] += 1
    return counts
