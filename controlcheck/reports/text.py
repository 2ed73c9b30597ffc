"""A plain-text summary for a terminal or a CI log."""

from __future__ import annotations

from .base import ReportFormat, ReportInput

_MARK = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "waived": "WAIVED", "skip": "SKIP"}


class TextReport(ReportFormat):
    name = "text"

    def render(self, data: ReportInput) -> str:
        results = data.results
        lines: list[str] = []
        by_asset: dict[str, list[dict]] = {}
        for f in results["findings"]:
            by_asset.setdefault(f["asset_id"], []).append(f)
        for asset in results["assets"]:
            findings = by_asset.get(asset["id"], [])
            lines.append(f"{asset['id']} ({asset.get('kind')}, {asset.get('platform')})")
            for err in asset.get("errors") or []:
                lines.append(f"  COLLECTION ERROR  {err['source']}: {err['message']}")
            for f in findings:
                if f["status"] == "pass":   # a terminal shows what needs action; the counts say the rest
                    continue
                lines.append(f"  {_MARK[f['status']]:<6} {f['severity']:<8} {f['control_id']}  {f['title']}")
                lines.append(f"         {f['message']}")
                if f.get("waiver"):
                    lines.append(f"         waived until {f['waiver']['expires']} by {f['waiver']['approver']}: "
                                 f"{f['waiver']['justification']}")
        for w in results.get("waivers", {}).get("expired", []):
            lines.append(f"warning: waiver for {w['control']} ({w['file']}:{w['line']}) expired on {w['expires']} "
                         f"and no longer applies")
        s = results["summary"]["by_status"]
        lines.append("")
        lines.append(f"{results['summary']['assets']} assets, {results['summary']['controls']} controls: "
                     f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
                     f"{s['skip']} skip")
        return "\n".join(lines) + "\n"
