"""An Excel workbook for auditors (openpyxl): sheets Findings, Controls (with framework
references), Risks and CAI (by breakdown). Every sheet has a frozen, bold header row and an
autofilter. Text cells are written as text (``=...`` from a device never becomes a formula)."""

from __future__ import annotations

import functools
import io
import json
import re
from typing import TYPE_CHECKING, Iterable, Iterator

from ._shared import frameworks_text
from .base import ReportFormat, ReportInput
from .csv_report import COLUMNS as FINDING_COLUMNS
from .csv_report import finding_rows

if TYPE_CHECKING:
    from openpyxl import Workbook

_ILLEGAL = {c: None for c in range(0x20) if c not in (0x9, 0xA, 0xD)}
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WIDTHS = {"message": 70, "evidence": 60, "remediation": 50, "title": 40, "frameworks": 40, "description": 60,
           "statement": 60, "failing assets": 40}


class _SheetWriter:
    """A write-only sheet (constant memory, linear time): frozen header row, autofilter over
    every row, wide text columns wrapped, rating columns (``colours``: header -> value ->
    colour) in the legend's colours.

    Each style is registered with the workbook once, and one cell per column and style
    wears it, given each row's value: openpyxl writes a row's cells as they are appended.
    Building a cell per styled value (and formatting its repr into a caught ValueError) was
    a quarter of the Findings sheet's time at 1,000 assets. An empty string is no cell at
    all, as in a sheet typed by hand."""

    def __init__(self, wb: Workbook, title: str, headers: list[str], colours: dict[str, dict]):
        from openpyxl.cell.cell import Cell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        self.ws = ws = wb.create_sheet(title)
        self.headers = headers
        self.header_style = self._style(font=Font(bold=True), fill=PatternFill("solid", fgColor="DDDDDD"))
        self.wrap_style = self._style(alignment=Alignment(wrap_text=True, vertical="top"))
        self.rating_styles: dict[str, object] = {}
        self.cells: dict[tuple[int, object], Cell] = {}       # (column, style) -> the cell that wears it
        for i, h in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(h, max(12, len(h) + 2))
        ws.freeze_panes = "A2"        # must be set before the first row of a write-only sheet
        ws.append([Cell(ws, row=1, column=1, value=h, style_array=self.header_style) for h in headers])
        self.wrap_cols = {i for i, h in enumerate(headers) if _WIDTHS.get(h, 0) >= 40}
        self.colour_cols = {i: colours[h] for i, h in enumerate(headers) if h in colours}
        self.styled_cols = self.wrap_cols | set(self.colour_cols)
        self.rows = 1

    def _style(self, **style) -> object:
        from openpyxl.cell.cell import Cell

        cell = Cell(self.ws)
        for name, value in style.items():
            setattr(cell, name, value)
        return cell._style

    def append(self, row: list) -> None:
        out = []
        add = out.append
        styled_cols = self.styled_cols
        for i, value in enumerate(row):
            if isinstance(value, str):
                if not value:
                    value = None
                else:
                    if _ILLEGAL_RE.search(value):      # rare: translate only then (it looks up every character)
                        value = value.translate(_ILLEGAL)
                    if len(value) > 32000:             # Excel's cell limit is 32,767 characters
                        value = value[:32000]
                    if i not in styled_cols and value[0] != "=":
                        add(value)                     # a plain value: openpyxl makes the cell itself
                        continue
            elif i not in styled_cols:
                add(value)
                continue
            add(self._cell(i, value))
        self.ws.append(out)
        self.rows += 1

    def _cell(self, i: int, value: object):
        """The cell of column ``i`` in the style ``value`` wears there, holding ``value``, or
        ``value`` itself when it wears none and is no formula-looking text."""
        from openpyxl.cell.cell import TYPE_STRING
        from openpyxl.styles import Font, PatternFill

        style = self.wrap_style if i in self.wrap_cols else None
        colour = self.colour_cols[i].get(value) if i in self.colour_cols and isinstance(value, str) else None
        if colour:
            if colour not in self.rating_styles:
                self.rating_styles[colour] = self._style(fill=PatternFill("solid", fgColor=colour.lstrip("#")),
                                                         font=Font(color="FFFFFF", bold=True))
            style = self.rating_styles[colour]
        if style is None and not (isinstance(value, str) and value[:1] == "="):
            return value
        cell = self.cells.get((i, style))
        if cell is None:
            cell = self.cells[(i, style)] = _styled_cell(self.ws, style)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = TYPE_STRING   # never a formula, whatever the text starts with
        return cell

    def close(self) -> None:
        from openpyxl.utils import get_column_letter

        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.headers))}{self.rows}"


