"""JUnit XML for CI: one <testsuites> document, one <testsuite> per asset, one <testcase>
per applicable control (classname = asset id, so every CI tool shows the device).

Written as a stream, one asset's suite per write, rather than with junit-xml: that
library builds the document twice (ElementTree, then minidom to pretty-print), was 11x
slower and +338 MiB at 100,000 test cases, and its output is not valid against
junit-10.xsd (docs/reports.md). The output validates against the JUnit schema
(tests/test_junit.py)."""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from ._shared import finding_location
from .base import ReportFormat, ReportInput

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")   # not allowed in XML 1.0, even escaped
_ATTR_SPECIAL = re.compile("[&<>\"\n\r\t]")
_TEXT_SPECIAL = re.compile("[&<>]")


def _attr(value: object) -> str:
    # most strings need no escaping: one regex scan each instead of a chain of replaces
    text = str(value)
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("", text)
    return quoteattr(text) if _ATTR_SPECIAL.search(text) else f'"{text}"'


def _text(value: object) -> str:
    text = str(value)
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("", text)
    return escape(text) if _TEXT_SPECIAL.search(text) else text


def write_junit(results: dict, out: TextIO) -> None:
    by_asset: dict[str, list[dict]] = {a["id"]: [] for a in results["assets"]}
    for f in results["findings"]:
        by_asset.setdefault(f["asset_id"], []).append(f)
    assets = {a["id"]: a for a in results["assets"]}
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = []
    for asset_id, findings in by_asset.items():
        tally = Counter(f["status"] for f in findings)
        counts = {"tests": len(findings), "failures": tally["fail"], "errors": tally["error"],
                  "skipped": tally["waived"]}
        for k in total:
            total[k] += counts[k]
        suites.append((asset_id, counts, findings))
    run = results["run"]
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="controlcheck" tests="{total["tests"]}" failures="{total["failures"]}" '
              f'errors="{total["errors"]}" time="0">\n')
    timestamp = _attr(run["started_at"].rstrip("Z"))
    names: dict[tuple[str, str], str] = {}     # a control's quoted test name, escaped once per run
    for asset_id, counts, findings in suites:
        asset = assets.get(asset_id, {})
        classname = _attr(asset_id)
        chunk = [f'  <testsuite name={classname} tests="{counts["tests"]}" failures="{counts["failures"]}" '
                 f'errors="{counts["errors"]}" skipped="{counts["skipped"]}" time="0" '
                 f'timestamp={timestamp} hostname={_attr(asset.get("address") or asset_id)}'
                 + (f' file={_attr(asset["config"]["path"])}' if (asset.get("config") or {}).get("path") else "")
                 + '>\n',
                 "    <properties>\n"]
        for key in ("kind", "platform", "site", "owner"):
            if asset.get(key):
                chunk.append(f"      <property name={_attr(key)} value={_attr(asset[key])}/>\n")
        chunk.append("    </properties>\n")
        head = f" classname={classname} time=\"0\""
        config = (asset.get("config") or {}).get("path")
        for f in findings:
            where = ""
            if config:   # a saved configuration: the file and line that decided it (GitLab, GitHub reporters)
                path, line = finding_location(f, asset)
                where = f" file={_attr(path)} line=\"{line}\""
            key = (f["control_id"], f.get("title", ""))
            name = names.get(key)
            if name is None:
                name = names[key] = "    <testcase name=" + _attr(f"{key[0]} {key[1]}".strip())
            name += where
            status = f["status"]
            if status == "pass":
                chunk.append(f"{name}{head}/>\n")
            elif status == "fail":
                chunk.append(f"{name}{head}>\n      <failure message={_attr(f['message'])} type={_attr(f['severity'])}>"
                             f"{_text(_details(f))}</failure>\n    </testcase>\n")
            elif status == "error":
                chunk.append(f"{name}{head}>\n      <error message={_attr(f['message'])} "
                             f"type={_attr(f.get('error_kind', 'error'))}>{_text(_details(f))}</error>\n"
                             f"    </testcase>\n")
            elif status == "waived":
                w = f.get("waiver", {})
                reason = f"waived until {w.get('expires')} by {w.get('approver')}: {w.get('justification')}"
                chunk.append(f"{name}{head}>\n      <skipped message={_attr(reason)}/>\n    </testcase>\n")
            else:
                chunk.append(f"{name}{head}>\n    </testcase>\n")
        errors = asset.get("errors") or []
        if errors:
            chunk.append("    <system-err>")
            chunk.append(_text("\n".join(f"{e['source']}: {e['message']}" for e in errors)))
            chunk.append("</system-err>\n")
        chunk.append("  </testsuite>\n")
        out.write("".join(chunk))      # one write per asset: streaming, at disk speed
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
    file_name = "results.xml"

    def render(self, data: ReportInput) -> str:
        buf = StringIO()
        write_junit(data.results, buf)
        return buf.getvalue()
