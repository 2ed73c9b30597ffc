"""``controlcheck risks | cai | treatment-plan`` on real check output and on hand-made results."""

from __future__ import annotations

import json

from clihelp import run_cli
from helpers import FIXTURES
from risk_helpers import write


def test_risks_text_and_json(tmp_path):
    reg, res = write(tmp_path)
    code, out, err = run_cli("risks", "--results", str(res), "--risks", str(reg))
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("RISK-A-01"))
    assert row.split() == ["RISK-A-01", "IT", "4x5=20", "Critical", "36.8%", "14.1", "High", "2/2/1/1"]
    assert "inherent only: no device evidence" in next(line for line in out.splitlines() if line.startswith("RISK-D-01"))
    code, out, _ = run_cli("risks", "--results", str(res), "--risks", str(reg), "--format", "json")
    data = json.loads(out)
    assert {r["id"]: r["residual_rating"] for r in data["risks"]}["RISK-G-01"] == "Critical"
    assert data["config"]["weights"]["critical"] == 10


def test_cai_overall_and_by(tmp_path):
    reg, res = write(tmp_path)
    code, out, err = run_cli("cai", "--results", str(res), "--risks", str(reg), "--by", "site")
    assert code == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line and not line.startswith("-")}
    assert rows["overall"][1] == "37.1" and rows["HQ"][1] == "50.0" and rows["BR"][1] == "0.0"
    assert rows["(unassigned)"][1] == "n/a"
    assert "failing findings by severity: critical 0, high 1, medium 1, low 0, info 1" in out
    code, out, _ = run_cli("cai", "--results", str(res), "--risks", str(reg), "--by", "framework", "--format", "json")
    data = json.loads(out)
    assert data["overall"]["value"] == 37.1
    assert data["by"]["framework"]["pci-dss-4.0"]["value"] == 42.9


def test_treatment_plan_writes_one_file_per_department(tmp_path):
    reg, res = write(tmp_path)
    out_dir = tmp_path / "plans"
    code, out, err = run_cli("treatment-plan", "--results", str(res), "--risks", str(reg), "-o", str(out_dir))
    assert code == 0, err
    # every department owning an assessed risk gets its document (HR: none at High or above)
    assert sorted(p.name for p in out_dir.iterdir()) == ["treatment-facilities.md", "treatment-hr.md",
                                                         "treatment-it.md"]
    assert "IT: 2 risk(s) at High or above" in out and "HR: 0 risk(s)" in out
    code, out, _ = run_cli("treatment-plan", "--results", str(res), "--risks", str(reg), "-o", str(out_dir),
                           "--department", "IT", "--threshold", "Critical", "--format", "json")
    assert json.loads(out)["requests"]["IT"]["risks"] == ["RISK-G-01"]


def test_bad_results_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "results.json"
    for content, message in (("{not json", "not valid JSON"), ('{"findings": 3}', "not a results document"),
                             ('{"assets": [], "findings": [{"asset_id": 1}]}', "finding #1"),
                             ('{"assets": [], "findings": [{"asset_id": "a", "control_id": "C-1", "status": "ok", '
                              '"severity": "high"}]}', "status 'ok'")):
        bad.write_text(content, encoding="utf-8")
        code, out, err = run_cli("cai", "--results", str(bad))
        assert code == 2 and out == ""
        assert err.startswith(f"controlcheck: error: {bad}") and message in err and err.count("\n") == 1
    code, _, err = run_cli("risks", "--results", str(tmp_path / "missing.json"))
    assert code == 2 and "file not found" in err


def test_end_to_end_on_the_example_facts(tmp_path):
    """check -> risks / cai / treatment-plan with the built-in library and register."""
    res = tmp_path / "results.json"
    code, _, err = run_cli("check", "--facts", str(FIXTURES / "facts"), "--format", "json", "-o", str(res))
    assert code in (0, 1), err
    results = json.loads(res.read_text())
    code, out, err = run_cli("risks", "--results", str(res), "--format", "json")
    assert code == 0, err
    risks = {r["id"]: r for r in json.loads(out)["risks"]}
    # recompute one risk from the findings with the documented method
    w = {"info": 0, "low": 1, "medium": 3, "high": 6, "critical": 10}
    net = risks["RISK-NET-01"]
    kinds = {a["id"]: a["kind"] for a in results["assets"]}
    counted = [f for f in results["findings"] if f["control_id"] in net["controls"]
               and kinds[f["asset_id"]] in net["kinds"] and f["status"] in ("pass", "fail", "error")]
    assert counted
    eff = sum(w[f["severity"]] for f in counted if f["status"] == "pass") / sum(w[f["severity"]] for f in counted)
    assert net["effectiveness"] == round(eff, 4)
    assert net["residual_score"] == round(net["inherent_score"] * (1 - 0.8 * eff), 1)
    # a class with no assets in these fixtures is not assessed: no rating, listed apart
    apart = {r["id"]: r for r in json.loads(out)["not_assessed"]}
    assert "RISK-PWR-01" not in risks and "RISK-PWR-04" not in risks
    assert apart["RISK-PWR-01"]["reason"] == "not assessed: no asset of class ups in this audit"
    code, out, err = run_cli("treatment-plan", "--results", str(res), "-o", str(tmp_path / "tp"))
    assert code == 0, err
    assert (tmp_path / "tp" / "treatment-it.md").read_text().startswith("# Risk treatment requests — IT")


def test_every_automated_risk_has_evidence_on_the_library_fixtures(tmp_path):
    """fixtures/library holds a compliant and a non-compliant asset of every kind the
    register names (but mobile): each automated risk gets evidence, each other risk says so."""
    res = tmp_path / "results.json"
    code, _, err = run_cli("check", "--facts", str(FIXTURES / "library"), "--format", "json", "-o", str(res))
    assert code == 1, err
    code, out, err = run_cli("risks", "--results", str(res), "--format", "json")
    assert code == 0, err
    for r in json.loads(out)["risks"]:
        expected = "evidence" if r["automated_evidence"] else "no-automated-evidence"
        assert r["evidence_status"] == expected, r["id"]
        if r["automated_evidence"]:
            # each kind has a passing and a failing fixture, so every automated risk sees both
            assert r["counts"]["pass"] > 0 and r["counts"]["fail"] > 0, r["id"]
            assert r["residual_score"] == round(r["inherent_score"] * (1 - 0.8 * r["effectiveness"]), 1)
        else:
            assert r["residual_score"] == r["inherent_score"]


def test_bad_threshold_or_department_exit_2(tmp_path):
    reg, res = write(tmp_path)
    code, _, err = run_cli("treatment-plan", "--results", str(res), "--risks", str(reg), "-o", str(tmp_path / "o"),
                           "--threshold", "Severe")
    assert code == 2 and "'Severe' is not a rating of the legend (Low, Medium, High, Critical)" in err
    assert err.count("\n") == 1
    code, _, err = run_cli("treatment-plan", "--results", str(res), "-o", str(tmp_path / "o"), "--department", "Sales")
    assert code == 2 and "Sales" in err