def _styled_cell(ws, style):
    return _styled_cell_class()(ws, row=1, column=1, style_array=style)


@functools.cache
def _styled_cell_class() -> type:
    from openpyxl.cell.cell import Cell

    class StyledCell(Cell):
        # openpyxl's append tries each value as a plain one first and formats the cell's repr
        # into the ValueError it then catches: keep that repr short
        __slots__ = ()

        def __repr__(self) -> str:
            return "<styled cell>"

    return StyledCell


def _sheet(title: str, headers: list[str], rows: Iterable[list], colours: dict[str, dict] | None = None) -> dict:
    return {"title": title, "headers": headers, "colours": colours or {}, "rows": rows}


def workbook_sheets(data: ReportInput) -> list[dict]:
    """The workbook as plain data: one ``{"title", "headers", "colours", "rows"}`` per sheet,
    the rows an iterable of lists of JSON values (the findings' rows made as they are read)."""
    results, assessment = data.results, data.assessment
    sheets = [_sheet("Findings", FINDING_COLUMNS, finding_rows(results))]

    tallies: dict[str, dict[str, int]] = {}
    for f in results.get("findings") or []:
        t = tallies.setdefault(f["control_id"], {"pass": 0, "fail": 0, "error": 0, "waived": 0})
        if f["status"] in t:
            t[f["status"]] += 1
    control_rows = []
    for cid, c in sorted((results.get("controls") or {}).items()):
        t = tallies.get(cid, {"pass": 0, "fail": 0, "error": 0, "waived": 0})
        fw = c.get("frameworks") or {}
        control_rows.append([cid, c.get("title", ""), c.get("severity", ""), ", ".join((c.get("applies_to") or {})
                             .get("kinds", []) or ["any"]), frameworks_text(fw),
                             "; ".join(fw.get("pci-dss-4.0", [])), "; ".join(fw.get("iso27001-2022", [])),
                             "; ".join(fw.get("nist-800-53-r5", [])), "; ".join(fw.get("cis-v8", [])),
                             ", ".join(c.get("mitigates") or []), t["pass"], t["fail"], t["error"], t["waived"],
                             c.get("description", ""), c.get("remediation", "")])
    sheets.append(_sheet("Controls", ["control", "title", "severity", "kinds", "frameworks", "pci-dss-4.0",
                                      "iso27001-2022", "nist-800-53-r5", "cis-v8", "mitigates", "pass", "fail",
                                      "error", "waived", "description", "remediation"], control_rows))

    if assessment:
        legend = {b["rating"]: b["colour"] for b in assessment["config"]["legend"]}
        risk_rows = []
        for r in assessment.get("risks") or []:
            eff = r.get("effectiveness")
            c = r.get("counts") or {}
            risk_rows.append([r["id"], r["title"], r.get("asset_class", ""), r.get("owner", ""), r["likelihood"],
                              r["impact"], r["inherent_score"], r["inherent_rating"],
                              None if eff is None else round(100 * eff, 1), r["residual_score"], r["residual_rating"],
                              c.get("pass", 0), c.get("fail", 0), c.get("error", 0), c.get("waived", 0),
                              r.get("evidence_status", ""), ", ".join(r.get("controls") or []),
                              ", ".join(sorted({x["asset_id"] for x in r.get("failing") or []})),
                              f"{r.get('risk_source', '')} exploiting {r.get('vulnerability', '')}: {r.get('threat', '')}",
                              r.get("note", "")])
        for r in assessment.get("not_assessed") or []:      # listed apart: no rating, no count
            risk_rows.append([r["id"], r["title"], r.get("asset_class", ""), r.get("owner", ""), None, None, None, "",
                              None, None, "", 0, 0, 0, 0, "not-assessed", "", "", "", r["reason"]])
        sheets.append(_sheet("Risks", ["risk", "title", "asset class", "owner", "likelihood", "impact", "inherent",
                                       "inherent rating", "effectiveness %", "residual", "residual rating", "pass",
                                       "fail", "error", "waived", "evidence", "controls", "failing assets",
                                       "statement", "note"],
                             risk_rows, colours={"inherent rating": legend, "residual rating": legend}))
        cai = assessment["cai"]
        cai_rows = [["overall", "overall", cai["overall"].get("value"), *(cai["overall"].get(k, 0) for k in
                    ("pass", "fail", "error", "waived", "skip", "weighted_pass", "weighted_total"))]]
        for breakdown, groups in (cai.get("by") or {}).items():
            for key, e in groups.items():
                cai_rows.append([breakdown, key, e.get("value"), *(e.get(k, 0) for k in
                                 ("pass", "fail", "error", "waived", "skip", "weighted_pass", "weighted_total"))])
        sheets.append(_sheet("CAI", ["breakdown", "group", "CAI", "pass", "fail", "error", "waived", "skip",
                                     "weighted pass", "weighted total"], cai_rows))
    if data.ages and data.ages.get("runs"):
        sheets += _age_sheets(data.ages)
    if data.history:
        sheets.append(_sheet("Trend", ["run", "started", "CAI", "assets", "pass", "fail", "error", "waived"],
                             [[h["id"], h.get("started_at"), h.get("cai"), h.get("assets"),
                               *((h.get("counts") or {}).get(k, 0) for k in ("pass", "fail", "error", "waived"))]
                              for h in data.history]))
    return sheets


