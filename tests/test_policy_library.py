"""The built-in policy library: every control is complete, reads only documented facts,
cites well-formed references, and has a fixture where it passes and one where it fails."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import jmespath
import pytest
from helpers import FIXTURES, REPO

from controlcheck.checks import load_facts, load_policies, run_check

LIBRARY = FIXTURES / "library"
CLASS_FILES = {"network.yaml", "firewall.yaml", "workstation.yaml", "pbx.yaml", "ups.yaml", "printer.yaml", "snmp.yaml"}

# Reference formats per framework (a malformed reference is a typo, not a citation).
REFERENCE_FORMATS = {
    "pci-dss-4.0": r"\d{1,2}(\.\d{1,2}){1,3}",
    "iso27001-2022": r"A\.[5-8]\.\d{1,2}",
    "nist-800-53-r5": r"[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?",
    "cis-v8": r"\d{1,2}\.\d{1,2}",
    "cis-cisco-ios-17": r"\d+(\.\d+)+",
}


@pytest.fixture(scope="module")
def library():
    return load_policies(None)


@pytest.fixture(scope="module")
def library_results(library):
    return run_check(load_facts(LIBRARY), library)


def test_library_size_and_files(library):
    assert len(library.controls) >= 60
    assert {Path(c.source_file).name for c in library.controls} <= CLASS_FILES
    kinds = {k for c in library.controls for k in c.applies_to.get("kinds", [])}
    assert {"workstation", "server", "router", "switch", "firewall", "pbx", "ups", "printer"} <= kinds


def test_every_control_is_complete(library):
    for c in library.controls:
        assert c.title and c.severity, c.id
        assert c.remediation.strip(), f"{c.id}: no remediation"
        assert c.mitigates, f"{c.id}: mitigates no risk"
        assert c.frameworks, f"{c.id}: no framework reference"
        assert c.applies_to.get("kinds"), f"{c.id}: applies to every kind"


def test_framework_references_are_well_formed(library):
    for c in library.controls:
        for framework, refs in c.frameworks.items():
            assert framework in REFERENCE_FORMATS, f"{c.id}: unknown framework {framework}"
            for ref in refs:
                assert re.fullmatch(REFERENCE_FORMATS[framework], ref), f"{c.id}: {framework} {ref!r}"


def test_every_control_passes_somewhere_and_fails_somewhere(library, library_results):
    seen = defaultdict(set)
    for f in library_results["findings"]:
        seen[f["control_id"]].add(f["status"])
    missing = {c.id: sorted(seen[c.id]) for c in library.controls if not {"pass", "fail"} <= seen[c.id]}
    assert not missing, f"controls without both a passing and a failing fixture: {missing}"


def test_good_fixtures_pass_and_bad_fixtures_fail(library_results):
    """*-good.json is compliant with every applicable control, *-bad.json with none:
    the fixture says what it means, so a control that flips is caught."""
    wrong = []
    for f in library_results["findings"]:
        expected = "pass" if f["asset_id"].endswith("-good") else "fail"
        if f["status"] != expected:
            wrong.append((f["asset_id"], f["control_id"], f["status"], f["message"]))
    assert not wrong
    assert library_results["summary"]["by_status"]["error"] == 0


def _documented_facts() -> set[str]:
    names: set[str] = set()
    section = None
    for line in (REPO / "docs" / "facts-model.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"## `(\w+)`", line)
        if m:
            section = m.group(1)
            continue
        if section and line.startswith("| `"):
            first = line.split(" | ")[0].lstrip("| ")
            prev = None
            for name in re.findall(r"`([^`]+)`", first):
                if name.startswith(".") and prev:  # `a.b` / `.c` means a.c
                    name = prev.rsplit(".", 1)[0] + name
                prev = name
                names.add(f"{section}.{name.replace('[]', '')}")
    return names


def _walk(node: dict, base: tuple) -> tuple[tuple | None, list[tuple]]:
    """(the path a JMESPath expression yields, other paths it reads), relative to ``base``."""
    kind, children = node["type"], node.get("children", [])
    if kind == "field":
        return base + (node["value"],), []
    if kind == "subexpression":
        current, extra = base, []
        for child in children:
            current, e = _walk(child, current)
            extra += e
        return current, extra
    if kind in ("index_expression", "flatten"):
        return _walk(children[0], base)
    if kind in ("projection", "filter_projection"):
        left, extra = _walk(children[0], base)
        right, e = _walk(children[1], left)
        extra += e
        if kind == "filter_projection":
            r, e = _walk(children[2], left)
            extra += e + ([r] if r and r != left else [])
        return right, extra
    if kind in ("identity", "current"):
        return base, []
    extra = []
    for child in children:  # functions, comparators, and/or/not: paths read, no path yielded
        r, e = _walk(child, base)
        extra += e + ([r] if r and r != base else [])
    return None, extra


def _leaf_paths(condition: dict, base: tuple = ()) -> list[tuple]:
    if "fact" in condition:
        r, extra = _walk(jmespath.compile(condition["fact"]).parsed, base)
        return [p for p in [r, *extra] if p]
    if "each" in condition:
        r, extra = _walk(jmespath.compile(condition["each"]["over"]).parsed, base)
        return [p for p in [r, *extra] if p] + _leaf_paths(condition["each"]["require"], r)
    if "not" in condition:
        return _leaf_paths(condition["not"], base)
    return [p for sub in condition.get("all", []) + condition.get("any", []) for p in _leaf_paths(sub, base)]


def test_policies_read_only_facts_of_the_facts_model(library):
    documented = _documented_facts()
    assert "network.lines.transport_input" in documented and "network.management_access.http" in documented
    # Documented names whose members are not listed one by one (``sshd`` settings, the
    # objects of ``snmp.communities``...) accept any member below them.
    opaque = {d for d in documented if not any(o.startswith(d + ".") for o in documented)}
    undocumented = []
    for c in library.controls:
        for path in _leaf_paths(c.raw_check):
            dotted = ".".join(path)
            if dotted not in documented and not any(dotted.startswith(o + ".") for o in opaque):
                undocumented.append((c.id, dotted))
    assert not undocumented, f"fact names not in docs/facts-model.md: {undocumented}"


def test_controls_doc_is_up_to_date():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_controls_doc.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
