"""Treatment-plan requests: who gets which risk, with which priority and target date."""

from __future__ import annotations

import datetime as dt

import pytest
from risk_helpers import CONTROL_IDS, PIPE_MESSAGE, REGISTER_YAML, results

from controlcheck.errors import InputError
from controlcheck.risk import assess, load_register, treatment_plans
from controlcheck.risk.treatment import requests_for

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def assessment(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text(REGISTER_YAML, encoding="utf-8")
    return assess(results(), load_register(path, known_controls=CONTROL_IDS))


def section(markdown: str, risk_id: str) -> str:
    start = markdown.index(f"({risk_id})")
    end = markdown.find("\n## ", start)
    return markdown[start:end if end != -1 else None]


def test_departments_and_risks_at_or_above_high(assessment):
    # residuals (test_risk_scoring): A 14.1 High (IT), B 0.8 Low (HR), C 12 High (Facilities),
    # D 10 High (Facilities, no automated evidence), E 1.8 Low (IT), F 6 Medium (Facilities), G 25 Critical (IT)
    plans = treatment_plans(assessment, today=TODAY)
    assert list(plans) == ["IT", "Facilities"]
    assert [r["id"] for r in requests_for(assessment, "High", "IT")] == ["RISK-G-01", "RISK-A-01"]
    assert [r["id"] for r in requests_for(assessment, "High", "Facilities")] == ["RISK-C-01", "RISK-D-01"]
    it = plans["IT"]
    assert it.index("(RISK-G-01)") < it.index("(RISK-A-01)")  # highest residual first
    assert "RISK-E-01" not in it and "RISK-B-01" not in plans["Facilities"]


def test_priority_and_target_date_follow_the_rating(assessment):
    it = treatment_plans(assessment, today=TODAY)["IT"]
    g, a = section(it, "RISK-G-01"), section(it, "RISK-A-01")
    assert "**Priority:** P1" in g and "**Target date:** 2026-12-06 (14 days" in g   # Critical: 14 days
    assert "**Priority:** P2" in a and "**Target date:** 2026-12-22 (30 days" in a   # High: 30 days
    assert "| Inherent risk (likelihood 4 x impact 5) | 20 | Critical |" in a
    assert "| Effectiveness of the current controls | 37 % | |" in a
    assert "| 14.1 | High |" in a


def test_request_names_failing_controls_assets_evidence_and_actions(assessment):
    a = section(treatment_plans(assessment, today=TODAY)["IT"], "RISK-A-01")
    assert "**Subject:** Request to treat the risk \"Router takeover\" — residual risk High" in a
    assert "- **Weakness:** Weak management plane" in a
    # the device-supplied sentence keeps its pipe escaped inside the table
    assert PIPE_MESSAGE.replace("|", "\\|") in a
    assert "| C-MED-1 | medium | r2 | could not be verified |" in a
    assert "1. title of C-HIGH-1 (C-HIGH-1, high) on r2: `transport input ssh`" in a
    assert "2. title of C-MED-1 (C-MED-1, medium) on r1, r2: `exec-timeout 10 0`" in a


def test_no_evidence_risks_say_so(assessment):
    fac = treatment_plans(assessment, today=TODAY)["Facilities"]
    c, d = section(fac, "RISK-C-01"), section(fac, "RISK-D-01")
    assert "| Effectiveness of the current controls | no evidence | |" in c
    assert "is in the audit inventory" in c
    assert "No collector can evidence this risk" in d


def test_threshold_and_department(assessment):
    assert list(treatment_plans(assessment, threshold="Critical", today=TODAY)) == ["IT"]
    assert set(treatment_plans(assessment, threshold="Low", today=TODAY)) == {"IT", "HR", "Facilities"}
    hr = treatment_plans(assessment, department="HR", today=TODAY)
    assert list(hr) == ["HR"] and "No treatment is requested" in hr["HR"]
    with pytest.raises(InputError, match="not a rating of the legend"):
        treatment_plans(assessment, threshold="Severe", today=TODAY)


def test_target_days_are_configurable(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text("method:\n  target_days: {Critical: 3}\n" + REGISTER_YAML, encoding="utf-8")
    out = assess(results(), load_register(path, known_controls=CONTROL_IDS))
    g = section(treatment_plans(out, today=TODAY)["IT"], "RISK-G-01")
    assert "**Target date:** 2026-11-25 (3 days" in g


def test_a_large_fleet_stays_readable(tmp_path):
    from risk_helpers import finding

    from controlcheck.risk.treatment import MAX_ROWS_PER_CONTROL

    many = [finding(f"r{i:03d}", "C-HIGH-1", "fail") for i in range(MAX_ROWS_PER_CONTROL + 5)]
    doc = results(many)
    doc["assets"] = [{"id": f"r{i:03d}", "kind": "router", "owner": "IT"} for i in range(MAX_ROWS_PER_CONTROL + 5)]
    path = tmp_path / "register.yaml"
    path.write_text(REGISTER_YAML, encoding="utf-8")
    a = section(treatment_plans(assess(doc, load_register(path, known_controls=CONTROL_IDS)), today=TODAY)["IT"],
                "RISK-A-01")
    assert a.count("| C-HIGH-1 | high |") == MAX_ROWS_PER_CONTROL
    assert "C-HIGH-1: 5 more assets with the same result" in a
    assert f"r{MAX_ROWS_PER_CONTROL - 1:03d} and 5 more: `transport input ssh`" in a
