"""XLSX and CSV for auditors, and the Markdown job summary."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from controlcheck.reports import ReportInput, get_format
from controlcheck.reports.csv_report import COLUMNS
from report_helpers import library

FORMULA = '=HYPERLINK("http://evil.example/","click")'


def _input() -> ReportInput:
    results, assessment = library()
    results["findings"][0]["message"] = FORMULA
    return ReportInput(results, assessment, [{"id": 1, "started_at": "2026-11-21T08:00:00Z", "cai": 50.2,
                                              "assets": 18, "counts": {"pass": 133, "fail": 131}}])


def test_xlsx_sheets_frozen_headers_and_filters():
    data = _input()
    report = get_format("xlsx")
    assert report.binary
    wb = load_workbook(io.BytesIO(report.render(data)))
    assert wb.sheetnames == ["Findings", "Controls", "Risks", "CAI", "Trend"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws["A1"].font.bold
    findings = wb["Findings"]
    assert [c.value for c in findings[1]] == COLUMNS
    assert findings.max_row == 1 + len(data.results["findings"])
    messages = [row[10] for row in findings.iter_rows(min_row=2, values_only=True)]
    assert FORMULA in messages                         # kept as text ...
    cell = next(r[10] for r in findings.iter_rows(min_row=2) if r[10].value == FORMULA)
    assert cell.data_type == "s"                       # ... never a formula
    controls = {r[0]: r for r in wb["Controls"].iter_rows(min_row=2, values_only=True)}
    assert controls["FW-MGMT-001"][5] == "2.2.7"       # pci-dss-4.0 column
    risks = {r[0]: r for r in wb["Risks"].iter_rows(min_row=2, values_only=True)}
    assert risks["RISK-TEL-01"][10] == "High"
    rating = next(r[10] for r in wb["Risks"].iter_rows(min_row=2) if r[0].value == "RISK-TEL-01")
    assert rating.fill.fgColor.rgb.lower().endswith("ef6c00")   # the legend colour of High
    cai = {(r[0], r[1]): r[2] for r in wb["CAI"].iter_rows(min_row=2, values_only=True)}
    assert cai[("overall", "overall")] == data.assessment["cai"]["overall"]["value"]
    assert ("framework", "pci-dss-4.0") in cai and ("kind", "firewall") in cai


def test_xlsx_cells_a_spreadsheet_accepts_from_any_device_text():
    from controlcheck.reports.xlsx import workbook_lines, write_workbook_lines

    data = _input()
    findings = data.results["findings"]
    findings[1]["message"] = "banner \x1b[2J\x00cleared"       # control characters Excel refuses
    findings[2]["message"] = "y" * 40_000                      # over Excel's cell limit
    findings[3]["message"] = "#N/A"
    for content in (get_format("xlsx").render(data), write_workbook_lines(workbook_lines(data))):
        ws = load_workbook(io.BytesIO(content))["Findings"]
        messages = [row[10] for row in ws.iter_rows(min_row=2)]
        assert "banner [2Jcleared" in [c.value for c in messages]
        assert max(len(c.value or "") for c in messages) == 32_000
        for text in (FORMULA, "#N/A"):                          # text, never a formula or an error value
            assert next(c for c in messages if c.value == text).data_type == "s"
        assert ws.max_row == 1 + len(findings)


def test_csv_findings():
    data = _input()
    text = get_format("csv").render(data)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == COLUMNS
    assert len(rows) == 1 + len(data.results["findings"])
    assert "'" + FORMULA in [r[10] for r in rows]      # a formula from a device is defused
    fw = next(r for r in rows[1:] if r[1] == "fw-bad" and r[6] == "FW-MGMT-001")
    assert fw[9] == "fail" and "pci-dss-4.0 2.2.7" in fw[11] and fw[14] == "clear configure telnet"
    assert "sha256=" in fw[13]


def test_markdown_summary_is_inert():
    results, assessment = library()
    results["findings"][0]["message"] = "| <img src=x onerror=alert(1)> **bold**"
    text = get_format("markdown").render(ReportInput(results, assessment))
    assert text.startswith("## controlcheck: 22 assets, 163 failing, 0 errors")
    assert "Compliance Adherence Index: 50.8" in text
    assert "<img" not in text and "&lt;img" in text and "\\| " in text
    assert "RISK-TEL-01" in text and "... and 113 more" in text
