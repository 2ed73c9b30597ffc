"""Treatment-plan requests: one Markdown document per owner department, written for a
department head who has never seen the tool.

The body of a request is plain sentences: what was found (the checks that did not pass, by
their titles), where (assets and sites), why it matters (the risk), what is asked, by when
and who confirms. Fact paths, finding messages, commands and the scoring formula go to the
appendix "Technical detail for IT" at the end of the document."""

from __future__ import annotations

import datetime as dt

from .scoring import rating_rank

DEPARTMENTS = ("IT", "Operations", "Facilities", "HR")
MAX_ROWS_PER_CONTROL = 10
MAX_NAMES = 8
_PRIORITY = ["P4 — plan within the normal cycle", "P3 — schedule this quarter", "P2 — act this month",
             "P1 — act immediately"]


def request_file_name(department: str) -> str:
    """The one name of a department's request file, for ``audit``, ``demo`` and ``treatment-plan``."""
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in department).strip("-") or "department"
    return f"treatment-{slug}.md"


def _cell(text: object) -> str:
    """Device-supplied text inside a Markdown table: no pipes or line breaks break the layout."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def _priority(rating: str, legend: list[dict]) -> str:
    # The top band is P1, the next P2 ... whatever the legend's names are.
    from_top = len(legend) - 1 - rating_rank(rating, legend)
    return _PRIORITY[::-1][min(from_top, len(_PRIORITY) - 1)]


def _pct(value: float | None) -> str:
    return "no evidence" if value is None else f"{round(100 * value)} %"


def _names(items: list[str], limit: int = MAX_NAMES) -> str:
    """``a, b and c`` or ``a, b, ... and 12 more``."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sentence(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text[:1].upper() + text[1:].rstrip(".") + "." if text else ""


def requests_for(assessment: dict, threshold: str | None = None, department: str | None = None) -> list[dict]:
    """The assessed risks whose residual rating is at or above ``threshold``, optionally for
    one department (a risk not assessed in this audit is never requested)."""
    legend = assessment["config"]["legend"]
    threshold = threshold or assessment["config"]["treatment_threshold"]
    floor = rating_rank(threshold, legend)
    chosen = [r for r in assessment["risks"]
              if rating_rank(r["residual_rating"], legend) >= floor and (department is None or r["owner"] == department)]
    chosen.sort(key=lambda r: (-r["residual_score"], -r["inherent_score"], r["id"]))
    return chosen


def _found(risk: dict) -> list[str]:
    """What was found, in sentences: each check that did not pass, on which assets and sites."""
    status = risk["evidence_status"]
    if status == "no-automated-evidence":
        return ["No automatic check can show whether this risk is under control (it depends on practices "
                "and equipment the audit cannot query), so it is rated on its likelihood and impact alone."]
    if status == "no-evidence":
        return ["None of the checks for this risk could be applied to the equipment in this audit, so it is "
                "rated on its likelihood and impact alone."]
    if not risk["actions"]:
        return ["Every automatic check for this risk passed. It is listed because of its likelihood and impact: "
                "even with working controls, what remains is at the level shown."]
    out = []
    for a in risk["actions"]:
        failed = [f for f in risk["failing"] if f["control_id"] == a["control_id"]]
        n_fail = sum(f["status"] == "fail" for f in failed)
        n_unknown = len(failed) - n_fail
        what = []
        if n_fail:
            what.append(f"did not pass on {_plural(n_fail, 'device')}")
        if n_unknown:
            what.append(f"could not be verified on {_plural(n_unknown, 'device')}")
        where = f" ({_names(a['assets'])}"
        if a.get("sites"):
            where += f"; {'site' if len(a['sites']) == 1 else 'sites'} {_names(a['sites'])})"
        else:
            where += ")"
        out.append(f"- The check \"{a['title']}\" {' and '.join(what)}{where}.")
    return out


def _asked(risk: dict, department: str) -> list[str]:
    status = risk["evidence_status"]
    if status == "no-automated-evidence":
        return ["Please put in place, or show evidence of, the measures that reduce this risk, and keep a record "
                "(maintenance log, device-management report, walk-through notes) so the next review can rate it "
                "lower."]
    if status == "no-evidence":
        return [f"Please make sure every {_names(risk['kinds'])} of your department is listed in the audit "
                "inventory and reachable, and review any waiver that covers this risk: a waived check is not "
                "evidence."]
    if not risk["actions"]:
        return ["No correction is needed now. Please confirm that you accept the remaining risk, or ask for a "
                "further measure."]
    lines = []
    for i, a in enumerate(risk["actions"], 1):
        lines.append(f"{i}. Have \"{a['title']}\" put right on {_names(a['assets'])}.")
    who = "your IT contact" if department != "IT" else "the team that runs these devices"
    lines.append("")
    lines.append(f"The technical steps for {who} are in the appendix \"Technical detail for IT\" below.")
    return lines


