"""An Excel workbook for auditors (openpyxl): sheets Findings, Controls (with framework
references), Risks and CAI (by breakdown). Every sheet has a frozen, bold header row and an
autofilter. Text cells are written as text (``=...`` from a device never becomes a formula)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ._shared import frameworks_text
from .base import ReportFormat, ReportInput
from .csv_report import COLUMNS as FINDING_COLUMNS
from .csv_report import finding_rows

if TYPE_CHECKING:
    from openpyxl import Workbook

_ILLEGAL = {c: None for c in range(0x20) if c not in (0x9, 0xA, 0xD)}
_WIDTHS = {"message": 70, "evidence": 60, "remediation": 50, "title": 40, "frameworks": 40, "description": 60,
           "statement": 60, "failing assets": 40}


def _clean(value):
    if isinstance(value, str):
        return value.translate(_ILLEGAL)[:32000]   # Excel's cell limit is 32,767 characters
    return value


def _sheet(wb: Workbook, title: str, headers: list[str], rows, colours: dict[int, dict] | None = None) -> None:
    """A write-only sheet (constant memory, linear time): frozen header row, autofilter over
    every row, wide text columns wrapped, rating columns in the legend's colours.

    Each style is registered with the workbook once and its style array shared by every cell
    that wears it: setting font/fill/alignment per cell would look each one up again (half
    the time of a 1,000-asset workbook)."""
    from openpyxl.cell.cell import TYPE_STRING, Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)

    def styled(**style) -> object:
        cell = Cell(ws)
        for name, value in style.items():
            setattr(cell, name, value)
        return cell._style

    header_style = styled(font=Font(bold=True), fill=PatternFill("solid", fgColor="DDDDDD"))
    wrap_style = styled(alignment=Alignment(wrap_text=True, vertical="top"))
    white_bold = Font(color="FFFFFF", bold=True)
    rating_styles: dict[str, object] = {}
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(h, max(12, len(h) + 2))
    ws.freeze_panes = "A2"        # must be set before the first row of a write-only sheet
    ws.append([Cell(ws, row=1, column=1, value=h, style_array=header_style) for h in headers])
    wrap_cols = {i for i, h in enumerate(headers) if _WIDTHS.get(h, 0) >= 40}
    colours = colours or {}
    n = 1
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            value = _clean(value)
            style = wrap_style if i in wrap_cols else None
            colour = colours.get(i + 1, {}).get(value) if isinstance(value, str) else None
            if colour:
                if colour not in rating_styles:
                    rating_styles[colour] = styled(fill=PatternFill("solid", fgColor=colour.lstrip("#")),
                                                   font=white_bold)
                style = rating_styles[colour]
            if style is None and not (isinstance(value, str) and value[:1] == "="):
                cells.append(value)    # a plain value: openpyxl makes the cell itself
                continue
            cell = Cell(ws, row=1, column=1, value=value, style_array=style)
            if isinstance(value, str):
                cell.data_type = TYPE_STRING   # never a formula, whatever the text starts with
            cells.append(cell)
        ws.append(cells)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n}"


def build_workbook(data: ReportInput) -> Workbook:
    from openpyxl import Workbook

    results, assessment = data.results, data.assessment
    wb = Workbook(write_only=True)
    _sheet(wb, "Findings", FINDING_COLUMNS, finding_rows(results))

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
    _sheet(wb, "Controls", ["control", "title", "severity", "kinds", "frameworks", "pci-dss-4.0", "iso27001-2022",
                            "nist-800-53-r5", "cis-v8", "mitigates", "pass", "fail", "error", "waived",
                            "description", "remediation"], control_rows)

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
        _sheet(wb, "Risks", ["risk", "title", "asset class", "owner", "likelihood", "impact", "inherent",
                             "inherent rating", "effectiveness %", "residual", "residual rating", "pass", "fail",
                             "error", "waived", "evidence", "controls", "failing assets", "statement", "note"],
               risk_rows, colours={8: legend, 11: legend})
        cai = assessment["cai"]
        cai_rows = [["overall", "overall", cai["overall"].get("value"), *(cai["overall"].get(k, 0) for k in
                    ("pass", "fail", "error", "waived", "skip", "weighted_pass", "weighted_total"))]]
        for breakdown, groups in (cai.get("by") or {}).items():
            for key, e in groups.items():
                cai_rows.append([breakdown, key, e.get("value"), *(e.get(k, 0) for k in
                                 ("pass", "fail", "error", "waived", "skip", "weighted_pass", "weighted_total"))])
        _sheet(wb, "CAI", ["breakdown", "group", "CAI", "pass", "fail", "error", "waived", "skip", "weighted pass",
                           "weighted total"], cai_rows)
    if data.ages and data.ages.get("runs"):
        _age_sheets(wb, data.ages)
    if data.history:
        _sheet(wb, "Trend", ["run", "started", "CAI", "assets", "pass", "fail", "error", "waived"],
               [[h["id"], h.get("started_at"), h.get("cai"), h.get("assets"),
                 *((h.get("counts") or {}).get(k, 0) for k in ("pass", "fail", "error", "waived"))]
                for h in data.history])
    return wb


def _age_sheets(wb: Workbook, ages: dict) -> None:
    """Key risk indicators (overall, by department, by severity) and each finding's age or
    time to remediate, from the run history (docs/risk-method.md)."""
    rows = []
    for scope, groups in (("overall", {"overall": ages["overall"]}), ("department", ages["by_owner"]),
                          ("severity", ages["by_severity"])):
        for key, g in groups.items():
            rows.append([scope, key, g["failing"], g["older_than_30"], g["older_than_90"], g["fixed"],
                         g["median_days_to_fix"]])
    _sheet(wb, "Finding age KRI", ["breakdown", "group", "failing", "older than 30 days", "older than 90 days",
                                   "fixed", "median days to remediate"], rows)
    items = [[f["asset_id"], f["control_id"], f["severity"], "failing", f["first_seen_run"], f["first_seen"],
              f["age_days"], None, None] for f in ages["failing"]]
    items += [[f["asset_id"], f["control_id"], f["severity"], "fixed", f["first_seen_run"], f["first_seen"], None,
               f["fixed_run"], f["days_to_fix"]] for f in ages["fixed"]]
    _sheet(wb, "Finding age", ["asset", "control", "severity", "state", "first seen failing (run)",
                               "first seen failing", "age days", "fixed in run", "days to remediate"], items)


class XlsxReport(ReportFormat):
    name = "xlsx"
    file_name = "report.xlsx"
    binary = True

    def render(self, data: ReportInput) -> bytes:
        buf = io.BytesIO()
        build_workbook(data).save(buf)
        return buf.getvalue()
