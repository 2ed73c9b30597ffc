"""JUnit XML for CI: one <testsuites> document, one <testsuite> per asset, one <testcase>
per applicable control (classname = asset id, so every CI tool shows the device).

Written as a stream rather than with junit-xml's minidom pretty-printer: a fleet of
10,000 assets x 100 controls is a million test cases, which minidom holds in memory
several times over. The output validates against the Jenkins xunit JUnit schema
(tests/test_junit.py)."""

from __future__ import annotations

from io import StringIO
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from .base import ReportFormat, ReportInput

_ILLEGAL_XML = {c: None for c in range(0x20) if c not in (0x9, 0xA, 0xD)}


def _attr(value: object) -> str:
    return quoteattr(str(value).translate(_ILLEGAL_XML))


def _text(value: object) -> str:
    return escape(str(value).translate(_ILLEGAL_XML))


def write_junit(results: dict, out: TextIO) -> None:
    by_asset: dict[str, list[dict]] = {a["id"]: [] for a in results["assets"]}
    for f in results["findings"]:
        by_asset.setdefault(f["asset_id"], []).append(f)
    assets = {a["id"]: a for a in results["assets"]}
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = []
    for asset_id, findings in by_asset.items():
        counts = {
            "tests": len(findings),
            "failures": sum(f["status"] == "fail" for f in findings),
            "errors": sum(f["status"] == "error" for f in findings),
            "skipped": sum(f["status"] == "waived" for f in findings),
        }
        for k in total:
            total[k] += counts[k]
        suites.append((asset_id, counts, findings))
    run = results["run"]
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="controlcheck" tests="{total["tests"]}" failures="{total["failures"]}" '
              f'errors="{total["errors"]}" time="0">\n')
    timestamp = run["started_at"].rstrip("Z")
    for asset_id, counts, findings in suites:
        asset = assets.get(asset_id, {})
        out.write(f'  <testsuite name={_attr(asset_id)} tests="{counts["tests"]}" failures="{counts["failures"]}" '
                  f'errors="{counts["errors"]}" skipped="{counts["skipped"]}" time="0" '
                  f'timestamp={_attr(timestamp)} hostname={_attr(asset.get("address", asset_id))}>\n')
        out.write("    <properties>\n")
        for key in ("kind", "platform", "site", "owner"):
            if asset.get(key):
                out.write(f"      <property name={_attr(key)} value={_attr(asset[key])}/>\n")
        out.write("    </properties>\n")
        for f in findings:
            name = f"{f['control_id']} {f.get('title', '')}".strip()
            out.write(f'    <testcase name={_attr(name)} classname={_attr(asset_id)} time="0"')
            status = f["status"]
            if status == "pass":
                out.write("/>\n")
                continue
            out.write(">\n")
            if status == "fail":
                out.write(f"      <failure message={_attr(f['message'])} type={_attr(f['severity'])}>"
                          f"{_text(_details(f))}</failure>\n")
            elif status == "error":
                out.write(f"      <error message={_attr(f['message'])} type={_attr(f.get('error_kind', 'error'))}>"
                          f"{_text(_details(f))}</error>\n")
            elif status == "waived":
                w = f.get("waiver", {})
                reason = f"waived until {w.get('expires')} by {w.get('approver')}: {w.get('justification')}"
                out.write(f"      <skipped message={_attr(reason)}/>\n")
            out.write("    </testcase>\n")
        errors = asset.get("errors") or []
        if errors:
            out.write("    <system-err>")
            out.write(_text("\n".join(f"{e['source']}: {e['message']}" for e in errors)))
            out.write("</system-err>\n")
        out.write("  </testsuite>\n")
    out.write("</testsuites>\n")


def _details(f: dict) -> str:
    lines = [f"severity: {f['severity']}", f"message: {f['message']}"]
    for ev in f.get("evidence") or []:
        lines.append(f"evidence {ev['id']}: {ev.get('source', '')} sha256={ev.get('sha256', '')}")
        for line in ev.get("lines") or []:
            lines.append(f"    {line}")
    return "\n".join(lines)


class JUnitReport(ReportFormat):
    name = "junit"
    suffix = ".xml"

    def render(self, data: ReportInput) -> str:
        buf = StringIO()
        write_junit(data.results, buf)
        return buf.getvalue()
