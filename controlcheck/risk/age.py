"""Finding age and time to remediate, from the run history (docs/risk-method.md).

Input is plain data: the complete runs oldest first, each ``{"id", "started_at",
"findings": [{"asset_id", "control_id", "status", "severity"}], "assets": [{"id", "owner"}]}``;
the last run is the one reported. A finding (asset x control) *opens* at the first run
where it fails after not failing; it is *fixed* at the first later run where it passes.
Runs where it is error, waived, skipped or absent say nothing and change nothing (what could
not be checked is neither fixed nor newly failing). Times are the runs' start times.

- age of a failing finding = reported run's start - the start of the run that opened it;
- time to remediate of a fixed finding = start of the fixing run - start of the opening run.

Key risk indicators: the median time to remediate (over every fix in the history), and the
count of currently failing findings older than 30 and 90 days, overall, by department
(the asset's owner) and by severity."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any, Iterable

from ..vocabulary import SEVERITY_RANK, parse_utc

THRESHOLDS_DAYS = (30, 90)
UNASSIGNED = "(unassigned)"


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return round(max(0.0, (end - start).total_seconds()) / 86400, 4)


def _group() -> dict[str, Any]:
    return {"failing": 0, **{f"older_than_{d}": 0 for d in THRESHOLDS_DAYS}, "fixed": 0, "median_days_to_fix": None,
            "_fix_days": []}


def _finish(group: dict) -> dict:
    days = group.pop("_fix_days")
    group["median_days_to_fix"] = round(statistics.median(days), 4) if days else None
    return group


def finding_ages(runs: list[dict]) -> dict:
    """Ages of the reported run's failing findings, every fix in the history, and the key
    risk indicators (see the module docstring). Empty lists when there is no run."""
    if not runs:
        return _summary(0, [], [], {})
    open_since: dict[tuple[str, str], tuple[int, dt.datetime]] = {}
    fixed: list[dict] = []
    owners: dict[str, str] = {}
    severity: dict[tuple[str, str], str] = {}
    for run in runs:
        started = parse_utc(run.get("started_at"))
        if started is None:
            continue
        for a in run.get("assets") or []:
            owners[a["id"]] = a.get("owner") or UNASSIGNED
        for f in run.get("findings") or []:
            key = (f["asset_id"], f["control_id"])
            severity[key] = f.get("severity", "")
            if f["status"] == "fail" and key not in open_since:
                open_since[key] = (run["id"], started)
            elif f["status"] == "pass" and key in open_since:
                opened_run, opened = open_since.pop(key)
                fixed.append(_fixed(key, severity[key], opened_run, opened, run["id"], started))
    last = runs[-1]
    now = parse_utc(last.get("started_at")) or dt.datetime.now(dt.timezone.utc)
    failing_now = {(f["asset_id"], f["control_id"]) for f in last.get("findings") or [] if f["status"] == "fail"}
    failing = [_failing(key, severity.get(key, ""), *open_since.get(key, (last["id"], now)), now)
               for key in sorted(failing_now)]
    return _summary(len(runs), failing, fixed, owners)


def _failing(key: tuple[str, str], severity: str, opened_run: int, opened: dt.datetime, now: dt.datetime) -> dict:
    return {"asset_id": key[0], "control_id": key[1], "severity": severity, "first_seen_run": opened_run,
            "first_seen": opened.strftime("%Y-%m-%dT%H:%M:%SZ"), "age_days": _days(opened, now)}


def _fixed(key: tuple[str, str], severity: str, opened_run: int, opened: dt.datetime, fixed_run: int,
           fixed: dt.datetime) -> dict:
    return {"asset_id": key[0], "control_id": key[1], "severity": severity, "first_seen_run": opened_run,
            "first_seen": opened.strftime("%Y-%m-%dT%H:%M:%SZ"), "fixed_run": fixed_run,
            "days_to_fix": _days(opened, fixed)}


def _summary(runs: int, failing: list[dict], fixed: list[dict], owners: dict[str, str]) -> dict:
    """The key risk indicators over the failing findings and the fixes, overall, by the
    asset's owner and by severity."""
    overall, by_owner, by_severity = _group(), {}, {}
    for item in failing:
        for g in (overall, by_owner.setdefault(owners.get(item["asset_id"], UNASSIGNED), _group()),
                  by_severity.setdefault(item["severity"], _group())):
            g["failing"] += 1
            for d in THRESHOLDS_DAYS:
                g[f"older_than_{d}"] += item["age_days"] > d
    for item in fixed:
        for g in (overall, by_owner.setdefault(owners.get(item["asset_id"], UNASSIGNED), _group()),
                  by_severity.setdefault(item["severity"], _group())):
            g["fixed"] += 1
            g["_fix_days"].append(item["days_to_fix"])
    return {"runs": runs, "failing": failing, "fixed": fixed, "overall": _finish(overall),
            "by_owner": {k: _finish(v) for k, v in sorted(by_owner.items())},
            "by_severity": {k: _finish(by_severity[k]) for k in sorted(
                by_severity, key=lambda k: -SEVERITY_RANK.get(k, -1))}}


