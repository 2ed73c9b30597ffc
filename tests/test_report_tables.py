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
    data = _input()
    findings = data.results["findings"]
    findings[1]["message"] = "banner \x1b[2J\x00cleared"       # control characters Excel refuses
    findings[2]["message"] = "y" * 40_000                      # over Excel's cell limit
    findings[3]["message"] = "#N/A"
    ws = load_workbook(io.BytesIO(get_format("xlsx").render(data)))["Findings"]
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


# --- our workbook writer held to openpyxl ------------------------------------------------
# openpyxl wrote the workbook until the report stage had to fit in 5 s at 1,000 assets
# (issue 16); it is now the reader, and the writer below is the oracle the cells are held to.

DEVICE_TEXTS = ["  leading and trailing spaces  ", "tab\tand\nline feed", "carriage\r\nreturn", "a & b < c > d \"q\" 'a'",
                "unicode: æøå ✓ 日本", "=1+1", "+41 22", "-5", "@SUM(A1)", "#REF!", "TRUE", "0042", "1e5", "\x1b[0m",
                "x" * 33_000, "]]>", "</t></is></c>"]


def _openpyxl_workbook(sheets: list[dict]) -> bytes:
    """The same sheets written with openpyxl's own API, by the rules the workbook follows:
    text cut at 32,000 characters without the control characters XML refuses, always text;
    empty values no cell; wide columns wrapped; rating values in their legend colour."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from controlcheck.reports.xlsx import _ILLEGAL_RE, _WIDTHS

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet["title"])
        headers = sheet["headers"]
        for i, h in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=i, value=h)
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(h, max(12, len(h) + 2))
        for r, row in enumerate(sheet["rows"], start=2):
            for i, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    value = _ILLEGAL_RE.sub("", value)[:32000]
                cell = ws.cell(row=r, column=i)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
                header = headers[i - 1]
                colour = sheet["colours"].get(header, {}).get(value) if isinstance(value, str) else None
                if colour:
                    cell.font = Font(bold=True, color="FFFFFF")
                    cell.fill = PatternFill("solid", fgColor=colour.lstrip("#"))
                elif _WIDTHS.get(header, 0) >= 40:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{ws.max_row}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _what_a_reader_sees(content: bytes) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    out = {}
    for ws in wb:
        cells = [[(c.coordinate, c.value, c.data_type, bool(c.font.b),
                   (c.font.color.rgb[-6:].upper() if c.font.color is not None and isinstance(c.font.color.rgb, str)
                    else None),
                   c.fill.fgColor.rgb[-6:].upper() if c.fill.fill_type == "solid" else None,
                   bool(c.alignment.wrap_text), c.alignment.vertical)
                  for c in row if c.value is not None] for row in ws.iter_rows()]
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}
        out[ws.title] = {"cells": cells, "frozen": ws.freeze_panes, "filter": ws.auto_filter.ref, "widths": widths,
                         "max_row": ws.max_row}
    return out


def test_the_workbook_reads_back_as_openpyxl_would_have_written_it():
    from controlcheck.reports.xlsx import workbook_sheets, write_workbook

    data = _input()
    for i, text in enumerate(DEVICE_TEXTS):
        data.results["findings"][i + 1]["message"] = text
    data.results["findings"][20]["evidence"] = []                # an empty evidence column: no cell
    sheets = [dict(s, rows=list(s["rows"])) for s in workbook_sheets(data)]
    ours, theirs = _what_a_reader_sees(write_workbook(sheets)), _what_a_reader_sees(_openpyxl_workbook(sheets))
    assert list(ours) == list(theirs) == ["Findings", "Controls", "Risks", "CAI", "Trend"]
    for title in ours:
        assert ours[title] == theirs[title], title
    messages = {c[1] for row in ours["Findings"]["cells"] for c in row if c[0].startswith("K")}
    assert {"  leading and trailing spaces  ", "carriage\r\nreturn", "</t></is></c>", "[0m"} <= messages
    assert ours["Risks"]["cells"][1][0][0] == "A2"
    assert any(c[5] for row in ours["Risks"]["cells"] for c in row)          # rating colours came through


def test_the_workbook_is_a_package_excel_opens(tmp_path):
    """The parts and relationships ECMA-376 asks of a workbook, each well-formed XML, and a
    device's lone surrogate (valid JSON, not UTF-8) written as a replacement character."""
    import zipfile
    from xml.etree import ElementTree

    data = _input()
    data.results["findings"][1]["message"] = "half a pair \ud800 here"
    content = get_format("xlsx").render(data)
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = zf.namelist()
        for name in names:
            ElementTree.fromstring(zf.read(name))
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"} <= set(names)
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/"))
    assert len(sheets) == 5
    for name in sheets:
        assert f'PartName="/{name}"' in types and f'Target="{name[3:]}"' in rels
    from openpyxl import load_workbook
    messages = [r[10] for r in load_workbook(io.BytesIO(content))["Findings"].iter_rows(min_row=2, values_only=True)]
    assert "half a pair ? here" in messages
