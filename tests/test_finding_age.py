"""Finding age and time to remediate from the run history (docs/risk-method.md)."""

from __future__ import annotations

from controlcheck.risk.age import age_lines, duration_text, finding_ages


def _run(run_id: int, day: str, statuses: dict[tuple[str, str], str]) -> dict:
    return {"id": run_id, "started_at": f"2026-{day}T08:00:00Z",
            "findings": [{"asset_id": a, "control_id": c, "status": s, "severity": "high" if c == "C-1" else "low"}
                         for (a, c), s in statuses.items()],
            "assets": [{"id": "r1", "owner": "IT"}, {"id": "u1", "owner": "Facilities"}]}


RUNS = [
    _run(1, "01-01", {("r1", "C-1"): "fail", ("r1", "C-2"): "pass", ("u1", "C-2"): "fail"}),
    _run(2, "02-15", {("r1", "C-1"): "fail", ("r1", "C-2"): "fail", ("u1", "C-2"): "error"}),   # error: no news
    _run(3, "05-01", {("r1", "C-1"): "fail", ("r1", "C-2"): "pass", ("u1", "C-2"): "fail"}),
]


def test_age_counts_from_the_first_run_that_saw_the_finding_fail():
    ages = finding_ages(RUNS)
    failing = {(f["asset_id"], f["control_id"]): f for f in ages["failing"]}
    assert set(failing) == {("r1", "C-1"), ("u1", "C-2")}
    assert failing[("r1", "C-1")]["first_seen_run"] == 1
    assert failing[("r1", "C-1")]["age_days"] == 120            # 1 Jan -> 1 May
    assert failing[("u1", "C-2")]["age_days"] == 120            # the error in run 2 neither fixed nor reopened it


def test_time_to_remediate_and_the_key_risk_indicators():
    ages = finding_ages(RUNS)
    assert ages["fixed"] == [{"asset_id": "r1", "control_id": "C-2", "severity": "low", "first_seen_run": 2,
                              "first_seen": "2026-02-15T08:00:00Z", "fixed_run": 3, "days_to_fix": 75}]
    o = ages["overall"]
    assert (o["failing"], o["older_than_30"], o["older_than_90"], o["fixed"], o["median_days_to_fix"]) == (
        2, 2, 2, 1, 75)
    assert ages["by_owner"]["Facilities"]["failing"] == 1 and ages["by_owner"]["IT"]["fixed"] == 1
    assert list(ages["by_severity"]) == ["high", "low"]          # worst first
    assert "median time to remediate 75 days" in age_lines(ages)[0]


def test_runs_minutes_apart_read_sensibly_and_no_history_is_empty():
    assert duration_text(0.0006) == "1 min" and duration_text(0.5) == "12 h" and duration_text(None) == "n/a"
    assert finding_ages([])["failing"] == [] and age_lines(finding_ages([])) == []