def _age_sheets(ages: dict) -> list[dict]:
    """Key risk indicators (overall, by department, by severity) and each finding's age or
    time to remediate, from the run history (docs/risk-method.md)."""
    rows = []
    for scope, groups in (("overall", {"overall": ages["overall"]}), ("department", ages["by_owner"]),
                          ("severity", ages["by_severity"])):
        for key, g in groups.items():
            rows.append([scope, key, g["failing"], g["older_than_30"], g["older_than_90"], g["fixed"],
                         g["median_days_to_fix"]])
    items = [[f["asset_id"], f["control_id"], f["severity"], "failing", f["first_seen_run"], f["first_seen"],
              f["age_days"], None, None] for f in ages["failing"]]
    items += [[f["asset_id"], f["control_id"], f["severity"], "fixed", f["first_seen_run"], f["first_seen"], None,
               f["fixed_run"], f["days_to_fix"]] for f in ages["fixed"]]
    return [_sheet("Finding age KRI", ["breakdown", "group", "failing", "older than 30 days", "older than 90 days",
                                       "fixed", "median days to remediate"], rows),
            _sheet("Finding age", ["asset", "control", "severity", "state", "first seen failing (run)",
                                   "first seen failing", "age days", "fixed in run", "days to remediate"], items)]


def _saved(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(sheets: Iterable[dict]) -> bytes:
    """The XLSX file of ``workbook_sheets``."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sheet in sheets:
        writer = _SheetWriter(wb, sheet["title"], sheet["headers"], sheet["colours"])
        for row in sheet["rows"]:
            writer.append(row)
        writer.close()
    return _saved(wb)


_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _line(value: object) -> bytes:
    # ensure_ascii=False escapes only the newline among line breaks: one value per line
    return _LINE.encode(value).encode() + b"\n"


def workbook_lines(data: ReportInput) -> Iterator[bytes]:
    """``workbook_sheets`` as JSON lines (what ``reports.parallel`` sends the process that
    writes the workbook): a sheet's ``{"title", "headers", "colours"}``, then one line per
    row. TypeError for a value JSON cannot carry."""
    for sheet in workbook_sheets(data):
        yield _line({k: v for k, v in sheet.items() if k != "rows"})
        for row in sheet["rows"]:
            yield _line(row)


def write_workbook_lines(lines: Iterable[bytes]) -> bytes:
    """The XLSX file of ``workbook_lines``, written row by row as the lines are read."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    writer = None
    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict):
            if writer is not None:
                writer.close()
            writer = _SheetWriter(wb, item["title"], item["headers"], item["colours"])
        elif writer is None:
            raise ValueError("a row before any sheet")
        else:
            writer.append(item)
    if writer is not None:
        writer.close()
    return _saved(wb)


class XlsxReport(ReportFormat):
    name = "xlsx"
    file_name = "report.xlsx"
    binary = True

    def render(self, data: ReportInput) -> bytes:
        return write_workbook(workbook_sheets(data))