def _risk_section(n: int, risk: dict, config: dict, today: dt.date, department: str) -> list[str]:
    legend = config["legend"]
    days = config["target_days"][risk["residual_rating"]]
    target = today + dt.timedelta(days=days)
    where = f"{_plural(len(risk.get('scope_assets') or risk['assets']), 'device')}"
    if risk.get("sites"):
        where += f" at {_names(risk['sites'])}"
    return [
        f"## {n}. {risk['title']} ({risk['id']})",
        "",
        f"**Priority:** {_priority(risk['residual_rating'], legend)}. **Reply by:** {target.isoformat()} "
        f"({days} days from this request).",
        "",
        "**What was found.**",
        "",
        *_found(risk),
        "",
        f"**Where.** This risk concerns the {_names(risk['kinds'])} equipment in this audit: {where}.",
        "",
        f"**Why it matters.** {_sentence(risk['threat'])} Possible cause: "
        f"{risk['risk_source'][:1].lower() + risk['risk_source'][1:].rstrip('.')}. Weakness: "
        f"{risk['vulnerability'][:1].lower() + risk['vulnerability'][1:].rstrip('.')}. "
        f"Before any control the risk is {risk['inherent_rating']}; with the controls as the audit found them it "
        f"is {risk['residual_rating']}.",
        "",
        "**What we ask.**",
        "",
        *_asked(risk, department),
        "",
        f"**By when.** {target.isoformat()}.",
        "",
        f"**Who confirms.** The head of {department} replies with the person responsible and the planned date "
        "for each action, or signs a justified acceptance of the risk. The next audit checks the same devices "
        "again and shows whether the checks now pass.",
        "",
    ]


def _appendix(risks: list[dict], config: dict) -> list[str]:
    """Technical detail for IT: the finding sentences (with fact paths), commands and the method."""
    out = ["---", "", "## Appendix: Technical detail for IT", "",
           "Scores: inherent = likelihood x impact (1 to 5 each); effectiveness = severity-weighted share of "
           f"the risk's checks that passed; {config['residual_formula']} (reduction {config['reduction']}). "
           "Ratings: " + ", ".join(f"{b['rating']} {b['min']}–{b['max']}" for b in config["legend"]) + ".", ""]
    for risk in risks:
        out += [f"### {risk['id']} {risk['title']}", "",
                "| Measure | Value | Rating |", "|---|---|---|",
                f"| Inherent (likelihood {risk['likelihood']} x impact {risk['impact']}) | {risk['inherent_score']} "
                f"| {risk['inherent_rating']} |",
                f"| Effectiveness of the current controls | {_pct(risk['effectiveness'])} | |",
                f"| Residual | {risk['residual_score']} | {risk['residual_rating']} |", ""]
        if risk.get("note"):
            out += [risk["note"], ""]
        if risk["failing"]:
            out += ["| Control | Severity | Asset | Result | What was seen |", "|---|---|---|---|---|"]
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
                    out.append(f"{cid}: {n - MAX_ROWS_PER_CONTROL} more assets with the same result are listed in "
                               "the audit results (XLSX, CSV, evidence bundle).  ")
        for a in risk["actions"]:
            fix = a["remediation"] or "see the control description"
            out.append(f"- {a['control_id']} ({a['severity']}) on {', '.join(a['assets'])}: "
                       f"`{_cell(fix).replace('`', chr(39))}`")
        out.append("")
    return out


def render_department(assessment: dict, department: str, threshold: str | None = None,
                      today: dt.date | None = None) -> str:
    """One department's Markdown document: its requests (a short note when nothing needs
    treatment), its other assessed risks for information, then the appendix for IT."""
    today = today or dt.date.today()
    config = assessment["config"]
    threshold = threshold or config["treatment_threshold"]
    risks = requests_for(assessment, threshold, department)
    requested = {r["id"] for r in risks}
    others = sorted((r for r in assessment["risks"] if r["owner"] == department and r["id"] not in requested),
                    key=lambda r: (-r["residual_score"], r["id"]))
    run = assessment.get("run") or {}
    lines = [
        f"# Risk treatment requests — {department}",
        "",
        f"**To:** the head of {department}  ",
        f"**Date:** {today.isoformat()}  ",
        f"**From:** the hardware compliance audit (run {run.get('id') or 'n/a'})",
        "",
    ]
    if not risks:
        lines += [f"No risk owned by {department} is rated {threshold} or above after its controls. "
                  "No treatment is requested.", ""]
    else:
        lines += [
            f"The audit found {_plural(len(risks), 'risk')} owned by your department that "
            f"{'is' if len(risks) == 1 else 'are'} rated {threshold} or above after the controls now in place. "
            "For each one below, please arrange the treatment and reply by the date given.",
            "",
        ]
        for n, risk in enumerate(risks, 1):
            lines += _risk_section(n, risk, config, today, department)
    if others:
        lines += [f"## For information: your other risks (below {threshold}, no action requested)", ""]
        lines += [f"- {r['title']} ({r['id']}): {r['residual_rating']}" for r in others]
        lines.append("")
    if risks:
        lines += _appendix(risks, config)
    return "\n".join(lines).rstrip() + "\n"


def treatment_plans(assessment: dict, threshold: str | None = "High", department: str | None = None,
                    today: dt.date | None = None) -> dict[str, str]:
    """Department -> Markdown. Without ``department``: every department that owns an
    assessed risk (a risk not assessed in this audit gives no request); with it: that
    department (a 'nothing requested' note when none)."""
    today = today or dt.date.today()
    threshold = threshold or assessment["config"]["treatment_threshold"]
    rating_rank(threshold, assessment["config"]["legend"])        # an unknown rating is an input error
    if department is not None:
        return {department: render_department(assessment, department, threshold, today)}
    owners = sorted({r["owner"] for r in assessment["risks"]},
                    key=lambda d: (DEPARTMENTS.index(d) if d in DEPARTMENTS else len(DEPARTMENTS), d))
    return {d: render_department(assessment, d, threshold, today) for d in owners}
