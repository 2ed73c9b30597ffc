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


_KEPT = 50_000     # escaped texts remembered at once (messages naming a device's own values never repeat)


class _Escaped:
    """Escaped texts kept by value for one write: a fleet's findings repeat the same
    messages and severities, and an asset's findings the same evidence."""

    def __init__(self) -> None:
        self.attrs: dict[str, str] = {}
        self.heads: dict[tuple[str, str], str] = {}
        self.evidence: dict[int, str] = {}      # one asset's: cleared per asset

    def attr(self, value: object) -> str:
        text = self.attrs.get(value) if type(value) is str else None
        if text is None:
            text = _attr(value)
            if type(value) is str:
                if len(self.attrs) >= _KEPT:
                    self.attrs.clear()
                self.attrs[value] = text
        return text

    def details(self, f: dict) -> str:
        """``_text(_details(f))``, from its two parts: the finding's sentence and its
        evidence (escaping works character by character, so the parts escape apart)."""
        key = (f["severity"], f["message"])
        head = self.heads.get(key) if type(key[1]) is str and type(key[0]) is str else None
        if head is None:
            head = _text(f"severity: {key[0]}\nmessage: {key[1]}")
            if type(key[1]) is str and type(key[0]) is str:
                if len(self.heads) >= _KEPT:
                    self.heads.clear()
                self.heads[key] = head
        refs = f.get("evidence") or ()
        # the finding holds its evidence for the whole write: its id cannot be reused meanwhile
        tail = self.evidence.get(id(refs))
        if tail is None:
            tail = self.evidence[id(refs)] = _text("".join("\n" + line for line in _evidence_lines(refs)))
        return head + tail


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
    escaped = _Escaped()
    for asset_id, counts, findings in suites:
        escaped.evidence.clear()
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
                chunk.append(f"{name}{head}>\n      <failure message={escaped.attr(f['message'])} "
                             f"type={escaped.attr(f['severity'])}>{escaped.details(f)}</failure>\n    </testcase>\n")
            elif status == "error":
                chunk.append(f"{name}{head}>\n      <error message={escaped.attr(f['message'])} "
                             f"type={escaped.attr(f.get('error_kind', 'error'))}>{escaped.details(f)}</error>\n"
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


def _evidence_lines(refs: list | tuple) -> list[str]:
    lines = []
    for ev in refs:
        lines.append(f"evidence {ev['id']}: {ev.get('source', '')} sha256={ev.get('sha256', '')}")
        for line in ev.get("lines") or []:
            lines.append(f"    {line}")
    return lines


class JUnitReport(ReportFormat):
    name = "junit"
    file_name = "results.xml"

    def render(self, data: ReportInput) -> str:
        buf = StringIO()
        write_junit(data.results, buf)
        return buf.getvalue()

    def write(self, data: ReportInput, out: TextIO) -> None:
        write_junit(data.results, out)
