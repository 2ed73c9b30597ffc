"""Inherent score, effectiveness and residual risk, worked out by hand."""

from __future__ import annotations

import pytest
from risk_helpers import CONTROL_IDS, REGISTER_YAML, finding, results

from controlcheck.errors import InputError
from controlcheck.risk import assess, default_config, load_register
from controlcheck.risk.scoring import rating_for


@pytest.fixture
def register(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text(REGISTER_YAML, encoding="utf-8")
    return load_register(path, known_controls=CONTROL_IDS)


def by_id(assessment: dict) -> dict:
    return {r["id"]: r for r in assessment["risks"]}


def test_effectiveness_and_residual_by_hand(register):
    risks = by_id(assess(results(), register))
    a = risks["RISK-A-01"]
    # inherent 4 x 5 = 20 -> Critical (17..25)
    assert (a["inherent_score"], a["inherent_rating"]) == (20, "Critical")
    # routers r1, r2 only (w1 is a workstation). weights high 6, medium 3, low 1.
    # r1: high pass 6, medium fail 3, low pass 1 ; r2: high fail 6, medium error 3, low waived (excluded)
    # effectiveness = (6 + 1) / (6 + 3 + 1 + 6 + 3) = 7 / 19 = 0.368421
    assert a["effectiveness"] == pytest.approx(7 / 19, abs=1e-4)
    # residual = 20 x (1 - 0.8 x 7/19) = 20 x 0.705263 = 14.105 -> 14.1 -> High (10..16)
    assert a["residual_score"] == 14.1
    assert a["residual_rating"] == "High"
    assert a["residual_likelihood"] == 2.82  # 14.1 / impact 5, for plotting beside the inherent cell (4, 5)
    assert a["counts"] == {"pass": 2, "fail": 2, "error": 1, "waived": 1}
    assert a["evidence_status"] == "evidence"
    assert a["assets"] == ["r1", "r2"]
    # failing: highest severity first
    assert [(f["asset_id"], f["control_id"], f["status"]) for f in a["failing"]] == [
        ("r2", "C-HIGH-1", "fail"), ("r1", "C-MED-1", "fail"), ("r2", "C-MED-1", "error")]
    assert [(x["control_id"], x["assets"], x["remediation"]) for x in a["actions"]] == [
        ("C-HIGH-1", ["r2"], "transport input ssh"), ("C-MED-1", ["r1", "r2"], "exec-timeout 10 0")]


def test_full_effectiveness_keeps_a_fifth_and_low_scores_take_the_first_band(register):
    risks = by_id(assess(results(), register))
    b = risks["RISK-B-01"]
    # w1 high pass -> effectiveness 1; residual = 4 x (1 - 0.8) = 0.8, below Low's min 1 -> Low
    assert (b["effectiveness"], b["residual_score"], b["residual_rating"]) == (1.0, 0.8, "Low")
    e = risks["RISK-E-01"]
    # r1 low pass (w 1), r2 waived excluded -> 1/1; 9 x 0.2 = 1.8 -> Low; inherent 9 -> Medium
    assert (e["inherent_rating"], e["effectiveness"], e["residual_score"], e["residual_rating"]) == (
        "Medium", 1.0, 1.8, "Low")


def test_in_scope_assets_without_findings_are_rated_on_inherent_risk_only(register):
    # u1 is a UPS, but no control of RISK-C-01 gave a finding on it
    c = by_id(assess(results(), register))["RISK-C-01"]
    assert c["evidence_status"] == "no-evidence"
    assert c["effectiveness"] is None
    assert (c["inherent_score"], c["residual_score"], c["residual_rating"]) == (12, 12.0, "High")
    assert c["note"].startswith("Rated on inherent risk only, no device evidence")
    assert c["scope_assets"] == ["u1"] and c["sites"] == ["HQ"]


def test_a_risk_whose_classes_have_no_asset_is_not_assessed(register):
    doc = results()
    doc["assets"] = [a for a in doc["assets"] if a["kind"] != "ups"]
    out = assess(doc, register)
    assert {"RISK-C-01", "RISK-D-01"}.isdisjoint(by_id(out))        # no rating, no heat-map mark, no count
    apart = {r["id"]: r for r in out["not_assessed"]}
    assert set(apart) == {"RISK-C-01", "RISK-D-01"}
    assert apart["RISK-C-01"]["reason"] == "not assessed: no asset of class ups in this audit"
    assert sum(out["summary"]["by_residual_rating"].values()) == len(out["risks"]) == 5


def test_no_device_evidence_is_told_apart_from_controls_that_all_fail(register):
    doc = results([*results()["findings"]])
    for f in doc["findings"]:
        if f["control_id"] == "C-PBX-1":
            f["status"] = "fail"
    risks = by_id(assess(doc, register))
    g, d = risks["RISK-G-01"], risks["RISK-D-01"]
    assert (g["evidence_status"], g["effectiveness"]) == ("evidence", 0.0)   # controls exist and all fail
    assert (d["evidence_status"], d["effectiveness"]) == ("no-automated-evidence", None)
    assert d["note"].startswith("Rated on inherent risk only, no device evidence")


def test_risk_without_automated_evidence_is_never_counted_as_controlled(register):
    d = by_id(assess(results(), register))["RISK-D-01"]
    assert d["evidence_status"] == "no-automated-evidence"
    assert d["effectiveness"] is None
    assert (d["residual_score"], d["residual_rating"]) == (10.0, "High")


def test_all_waived_is_no_evidence(register):
    f = by_id(assess(results(), register))["RISK-F-01"]
    assert f["counts"]["waived"] == 1
    assert f["evidence_status"] == "no-evidence"
    assert (f["residual_score"], f["residual_rating"]) == (6.0, "Medium")
    assert "waived" in f["note"]
    assert f["assets"] == ["p1"]


def test_all_errors_are_not_effective(register):
    g = by_id(assess(results(), register))["RISK-G-01"]
    # pbx1 critical error: effectiveness 0 / 10 = 0 -> residual = inherent 25 (Critical), with evidence
    assert (g["evidence_status"], g["effectiveness"], g["residual_score"], g["residual_rating"]) == (
        "evidence", 0.0, 25.0, "Critical")


def test_no_applicable_controls_at_all(register):
    out = assess(results(findings=[], skip=12), register)
    assert all(r["evidence_status"] != "evidence" for r in out["risks"])
    assert all(r["residual_score"] == r["inherent_score"] for r in out["risks"])
    assert out["cai"]["overall"]["value"] is None
    assert out["cai"]["overall"]["skip"] == 12
    assert out["summary"]["no_evidence"] == [r["id"] for r in out["risks"]]


def test_info_only_findings_weigh_nothing(tmp_path):
    text = REGISTER_YAML.replace("controls: [C-LOW-1]", "controls: [C-INFO-1]")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    register = load_register(path, known_controls=CONTROL_IDS)
    e = by_id(assess(results([finding("r1", "C-INFO-1", "pass")]), register))["RISK-E-01"]
    assert e["counts"]["pass"] == 1
    assert e["evidence_status"] == "no-evidence"  # info weight 0: nothing weighed


def test_reduction_is_configurable(register):
    a = by_id(assess(results(), register, config={"reduction": 0.5}))["RISK-A-01"]
    # 20 x (1 - 0.5 x 7/19) = 20 x 0.815789 = 16.3158 -> 16.3 -> High
    assert a["residual_score"] == 16.3


def test_weights_are_configurable(register):
    a = by_id(assess(results(), register, config={"weights": {"high": 1, "medium": 1, "low": 1}}))["RISK-A-01"]
    # equal weights: passes 2 of 5 counted findings -> 0.4 ; 20 x (1 - 0.32) = 13.6
    assert a["effectiveness"] == 0.4
    assert a["residual_score"] == 13.6


def test_legend_from_the_register_file(tmp_path):
    method = """method:
  legend:
    - {rating: Acceptable, min: 1, max: 9, colour: "#00ff00"}
    - {rating: Unacceptable, min: 10, max: 25, colour: "#ff0000"}
  treatment_threshold: Unacceptable
  target_days: {Acceptable: 365, Unacceptable: 7}
"""
    path = tmp_path / "r.yaml"
    path.write_text(method + REGISTER_YAML, encoding="utf-8")
    register = load_register(path, known_controls=CONTROL_IDS)
    risks = by_id(assess(results(), register))
    assert risks["RISK-A-01"]["inherent_rating"] == "Unacceptable"
    assert risks["RISK-B-01"]["residual_rating"] == "Acceptable"


@pytest.mark.parametrize("method, message", [
    ('  legend:\n    - {rating: Low, min: 5, max: 9, colour: "#00ff00"}\n    - {rating: High, min: 1, max: 4, colour: "#ff0000"}\n'
     '  treatment_threshold: High\n  target_days: {Low: 9, High: 1}\n', "must ascend"),
    ("  treatment_threshold: Severe\n", "not a rating of the legend"),
    ('  legend:\n    - {rating: Bad, min: 1, max: 25, colour: "#ff0000"}\n  treatment_threshold: Bad\n',
     "no target for Bad"),
])
def test_inconsistent_method_is_an_input_error(tmp_path, method, message):
    path = tmp_path / "r.yaml"
    path.write_text("method:\n" + method + REGISTER_YAML, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_register(path, known_controls=CONTROL_IDS)


def test_rating_bands_at_their_edges():
    legend = default_config()["legend"]
    assert [rating_for(s, legend)["rating"] for s in (0, 1, 4, 4.9, 5, 9.9, 10, 16.9, 17, 25)] == [
        "Low", "Low", "Low", "Low", "Medium", "Medium", "High", "High", "Critical", "Critical"]


def test_assessment_is_json_serialisable(register):
    import json

    text = json.dumps(assess(results(), register))
    assert '"RISK-A-01"' in text
