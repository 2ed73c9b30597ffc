"""Treatment-plan requests: one Markdown document per owner department, written for a
manager who has never seen the tool."""

from __future__ import annotations

import datetime as dt

from .scoring import rating_rank

DEPARTMENTS = ("IT", "Operations", "Facilities", "HR")
MAX_ROWS_PER_CONTROL = 10
_PRIORITY = ["P4 — plan within the normal cycle", "P3 — schedule this quarter", "P2 — act this month",
             "P1 — act immediately"]


def _cell(text: object) -> str:
    """Device-supplied text inside a Markdown table: no pipes or line breaks break the layout."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def _priority(rating: str, legend: list[dict]) -> str:
    # The top band is P1, the next P2 ... whatever the legend's names are.
    from_top = len(legend) - 1 - rating_rank(rating, legend)
    return _PRIORITY[::-1][min(from_top, len(_PRIORITY) - 1)]


def _pct(value: float | None) -> str:
    return "no evidence" if value is None else f"{round(100 * value)} %"


def requests_for(assessment: dict, threshold: str | None = None, department: str | None = None) -> list[dict]:
    """The risks whose residual rating is at or above ``threshold``, optionally for one department."""
    legend = assessment["config"]["legend"]
    threshold = threshold or assessment["config"]["treatment_threshold"]
    floor = rating_rank(threshold, legend)
    chosen = [r for r in assessment["risks"]
              if rating_rank(r["residual_rating"], legend) >= floor and (department is None or r["owner"] == department)]
    chosen.sort(key=lambda r: (-r["residual_score"], -r["inherent_score"], r["id"]))
    return chosen


def _risk_section(n: int, risk: dict, config: dict, today: dt.date) -> list[str]:
    legend = config["legend"]
    days = config["target_days"][risk["residual_rating"]]
    target = today + dt.timedelta(days=days)
    out = [
        f"## {n}. {risk['title']} ({risk['id']})",
        "",
        f"**Subject:** Request to treat the risk \"{risk['title']}\" — residual risk {risk['residual_rating']}",
        "",
        f"**Priority:** {_priority(risk['residual_rating'], legend)}  ",
        f"**Target date:** {target.isoformat()} ({days} days from this request)",
        "",
        f"- **Who or what could cause it:** {risk['risk_source']}",
        f"- **Weakness:** {risk['vulnerability']}",
        f"- **What could happen:** {risk['threat']}",
        f"- **Why it is rated so:** {risk['rationale']}",
        "",
        "| Measure | Value | Rating |",
        "|---|---|---|",
        f"| Inherent risk (likelihood {risk['likelihood']} x impact {risk['impact']}) | {risk['inherent_score']} "
        f"| {risk['inherent_rating']} |",
        f"| Effectiveness of the current controls | {_pct(risk['effectiveness'])} | |",
        f"| Residual risk ({config['residual_formula'].replace('residual = ', '')}, "
        f"reduction {config['reduction']}) | {risk['residual_score']} | {risk['residual_rating']} |",
        "",
    ]
    if risk["evidence_status"] != "evidence":
        out += [f"**Why the residual equals the inherent risk:** {risk['note']}", ""]
    if risk["failing"]:
        out += ["**What the audit found.** These checks did not pass on the assets concerned:", "",
                "| Control | Severity | Asset | Result | What was seen |", "|---|---|---|---|---|"]
        shown: dict[str, int] = {}
        for f in risk["failing"]:
            # a long fleet would bury the reader: a few rows per control, then a count
            shown[f["control_id"]] = shown.get(f["control_id"], 0) + 1
            if shown[f["control_id"]] > MAX_ROWS_PER_CONTROL:
                continue
            result = "failed" if f["status"] == "fail" else "could not be verified"
            out.append(f"| {_cell(f['control_id'])} | {f['severity']} | {_cell(f['asset_id'])} | {result} "
                       f"| {_cell(f['message'])} |")
        out.append("")
        for cid, n in shown.items():
            if n > MAX_ROWS_PER_CONTROL:
                out.append(f"{cid}: {n - MAX_ROWS_PER_CONTROL} more assets with the same result are listed in the "
                           "audit results.  ")
        if any(n > MAX_ROWS_PER_CONTROL for n in shown.values()):
            out.append("")
    elif risk["evidence_status"] == "evidence":
        out += ["**What the audit found.** Every automated check passed; the residual rating comes from the "
                "size of the inherent risk.", ""]
    if risk["actions"]:
        out += ["**Recommended actions:**", ""]
        for i, a in enumerate(risk["actions"], 1):
            where = ", ".join(a["assets"][:MAX_ROWS_PER_CONTROL])
            if len(a["assets"]) > MAX_ROWS_PER_CONTROL:
                where += f" and {len(a['assets']) - MAX_ROWS_PER_CONTROL} more"
            fix = a["remediation"] or "see the control description"
            out.append(f"{i}. {a['title']} ({a['control_id']}, {a['severity']}) on {where}: "
                       f"`{_cell(fix).replace('`', chr(39))}`")
        out.append("")
    elif risk["evidence_status"] == "no-automated-evidence":
        out += ["**Recommended actions:**", "",
                "1. Put in place, or show evidence of, the measures that reduce this risk.",
                "2. Record that evidence (maintenance log, MDM report, walk-through notes) so the next review "
                "can rate the risk below its inherent level.", ""]
    elif risk["evidence_status"] == "no-evidence":
        kinds = ", ".join(risk["kinds"])
        out += ["**Recommended actions:**", "",
                f"1. Make sure every asset of kind {kinds} is in the audit inventory and reachable, so that its "
                f"controls ({', '.join(risk['controls'])}) are checked.",
                "2. Review any waiver that covers these controls: a waived check is not evidence.", ""]
    out += ["**Please reply** with the owner of each action, the planned date, or a justified risk "
            "acceptance signed by the department head.", ""]
    return out


def render_department(assessment: dict, department: str, threshold: str | None = None,
                      today: dt.date | None = None) -> str:
    """One department's Markdown document (a short note when nothing needs treatment)."""
    today = today or dt.date.today()
    config = assessment["config"]
    threshold = threshold or config["treatment_threshold"]
    risks = requests_for(assessment, threshold, department)
    run = assessment.get("run") or {}
    bands = ", ".join(f"{b['rating']} {b['min']}–{b['max']}" for b in config["legend"])
    lines = [
        f"# Risk treatment requests — {department}",
        "",
        f"**To:** {department} department  ",
        f"**Date:** {today.isoformat()}  ",
        f"**From:** the hardware compliance audit (controlcheck run {run.get('id') or 'n/a'})",
        "",
    ]
    if not risks:
        lines += [f"No risk owned by {department} has a residual rating of {threshold} or above. "
                  "No treatment is requested.", ""]
        return "\n".join(lines)
    lines += [
        f"The audit found {len(risks)} risk{'s' if len(risks) != 1 else ''} owned by your department whose "
        f"residual rating is {threshold} or above. For each one below, please plan the treatment and reply "
        "by the target date.",
        "",
        "How to read the ratings: a risk's *inherent* score is likelihood x impact (each 1 to 5) before any "
        "control. The audit checks the controls meant to reduce it on every asset concerned; *effectiveness* "
        "is the share of those checks that passed, weighted by severity. The *residual* score is what remains: "
        f"{config['residual_formula']} (reduction {config['reduction']}). Ratings: {bands}.",
        "",
    ]
    for n, risk in enumerate(risks, 1):
        lines += _risk_section(n, risk, config, today)
    return "\n".join(lines).rstrip() + "\n"


def treatment_plans(assessment: dict, threshold: str | None = "High", department: str | None = None,
                    today: dt.date | None = None) -> dict[str, str]:
    """Department -> Markdown. Without ``department``: every department with at least one
    risk at or above ``threshold``; with it: that department (a 'nothing requested' note
    when none)."""
    today = today or dt.date.today()
    if department is not None:
        return {department: render_department(assessment, department, threshold, today)}
    owners = sorted({r["owner"] for r in requests_for(assessment, threshold)},
                    key=lambda d: (DEPARTMENTS.index(d) if d in DEPARTMENTS else len(DEPARTMENTS), d))
    return {d: render_department(assessment, d, threshold, today) for d in owners}
