"""Results, assessments and facts directories (with raw evidence files) for the report and store tests."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import shutil
from pathlib import Path

from helpers import FIXTURES
from controlcheck.checks import load_facts, load_policies, run_check
from controlcheck.reports import ReportInput
from controlcheck.risk import assess, load_register

HOSTILE = "<script>alert(1)</script>"


@functools.lru_cache(maxsize=1)
def _library() -> tuple[dict, dict]:
    policies = load_policies()
    results = run_check(load_facts(FIXTURES / "library"), policies)
    return results, assess(results, load_register(), policies)


def library() -> tuple[dict, dict]:
    """Results and assessment of the 18-asset policy library fixtures (fresh copies)."""
    results, assessment = _library()
    return copy.deepcopy(results), copy.deepcopy(assessment)


def library_input(history: list[dict] | None = None) -> ReportInput:
    results, assessment = library()
    return ReportInput(results, assessment, history or [])


def facts_with_evidence(directory: Path, hostile: bool = False) -> Path:
    """The library fixtures copied into ``directory`` with each evidence item kept on disk
    (``evidence/<asset>/<id>.txt``, sha256 recorded), as a collector writes them. With
    ``hostile``, one more asset whose id, hostname and evidence are markup."""
    directory.mkdir(parents=True, exist_ok=True)
    for src in sorted((FIXTURES / "library").glob("*.json")):
        doc = json.loads(src.read_text())
        asset_id = doc["asset"]["id"]
        for ev in doc["evidence"]:
            raw = f"{ev['source']} output of {asset_id}\nline two\n".encode()
            rel = Path("evidence") / asset_id / f"{ev['id']}.txt"
            (directory / rel).parent.mkdir(parents=True, exist_ok=True)
            (directory / rel).write_bytes(raw)
            ev.update(sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), path=rel.as_posix())
        (directory / src.name).write_text(json.dumps(doc, indent=2) + "\n")
    if hostile:
        doc = json.loads((FIXTURES / "library" / "rtr-bad.json").read_text())
        doc["asset"]["id"] = HOSTILE
        doc["asset"]["address"] = HOSTILE
        doc["asset"]["site"] = HOSTILE
        doc["facts"].setdefault("system", {})["hostname"] = HOSTILE
        doc["errors"] = [{"source": HOSTILE, "message": f"banner said {HOSTILE}"}]
        raw = HOSTILE.encode()
        (directory / "evidence" / "hostile").mkdir(parents=True, exist_ok=True)
        (directory / "evidence" / "hostile" / "ev-001.txt").write_bytes(raw)
        doc["evidence"] = [{"id": "ev-001", "source": HOSTILE, "sha256": hashlib.sha256(raw).hexdigest(),
                            "collected_at": "2026-11-20T09:00:00Z", "path": "evidence/hostile/ev-001.txt"}]
        (directory / "hostile.json").write_text(json.dumps(doc, indent=2) + "\n")
    return directory


def check_dir(facts_dir: Path) -> tuple[dict, dict]:
    policies = load_policies()
    results = run_check(load_facts(facts_dir), policies)
    return results, assess(results, load_register(), policies)


def copy_library(directory: Path) -> Path:
    shutil.copytree(FIXTURES / "library", directory)
    return directory
