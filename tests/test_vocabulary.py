"""Each word of the domain is defined once (controlcheck/vocabulary.py); the JSON Schemas,
which are static files, must repeat exactly the same enums."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from controlcheck import vocabulary as V
from controlcheck.checks.operators import OPERATORS, PHRASES
from controlcheck.outcome import EXIT_FAILING, EXIT_INCOMPLETE, EXIT_OK, exit_code_for, exit_code_for_results
from controlcheck.risk.scoring import default_config


def schema(name: str) -> dict:
    return json.loads(resources.files("controlcheck.schemas").joinpath(f"{name}.json").read_text())


def test_schemas_use_the_vocabulary():
    policy = schema("policy")
    text = json.dumps(policy)
    assert tuple(policy["$defs"]["leaf"]["properties"]["op"]["enum"]) == V.OPERATORS
    assert f'"severity": {{"enum": {json.dumps(list(V.SEVERITIES))}}}' in text
    assert f'"kind": {{"enum": {json.dumps(list(V.KINDS))}}}' in text
    assert tuple(schema("inventory")["$defs"]["kind"]["enum"]) == V.KINDS
    assert json.dumps(list(V.KINDS)) in json.dumps(schema("facts"))


def test_every_operator_is_implemented_and_phrased():
    # present/absent are decided by the condition engine itself (is the fact there at all)
    assert set(OPERATORS) | {"present", "absent"} == set(V.OPERATORS)
    assert set(PHRASES) == set(V.OPERATORS)


def test_default_weights_are_the_vocabulary_weights():
    assert default_config()["weights"] == V.SEVERITY_WEIGHTS
    assert list(V.SEVERITY_WEIGHTS) == list(V.SEVERITIES)


def test_utc_now_is_whole_seconds_in_utc():
    assert len(V.utc_now()) == len("2026-01-02T03:04:05Z") and V.utc_now().endswith("Z")


def finding(status, severity="medium", **extra):
    return {"status": status, "severity": severity, **extra}


@pytest.mark.parametrize("findings, fail_on, incomplete, code", [
    ([finding("pass"), finding("waived", "critical")], "low", False, EXIT_OK),
    ([finding("fail", "low")], "low", False, EXIT_FAILING),
    ([finding("fail", "low")], "medium", False, EXIT_OK),
    ([finding("error", "high", error_kind="missing-fact")], "high", False, EXIT_FAILING),
    # not collected: the asset is incomplete (3), not a failing control (1)
    ([finding("error", "critical", error_kind="not-collected")], "low", True, EXIT_INCOMPLETE),
    ([finding("fail", "info")], "info", True, EXIT_FAILING),
])
def test_the_exit_rule(findings, fail_on, incomplete, code):
    assert exit_code_for(findings, fail_on, incomplete) == code


def test_parsed_facts_reads_as_the_parsed_mapping_every_parser_returns():
    class Line:   # a config object as ciscoconfparse2 gives it
        def __init__(self, text, linenum):
            self.text, self.linenum = text, linenum
    facts = V.ParsedFacts({"host.os.family": ("linux", [])})
    facts.set("network.ssh.version", 2, [Line("ip ssh version 2 ", 41)])
    facts["host.audit.rules"] = (3, ["-w /etc/passwd"])
    facts["never.set"] = (None, ["x"])    # undetermined stays absent
    assert dict(facts.items()) == {"host.os.family": ("linux", []), "network.ssh.version": (2, ["ip ssh version 2"]),
                                   "host.audit.rules": (3, ["-w /etc/passwd"])}
    assert facts.line_numbers == {"network.ssh.version": [42]}
    assert facts.values["network.ssh.version"] == 2 and "never.set" not in facts


def test_the_exit_rule_of_a_results_document():
    results = {"findings": [finding("pass")], "summary": {"incomplete_assets": [], "unrecognised_files": ["x.cfg"]}}
    assert exit_code_for_results(results, "low") == EXIT_INCOMPLETE
    results["summary"]["unrecognised_files"] = []
    assert exit_code_for_results(results, "low") == EXIT_OK