def history_runs(store: Any, upto_run_id: int | None = None) -> Iterable[dict]:
    """The complete runs of a history store (``RunStore``, or anything with its
    ``history()`` and ``finding_states(id)``), oldest first, up to ``upto_run_id``, as
    ``finding_ages`` reads them: the definition ``ages_from_store`` is held to (tests,
    benchmarks/bench_history.py), at a cost that grows with every stored run."""
    for h in store.history():
        if upto_run_id is not None and h["id"] > upto_run_id:
            break
        yield {"id": h["id"], "started_at": h["started_at"], **store.finding_states(h["id"])}


def ages_from_store(store: Any, upto_run_id: int | None = None) -> dict:
    """``finding_ages`` of a history store's complete runs up to ``upto_run_id``, read from its
    finding episodes (``RunStore.finding_episodes``): the same result as walking every run
    (``history_runs``), at a cost that does not grow with the number of runs stored."""
    data = store.finding_episodes(upto_run_id)
    if data is None:
        return finding_ages([])
    now = parse_utc(data["run"]["started_at"]) or dt.datetime.now(dt.timezone.utc)
    failing = []
    for row in data["failing"]:
        opened = parse_utc(row["opened_at"]) if row["opened_run"] is not None else None
        opened_run = row["opened_run"] if opened is not None else data["run"]["id"]
        failing.append(_failing((row["asset_id"], row["control_id"]), row["severity"] or "", opened_run,
                                opened or now, now))
    fixed = [_fixed((row["asset_id"], row["control_id"]), row["severity"] or "", row["opened_run"],
                    parse_utc(row["opened_at"]), row["fixed_run"], parse_utc(row["fixed_at"]))
             for row in data["fixed"]]
    owners = {asset: owner or UNASSIGNED for asset, owner in data["owners"].items()}
    return _summary(data["runs"], failing, fixed, owners)


def duration_text(days: float | None) -> str:
    """``12 days``, ``5 h``, ``3 min`` (runs minutes apart, as in the demo, still read sensibly)."""
    if days is None:
        return "n/a"
    if days >= 1:
        return f"{days:.0f} day{'s' if round(days) != 1 else ''}"
    hours = days * 24
    if hours >= 1:
        return f"{hours:.0f} h"
    return f"{max(0, round(hours * 60))} min"


def age_lines(ages: dict) -> list[str]:
    """The key risk indicators as terminal lines (``controlcheck trend``)."""
    if not ages.get("runs"):
        return []
    o = ages["overall"]
    lines = [f"finding age: {o['failing']} failing, {o['older_than_30']} older than 30 days, {o['older_than_90']} older "
             f"than 90 days; {o['fixed']} fixed, median time to remediate {duration_text(o['median_days_to_fix'])}"]
    for title, groups in (("by department", ages["by_owner"]), ("by severity", ages["by_severity"])):
        lines.append(f"  {title}: " + "; ".join(
            f"{k} {g['failing']} failing ({g['older_than_30']} >30 d, {g['older_than_90']} >90 d), median fix "
            f"{duration_text(g['median_days_to_fix'])}" for k, g in groups.items()))
    return lines
