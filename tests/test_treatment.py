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


def body(markdown: str) -> str:
    """What a department head reads: everything before the appendix for IT."""
    return markdown.split("## Appendix: Technical detail for IT")[0]


def test_departments_and_risks_at_or_above_high(assessment):
    # residuals (test_risk_scoring): A 14.1 High (IT), B 0.8 Low (HR), C 12 High (Facilities),
    # D 10 High (Facilities, no automated evidence), E 1.8 Low (IT), F 6 Medium (Facilities), G 25 Critical (IT)
    plans = treatment_plans(assessment, today=TODAY)
    # every department that owns an assessed risk gets its document; HR's says nothing is requested
    assert list(plans) == ["IT", "Facilities", "HR"]
    assert "No treatment is requested" in plans["HR"] and "RISK-B-01" in plans["HR"]
    assert [r["id"] for r in requests_for(assessment, "High", "IT")] == ["RISK-G-01", "RISK-A-01"]
    assert [r["id"] for r in requests_for(assessment, "High", "Facilities")] == ["RISK-C-01", "RISK-D-01"]
    it = plans["IT"]
    assert it.index("(RISK-G-01)") < it.index("(RISK-A-01)")  # highest residual first
    # below the threshold: listed for information, not requested
    assert "## 2. Router takeover (RISK-A-01)" in it
    assert "- title of E (RISK-E-01): Low" not in it or "For information" in it
    assert "(RISK-E-01): Low" in it.split("For information")[1]


def test_priority_and_target_date_follow_the_rating(assessment):
    it = treatment_plans(assessment, today=TODAY)["IT"]
    g, a = section(body(it), "RISK-G-01"), section(body(it), "RISK-A-01")
    assert "**Priority:** P1 — act immediately. **Reply by:** 2026-12-06 (14 days" in g   # Critical: 14 days
    assert "**Priority:** P2 — act this month. **Reply by:** 2026-12-22 (30 days" in a   # High: 30 days
    assert "Before any control the risk is Critical; with the controls as the audit found them it is High." in a
    appendix = it.split("## Appendix: Technical detail for IT")[1]
    assert "| Inherent (likelihood 4 x impact 5) | 20 | Critical |" in appendix
    assert "| Effectiveness of the current controls | 37 % | |" in appendix
    assert "| Residual | 14.1 | High |" in appendix


def test_request_says_what_where_why_what_is_asked_by_when_and_who_confirms(assessment):
    it = treatment_plans(assessment, today=TODAY)["IT"]
    a = section(body(it), "RISK-A-01")
    for heading in ("**What was found.**", "**Where.**", "**Why it matters.**", "**What we ask.**", "**By when.**",
                    "**Who confirms.**"):
        assert heading in a
    assert '- The check "title of C-HIGH-1" did not pass on 1 device (r2; site BR).' in a
    assert ('- The check "title of C-MED-1" did not pass on 1 device and could not be verified on 1 device '
            '(r1 and r2; sites HQ and BR).') in a
    assert "This risk concerns the router equipment in this audit: 2 devices at BR and HQ." in a
    assert "Weakness: weak management plane." in a
    assert '1. Have "title of C-HIGH-1" put right on r2.' in a
    assert "The head of IT replies" in a


def test_the_body_holds_no_fact_path_message_command_or_formula(assessment):
    """Device sentences (with fact paths), commands and the formula go to the appendix."""
    it = treatment_plans(assessment, today=TODAY)["IT"]
    front, appendix = it.split("## Appendix: Technical detail for IT")
    for technical in (PIPE_MESSAGE, "transport input ssh", "exec-timeout 10 0", "reduction", "x (1 -", "C-HIGH-1 ("):
        assert technical not in front
    # ... and the appendix keeps them, the device sentence's pipe escaped inside the table
    assert PIPE_MESSAGE.replace("|", "\\|") in appendix
    assert "| C-MED-1 | medium | r2 | could not be verified |" in appendix
    assert "- C-HIGH-1 (high) on r2: `transport input ssh`" in appendix
    assert "- C-MED-1 (medium) on r1, r2: `exec-timeout 10 0`" in appendix


def test_no_evidence_risks_say_so(assessment):
    fac = body(treatment_plans(assessment, today=TODAY)["Facilities"])
    c, d = section(fac, "RISK-C-01"), section(fac, "RISK-D-01")
    assert "None of the checks for this risk could be applied" in c
    assert "is listed in the audit inventory" in c
    assert "No automatic check can show whether this risk is under control" in d


def test_threshold_and_department(assessment):
    critical = treatment_plans(assessment, threshold="Critical", today=TODAY)
    assert [d for d, text in critical.items() if "No treatment is requested" not in text] == ["IT"]
    low = treatment_plans(assessment, threshold="Low", today=TODAY)
    assert all("No treatment is requested" not in text for text in low.values())
    hr = treatment_plans(assessment, department="HR", today=TODAY)
    assert list(hr) == ["HR"] and "No treatment is requested" in hr["HR"]
    with pytest.raises(InputError, match="not a rating of the legend"):
        treatment_plans(assessment, threshold="Severe", today=TODAY)


def test_a_risk_not_assessed_gets_no_request(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text(REGISTER_YAML, encoding="utf-8")
    doc = results()
    doc["assets"] = [a for a in doc["assets"] if a["kind"] != "ups"]
    plans = treatment_plans(assess(doc, load_register(path, known_controls=CONTROL_IDS)), today=TODAY)
    assert "Facilities" in plans              # still owns the printer risk F, assessed
    assert "RISK-C-01" not in plans["Facilities"] and "RISK-D-01" not in plans["Facilities"]


def test_target_days_are_configurable(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text("method:\n  target_days: {Critical: 3}\n" + REGISTER_YAML, encoding="utf-8")
    out = assess(results(), load_register(path, known_controls=CONTROL_IDS))
    g = section(treatment_plans(out, today=TODAY)["IT"], "RISK-G-01")
    assert "**Reply by:** 2026-11-25 (3 days" in g


def test_a_large_fleet_stays_readable(tmp_path):
    from risk_helpers import finding

    from controlcheck.risk.treatment import MAX_ROWS_PER_CONTROL

    many = [finding(f"r{i:03d}", "C-HIGH-1", "fail") for i in range(MAX_ROWS_PER_CONTROL + 5)]
    doc = results(many)
    doc["assets"] = [{"id": f"r{i:03d}", "kind": "router", "owner": "IT"} for i in range(MAX_ROWS_PER_CONTROL + 5)]
    path = tmp_path / "register.yaml"
    path.write_text(REGISTER_YAML, encoding="utf-8")
    a = treatment_plans(assess(doc, load_register(path, known_controls=CONTROL_IDS)), today=TODAY)["IT"]
    assert a.count("| C-HIGH-1 | high |") == MAX_ROWS_PER_CONTROL
    assert "C-HIGH-1: 5 more assets with the same result" in a
    assert "r007 and 7 more." in a      # the body names a few assets, then a count
