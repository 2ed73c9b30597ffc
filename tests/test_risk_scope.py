"""Risks are scoped to what was assessed: a one-kind audit rates only that kind's risks."""

from __future__ import annotations

from conftest import FIXTURES

from controlcheck.checks import load_facts, load_policies, run_check
from controlcheck.reports import ReportInput, get_format
from controlcheck.risk import assess, load_register, treatment_plans


def test_a_one_server_audit_assesses_only_server_risks():
    policies = load_policies()
    results = run_check(load_facts(FIXTURES / "library" / "lnx-srv-good.json"), policies)
    assert {a["kind"] for a in results["assets"]} == {"server"}
    register = load_register()
    assessment = assess(results, register, policies)
    assessed = {r["id"] for r in assessment["risks"]}
    server_risks = {r["id"] for r in register["risks"] if "server" in r["kinds"]}
    assert assessed == server_risks and assessed
    assert all("server" in r["kinds"] for r in assessment["risks"])
    apart = {r["id"]: r["reason"] for r in assessment["not_assessed"]}
    assert set(apart) == {r["id"] for r in register["risks"]} - server_risks
    assert apart["RISK-TEL-01"] == "not assessed: no asset of class pbx in this audit"   # no more Critical toll fraud
    assert sum(assessment["summary"]["by_residual_rating"].values()) == len(server_risks)
    # treatment requests only name assessed risks
    plans = treatment_plans(assessment)
    assert set(plans) == {r["owner"] for r in assessment["risks"]}
    assert not any(rid in text for text in plans.values() for rid in apart)
    # the HTML report lists them apart, without a rating
    html = get_format("html").render(ReportInput(results, assessment))
    table = html.split('id="risk-table"')[1].split("</table>")[0]
    assert "RISK-TEL-01" not in table
    apart_html = html.split('id="not-assessed"')[1].split("</section>")[0]
    assert "RISK-TEL-01" in apart_html and "no asset of class pbx in this audit" in apart_html
