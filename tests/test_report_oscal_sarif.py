"""OSCAL assessment-results against the official NIST schema, SARIF against the 2.1.0 schema."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import regex
from jsonschema import Draft4Validator, Draft7Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from helpers import CORPUS
from controlcheck.reports import ReportInput, get_format
from controlcheck.reports._shared import sorted_findings
from controlcheck.reports.oscal import build_oscal
from report_helpers import HOSTILE, check_dir, facts_with_evidence, library

OSCAL_SCHEMA = CORPUS / "schemas/oscal-1.1.3/oscal_assessment-results_schema.json"
SARIF_SCHEMA = CORPUS / "schemas/sarif-schema-2.1.0.json"


def _pattern(validator, pattern, instance, schema):
    """JSON Schema ``pattern`` with the ``regex`` package: the OSCAL schema's patterns use
    Unicode classes (``\\p{L}``, ``\\p{N}``) that Python's ``re`` rejects."""
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = validators.extend(Draft7Validator, {"pattern": _pattern})


def _oscal_errors(doc: dict) -> list[str]:
    schema = json.loads(OSCAL_SCHEMA.read_text())
    validator = OscalValidator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def test_the_schema_needs_unicode_classes():
    # why the regex-backed pattern keyword: stdlib re cannot compile the schema's token pattern
    schema = json.loads(OSCAL_SCHEMA.read_text())
    token = schema["definitions"]["TokenDatatype"]["pattern"]
    assert r"\p{L}" in token
    with pytest.raises(re.error):
        re.compile(token)
    assert regex.search(token, "NET-SSH-001") and not regex.search(token, "1-bad token")
    with pytest.raises(ValidationError):   # the custom keyword does reject what the schema rejects
        OscalValidator({"pattern": token}).validate("not a token")


def test_oscal_validates_and_links_evidence(tmp_path):
    results, assessment = check_dir(facts_with_evidence(tmp_path / "facts", hostile=True))
    data = ReportInput(results, assessment)
    text = get_format("oscal").render(data)
    doc = json.loads(text)
    assert _oscal_errors(doc) == []
    ar = doc["assessment-results"]
    assert ar["metadata"]["oscal-version"] == "1.1.3"
    result = ar["results"][0]
    listed = [f for f in results["findings"] if f["status"] != "skip"]
    assert len(result["observations"]) == len(listed)
    assert len(result["risks"]) == len(assessment["risks"])
    assert {f["target"]["target-id"] for f in result["findings"]} == {f["control_id"] for f in listed}
    # evidence: relevant-evidence with sha256 props, pointing at back-matter resources whose rlinks hash the file
    obs = next(o for o in result["observations"] if {"name": "asset-id", "ns": "urn:controlcheck:oscal",
                                                      "value": "fw-bad"} in o["props"])
    ev = obs["relevant-evidence"][0]
    sha = next(p["value"] for p in ev["props"] if p["name"] == "sha256")
    resource = next(r for r in ar["back-matter"]["resources"] if f"#{r['uuid']}" == ev["href"])
    assert resource["rlinks"][0]["hashes"] == [{"algorithm": "SHA-256", "value": sha}]
    assert resource["rlinks"][0]["href"].startswith("evidence/fw-bad/")
    fw = next(f for f in result["findings"] if f["target"]["target-id"] == "FW-MGMT-001")
    assert fw["target"]["status"] == {"state": "not-satisfied", "reason": "fail"}
    assert fw["related-risks"]
    # device strings are data, and the document is the same every time (uuid5)
    assert HOSTILE in text
    assert get_format("oscal").render(data) == text
    # the observations, written as text and spliced in, make the same text as the whole document
    assert text == json.dumps(build_oscal(results, assessment), ensure_ascii=False, separators=(",", ":")) + "\n"
    listed[0]["waiver"] = {"expires": "2027-01-31", "approver": "Ops «lead»", "justification": 'a "quoted"\nreason\x07'}
    listed[1]["message"] = "non-ASCII ✓, a line separator \u2028 and a NUL \x00"
    with_lines = next(f for f in listed if f.get("evidence"))
    with_lines["evidence"][0]["lines"] = [f"  line {i}\t<x>  " for i in range(25)]
    with_lines["evidence"][0]["id"] = 7                          # not a string: its text
    text = get_format("oscal").render(ReportInput(results, assessment))
    assert text == json.dumps(build_oscal(results, assessment), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert "Waived until 2027-01-31 by Ops «lead»" in text
    run_base = uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:controlcheck:oscal"), results["run"]["id"])
    assert ar["uuid"] == str(uuid.uuid5(run_base, "assessment-results"))
    asset_id, control_id = listed[0]["asset_id"], listed[0]["control_id"]
    assert str(uuid.uuid5(run_base, f"observation\x1f{asset_id}\x1f{control_id}")) in {
        o["uuid"] for o in result["observations"]}
    assert {uuid.UUID(u).version for u in re.findall(r'"uuid": ?"([0-9a-f-]{36})"', text)} == {5}


def test_oscal_without_assessment_validates():
    results, _ = library()
    doc = json.loads(get_format("oscal").render(ReportInput(results)))
    assert _oscal_errors(doc) == []
    assert "risks" not in doc["assessment-results"]["results"][0]


def test_sarif_validates_one_rule_per_control_one_result_per_failure():
    results, assessment = library()
    results["findings"][1]["status"] = "error"
    doc = json.loads(get_format("sarif").render(ReportInput(results, assessment)))
    schema = json.loads(SARIF_SCHEMA.read_text())
    errors = list(Draft4Validator(schema).iter_errors(doc))
    assert errors == [], errors[:3]
    run = doc["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == len(results["controls"])
    failing = [f for f in results["findings"] if f["status"] in ("fail", "error")]
    assert len(run["results"]) == len(failing)
    kinds = {r["kind"] for r in run["results"]}
    assert kinds == {"fail", "open"}
    assert all(r["level"] == "none" for r in run["results"] if r["kind"] == "open")
    first = run["results"][0]
    assert first["locations"][0]["logicalLocations"][0]["name"] == failing_first(results)
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def failing_first(results: dict) -> str:
    """The asset of the worst failing finding (reports list failures worst first)."""
    return next(f["asset_id"] for f in sorted_findings(results) if f["status"] in ("fail", "error"))
