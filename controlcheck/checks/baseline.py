"""``--baseline PREVIOUS_RESULTS.json``: report and fail only on findings that are new.

A finding is *known* when the baseline results (a ``--format json`` document of an earlier
run) hold a failing finding (``fail`` or ``error``) for the same asset and control. Known
findings leave the report and the exit code; they are counted in ``results["baseline"]``
so nothing is hidden silently. Passing findings stay, so the report still shows coverage.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import InputError

FAILING = ("fail", "error")


def load_baseline(path: Path) -> tuple[set[tuple[str, str]], str]:
    """The (asset id, control id) pairs failing in a results document, and its sha256."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the baseline: {exc.strerror}", file=str(path)) from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError("the baseline is not a JSON results document (write one with --format json)",
                         file=str(path), line=line) from None
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list) or not all(isinstance(f, dict) and "asset_id" in f and "control_id" in f
                                                 for f in findings):
        raise InputError("the baseline has no 'findings' list of a controlcheck results document",
                         file=str(path))
    failing = {(f["asset_id"], f["control_id"]) for f in findings if f.get("status") in FAILING}
    return failing, hashlib.sha256(raw).hexdigest()


def apply_baseline(results: dict, path: Path) -> dict:
    """Drop the findings already failing in the baseline; record what was dropped."""
    failing, digest = load_baseline(path)
    kept, known = [], 0
    summary = results["summary"]
    for f in results["findings"]:
        if f["status"] in FAILING and (f["asset_id"], f["control_id"]) in failing:
            known += 1
            summary["by_status"][f["status"]] -= 1
            summary["by_severity"][f["severity"]][f["status"]] -= 1
            continue
        kept.append(f)
    results["findings"] = kept
    new = sum(f["status"] in FAILING for f in kept)
    results["baseline"] = {"path": str(path), "sha256": digest, "known_failing": known, "new_failing": new}
    results["run"]["inputs"].append({"kind": "baseline", "path": str(path), "sha256": digest})
    summary["findings"] = len(kept)
    return results
