"""Apply a policy set to facts documents: one finding per (asset, applicable control)."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import uuid
from bisect import bisect_left
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from .. import __version__
from ..outcome import unreachable
from ..vocabulary import SEVERITIES, STATUSES, utc_now
from .conditions import ERROR, FAIL, UNSET
from .policy import Control, PolicySet
from .waivers import Waiver


class _DocumentEvidence:
    """The evidence references of one facts document, and for each set of fact paths a
    check reads, the evidence that decided it: the provenance of those facts (with the
    raw lines), else every evidence item. Worked out once per distinct set of paths per
    document (controls share paths), with a sorted index instead of a scan of all
    provenance per finding."""

    def __init__(self, doc: dict):
        self.by_id: dict[str, dict] = {}
        for ev in doc.get("evidence") or []:
            ref = {"id": ev["id"], "source": ev.get("source"), "sha256": ev.get("sha256")}
            if ev.get("path"):
                ref["path"] = ev["path"]
            if ev.get("file"):   # a saved configuration: findings point at its lines
                ref["file"] = ev["file"]["path"]
            self.by_id[ev["id"]] = ref
        self.all_refs = list(self.by_id.values())
        self.provenance = doc.get("provenance") or {}
        self.order = {key: i for i, key in enumerate(self.provenance)}
        self.keys = sorted(self.provenance)
        self.cache: dict[tuple[str, ...], list] = {}
        self.error_cache: dict[tuple[str, ...], list] = {}
        self.by_source: dict | None = None

    def _matching(self, path: str) -> list[str]:
        """Provenance keys for ``path``: itself, what lies below it, and its ancestors."""
        found = []
        keys = self.keys
        i = bisect_left(keys, path)
        while i < len(keys) and keys[i].startswith(path):
            key = keys[i]
            if len(key) == len(path) or key[len(path)] in ".[":
                found.append(key)
            i += 1
        parts = path.split(".")
        for n in range(1, len(parts)):
            ancestor = ".".join(parts[:n])
            if ancestor in self.provenance:
                found.append(ancestor)
        return found

    def for_paths(self, fact_paths: tuple[str, ...]) -> list:
        hit = self.cache.get(fact_paths)
        if hit is not None:
            return hit
        refs = self.all_refs
        if self.provenance and fact_paths:
            keys = {key for p in fact_paths for key in self._matching(p)}
            picked: dict[str, dict] = {}
            for key in sorted(keys, key=self.order.__getitem__):    # in provenance order, as documented
                self._take(picked, self.provenance[key])
            if picked:
                refs = list(picked.values())
        self.cache[fact_paths] = refs
        return refs

    def _take(self, picked: dict[str, dict], prov: dict) -> None:
        ev_id = prov.get("evidence")
        ref = dict(self.by_id.get(ev_id, {"id": ev_id})) if ev_id else {"id": "provenance"}
        entry = picked.setdefault(ref["id"], ref)
        if prov.get("lines"):
            _add_lines(entry, prov)
        if prov.get("origin"):
            rules = entry.setdefault("defaults", [])
            if (prov.get("rule") or prov["origin"]) not in rules:
                rules.append(prov.get("rule") or prov["origin"])

    def for_items(self, control: Control, observed: list) -> list | None:
        """The provenance of the list items a finding judged (``vty 0 4: transport_input``
        under ``network.lines`` -> ``network.lines[vty 0 4].transport_input``): the line
        that decided each item, with its number. None when the document has none."""
        if not self.provenance:
            return None
        picked: dict[str, dict] = {}
        for name, _value in observed:
            label, sep, field_name = str(name).rpartition(": ")
            if not sep:
                continue
            for lead in control.check.fact_paths:
                prov = self.provenance.get(f"{lead}[{label}].{field_name}")
                if prov is not None:
                    self._take(picked, prov)
        return list(picked.values()) or None

    def for_error(self, control: Control, causes: list[dict]) -> list:
        """An error finding's evidence: what is known of the facts it read, and the outputs of
        the sources that failed for it — never every evidence item of the asset."""
        refs = self.for_paths(control.check.fact_paths)
        if not causes:      # one list per set of paths, shared as for_paths shares its own
            hit = self.error_cache.get(control.check.fact_paths)
            if hit is None:
                hit = self.error_cache[control.check.fact_paths] = (
                    list({r["id"]: r for r in refs}.values()) if refs is not self.all_refs else [])
            return hit
        picked = {r["id"]: r for r in refs} if refs is not self.all_refs else {}
        by_source = self.by_source
        if by_source is None:
            by_source = self.by_source = {ref.get("source"): ev_id for ev_id, ref in self.by_id.items()}
        for err in causes:
            ev_id = by_source.get(err.get("source"))
            if ev_id and ev_id not in picked:
                picked[ev_id] = dict(self.by_id[ev_id])
        return list(picked.values())


def _add_lines(entry: dict, prov: dict) -> None:
    """Append the provenance's lines once each, with their 1-based numbers in the raw output
    (``line_numbers``, parallel to ``lines``; ``None`` where unknown, dropped if none is known)."""
    lines = entry.setdefault("lines", [])
    numbers = entry["line_numbers"] = entry.get("line_numbers") or [None] * len(lines)
    given = prov.get("line_numbers") or []
    for i, text in enumerate(prov.get("lines") or []):
        number = given[i] if i < len(given) else None
        if any(t == text and n == number for t, n in zip(lines, numbers, strict=True)):
            continue
        lines.append(text)
        numbers.append(number)
    if not any(n is not None for n in numbers):
        del entry["line_numbers"]


def _covers(a: str, b: str) -> bool:
    """Does fact path ``a`` hold ``b`` or the other way round (``host.sshd`` / ``host.sshd.port``)?"""
    return a == b or b.startswith(a + ".") or b.startswith(a + "[") or a.startswith(b + ".") or a.startswith(b + "[")


def _present(facts: dict, path: str) -> bool:
    node: Any = facts
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def errors_for(control: Control, doc: dict) -> list[dict]:
    """The collection errors behind an ``error`` finding: those naming a fact path the control
    needed and did not get (``facts`` of the errors entry), else the asset-wide ones (the asset
    was not reached or its collection stopped). Never an unrelated error of the same asset."""
    facts, collection_errors = doc.get("facts") or {}, doc.get("errors") or []
    needed = [p for p in control.check.fact_paths if not _present(facts, p)] or list(control.check.fact_paths)
    named = [e for e in collection_errors if any(_covers(f, p) for f in e.get("facts") or () for p in needed)]
    if named:
        return named
    if not facts:
        return list(collection_errors)
    return [e for e in collection_errors if e.get("scope") == "asset"]


def _waiver_for(waivers: list[Waiver], control_id: str, asset: dict, today: dt.date):
    active, expired = None, None
    for w in waivers:
        if w.matches(control_id, asset):
            if w.expired(today):
                expired = expired or w
            elif active is None:
                active = w
    return active, expired


def new_run_id(now: str | None = None) -> str:
    stamp = (now or utc_now()).replace("-", "").replace(":", "")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


class _Applicability:
    """Which controls apply to an asset depends only on its kind, platform, site and
    tags: work it out once per distinct combination, not once per asset."""

    def __init__(self, controls: list[Control]):
        self.controls = controls
        self.cache: dict[tuple, tuple[list[Control], list[Control]]] = {}

    def split(self, asset: dict) -> tuple[list[Control], list[Control]]:
        key = (asset.get("kind"), asset.get("platform"), asset.get("site"), tuple(sorted(asset.get("tags") or ())))
        hit = self.cache.get(key)
        if hit is None:
            applicable = [c for c in self.controls if c.applies(asset)]
            skipped = [c for c in self.controls if not c.applies(asset)]
            hit = self.cache[key] = (applicable, skipped)
        return hit


def _needs_unobservable(control: Control, doc: dict) -> list[str]:
    """The facts ``control`` reads that the document's source cannot hold (a saved config has
    no uptime), or [] when it reads others too."""
    gone = doc.get("not_observable") or []
    paths = control.check.fact_paths
    if not gone or not paths:
        return []
    hit = [p for p in paths if any(p == g or p.startswith(g + ".") or p.startswith(g + "[") for g in gone)]
    return hit if len(hit) == len(paths) else []


def evaluate_document(doc: dict, applicability: _Applicability, waivers: list[Waiver], today: dt.date,
                      counts: dict, by_severity: dict, expired_seen: dict,
                      not_judged: dict | None = None) -> list[dict]:
    asset = doc["asset"]
    facts = doc.get("facts") or {}
    collection_errors = doc.get("errors") or []
    evidence = _DocumentEvidence(doc)
    not_reached = unreachable(doc)
    findings = []
    applicable, skipped = applicability.split(asset)
    for control in skipped:
        counts["skip"] += 1
        by_severity[control.severity]["skip"] += 1
    asset_id = asset["id"]
    with_provenance = bool(evidence.provenance)
    evidence_for_paths = evidence.cache
    append = findings.append
    for control in applicable:
        check = control.check
        outcome = check.evaluate(facts)
        status = outcome.status
        if status == ERROR:
            causes = errors_for(control, doc) if collection_errors else []
            if not causes and not_judged is not None:
                unobservable = _needs_unobservable(control, doc)
                if unobservable:   # said once per run (summary.not_judged), not as an error per asset
                    entry = not_judged.setdefault(control.id, {"facts": unobservable, "assets": 0})
                    entry["assets"] += 1
                    counts["skip"] += 1
                    by_severity[control.severity]["skip"] += 1
                    continue
            refs = evidence.for_error(control, causes)
        else:
            refs = with_provenance and evidence.for_items(control, outcome.observed)
            if not refs:
                refs = evidence_for_paths.get(check.fact_paths)
                if refs is None:
                    refs = evidence.for_paths(check.fact_paths)
        value = outcome.value
        if value is UNSET:
            # once per outcome: an outcome a node shares between assets shares its value too
            observed = outcome.observed
            value = outcome.value = observed[0][1] if len(observed) == 1 else dict(observed)
        finding = {
            "asset_id": asset_id, "control_id": control.id, "title": control.title,
            "status": status, "severity": control.severity, "message": outcome.message,
            "observed": value, "evidence": refs,
            "frameworks": control.frameworks, "mitigates": control.mitigates,
        }
        if status == ERROR:
            if causes:
                finding["error_kind"] = "not-collected" if not_reached else "undetermined"
                quoted = "; ".join(f"{e['source']}: {e['message']}" for e in causes[:2])
                more = f" (and {len(causes) - 2} more)" if len(causes) > 2 else ""
                finding["message"] += (f" (collection of {asset_id} failed: {quoted}{more})" if not_reached
                                       else f" (not determined: {quoted}{more})")
            else:
                finding["error_kind"] = outcome.error_kind or "missing-fact"
        if status in (FAIL, ERROR) and waivers:
            active, expired = _waiver_for(waivers, control.id, asset, today)
            if active is not None:
                active.used += 1
                finding["status"] = status = "waived"
                finding["waiver"] = {"justification": active.justification, "approver": active.approver,
                                     "expires": active.expires.isoformat(), "was": outcome.status}
                if active.ticket:
                    finding["waiver"]["ticket"] = active.ticket
            elif expired is not None:
                finding["waiver_expired"] = {"justification": expired.justification, "approver": expired.approver,
                                             "expires": expired.expires.isoformat()}
                finding["message"] += f" (waiver expired on {expired.expires.isoformat()})"
                expired_seen[id(expired)] = expired
        counts[status] += 1
        by_severity[control.severity][status] += 1
        append(finding)
    return findings


@contextmanager
def _collector_paused(paused: bool) -> Iterator[None]:
    """The cyclic garbage collector off while findings are built. A million findings are a
    million container objects, none of them garbage before the run returns; CPython scans
    every one of them again each time that population grows by a quarter (1.4 s of 6.9 s for
    1,000,000 evaluations). Only for documents already in memory: a generator of documents
    (saved configs parsed one by one) makes cyclic garbage the collector must see."""
    if not paused or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            # the new findings go straight to the oldest generation, as they would have after
            # two young collections that each scan all of them and find nothing to free
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def run_check(documents: Iterable[dict], policy_set: PolicySet, waivers: list[Waiver] | None = None,
              inputs: list[dict] | None = None, today: dt.date | None = None, fail_on: str = "low") -> dict:
    """The results document (docs/results.md)."""
    started = utc_now()
    today = today or dt.datetime.now(dt.timezone.utc).date()
    waivers = waivers or []
    counts = {s: 0 for s in STATUSES}
    by_severity = {sev: {s: 0 for s in STATUSES} for sev in SEVERITIES}
    expired_seen: dict[int, Waiver] = {}
    findings: list[dict] = []
    assets: list[dict] = []
    inputs = list(inputs or [])
    for f in policy_set.files:
        inputs.append({"kind": "policy", "path": str(f), "sha256": hashlib.sha256(f.read_bytes()).hexdigest()})
    for w in waivers:
        if not any(i["path"] == w.file for i in inputs):
            from pathlib import Path
            inputs.append({"kind": "waivers", "path": w.file, "sha256": hashlib.sha256(Path(w.file).read_bytes()).hexdigest()})
    applicability = _Applicability(policy_set.controls)
    not_judged: dict[str, dict] = {}
    with _collector_paused(isinstance(documents, (list, tuple))):
        for doc in documents:
            source = doc.get("_source") or {}
            if source:
                inputs.append({"kind": source.get("kind", "facts"), "path": source["path"],
                               "sha256": source["sha256"]})
            asset = dict(doc["asset"])
            asset.update({"collected_at": doc.get("collected_at"), "errors": doc.get("errors") or [],
                          "collector": doc.get("collector"), "unreachable": unreachable(doc)})
            if source.get("kind") == "config":
                asset["config"] = {"path": source["path"], "sha256": source["sha256"]}
            elif source:
                asset["facts_sha256"] = source["sha256"]
            assets.append(asset)
            findings.extend(evaluate_document(doc, applicability, waivers, today, counts, by_severity,
                                              expired_seen, not_judged))
    applied = [w.to_dict() | {"findings": w.used} for w in waivers if w.used]
    unused = [w.to_dict() for w in waivers if not w.used and not w.expired(today)]
    return {
        "schema_version": 1,
        "run": {"id": new_run_id(started), "started_at": started, "finished_at": utc_now(),
                "tool": {"name": "controlcheck", "version": __version__}, "fail_on": fail_on, "inputs": inputs},
        "controls": {c.id: c.to_dict() for c in policy_set.controls},
        "assets": assets,
        "findings": findings,
        "waivers": {"applied": applied, "expired": [w.to_dict() for w in expired_seen.values()], "unused": unused},
        "summary": {
            "assets": len(assets), "controls": len(policy_set.controls), "findings": len(findings),
            "by_status": counts, "by_severity": by_severity,
            # not reached, or collection stopped: exit code 3 when nothing fails (docs/results.md)
            "incomplete_assets": [a["id"] for a in assets if a["unreachable"]],
            # collected, but some facts could not be determined (their findings are errors)
            "undetermined_assets": [a["id"] for a in assets if a["errors"] and not a["unreachable"]],
            # controls a source cannot decide (saved configs: facts only a live device gives)
            "not_judged": not_judged,
        },
    }
