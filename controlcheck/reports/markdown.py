"""A Markdown summary for a CI job page (e.g. ``$GITHUB_STEP_SUMMARY``): CAI, counts,
risks at or above the treatment threshold, the failing findings (worst first, capped)."""

from __future__ import annotations

import re

from ._shared import SEV_RANK, counts_by_status, sorted_findings
from .base import ReportFormat, ReportInput

MAX_FINDINGS = 50
_SPECIAL = re.compile(r"([\\`*_\[\]|#!])")


def md(value: object) -> str:
    """A device string as inert Markdown text: one line, no markup, no HTML, no table break."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _cai(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


class MarkdownReport(ReportFormat):
    name = "markdown"
    file_name = "summary.md"

    def __init__(self, max_findings: int = MAX_FINDINGS):
        self.max_findings = max_findings

    def render(self, data: ReportInput) -> str:
        results, assessment = data.results, data.assessment
        run = results.get("run") or {}
        counts = counts_by_status(results)
        summary = results.get("summary") or {}
        out = [f"## controlcheck: {summary.get('assets', len(results.get('assets') or []))} assets, "
               f"{counts['fail']} failing, {counts['error']} errors", ""]
        if assessment:
            cai = assessment["cai"]["overall"].get("value")
            line = f"**Compliance Adherence Index: {_cai(cai)}**"
            if len(data.history) >= 2:
                prev = data.history[-2].get("cai")
                if prev is not None and cai is not None:
                    line += f" ({cai - prev:+.1f} since run {data.history[-2]['id']})"
            out += [line, ""]
        out += ["| pass | fail | error | waived | skip |", "|---:|---:|---:|---:|---:|",
                f"| {counts['pass']} | {counts['fail']} | {counts['error']} | {counts['waived']} | {counts['skip']} |", ""]
        out.append(f"Run `{md(run.get('id', ''))}` started {md(run.get('started_at', ''))}.")
        incomplete = summary.get("incomplete_assets") or []
        if incomplete:
            out.append(f"Not (fully) collected: {', '.join(md(a) for a in incomplete)}.")
        out.append("")
        if assessment:
            threshold = assessment["config"]["treatment_threshold"]
            ratings = [b["rating"] for b in assessment["config"]["legend"]]
            floor = ratings.index(threshold) if threshold in ratings else 0
            high = [r for r in assessment["risks"] if ratings.index(r["residual_rating"]) >= floor]
            out += [f"### Risks at {md(threshold)} or above (residual)", ""]
            if high:
                out += ["| risk | owner | inherent | effectiveness | residual |", "|---|---|---|---:|---|"]
                for r in sorted(high, key=lambda r: -r["residual_score"]):
                    eff = "n/a" if r["effectiveness"] is None else f"{100 * r['effectiveness']:.0f}%"
                    out.append(f"| {md(r['id'])} {md(r['title'])} | {md(r['owner'])} | {r['inherent_score']} "
                               f"{md(r['inherent_rating'])} | {eff} | {r['residual_score']:.1f} "
                               f"{md(r['residual_rating'])} |")
            else:
                out.append("None.")
            apart = assessment.get("not_assessed") or []
            if apart:
                out += ["", f"Not assessed (no asset of their class in this audit): "
                            f"{', '.join(md(r['id']) for r in apart)}."]
            out.append("")
        failing = [f for f in sorted_findings(results) if f["status"] in ("fail", "error")]
        out += [f"### Failing findings ({len(failing)})", ""]
        if failing:
            out += ["| severity | status | asset | control | what was seen |", "|---|---|---|---|---|"]
            for f in failing[: self.max_findings]:
                out.append(f"| {md(f['severity'])} | {md(f['status'])} | {md(f['asset_id'])} | {md(f['control_id'])} | "
                           f"{md(f.get('message', ''))} |")
            if len(failing) > self.max_findings:
                by_sev: dict[str, int] = {}
                for f in failing[self.max_findings:]:
                    by_sev[f["severity"]] = by_sev.get(f["severity"], 0) + 1
                rest = ", ".join(f"{n} {s}" for s, n in sorted(by_sev.items(), key=lambda x: -SEV_RANK[x[0]]))
                out += ["", f"... and {len(failing) - self.max_findings} more ({rest}); see the HTML or CSV report."]
        else:
            out.append("None.")
        return "\n".join(out) + "\n"
