"""An Excel workbook for auditors: sheets Findings, Controls (with framework
references), Risks and CAI (by breakdown). Every sheet has a frozen, bold header row and an
autofilter. Text cells are written as text (``=...`` from a device never becomes a formula)."""

from __future__ import annotations

import io
import math
import re
import zipfile
from typing import Iterable

from ._shared import frameworks_text
from .base import ReportFormat, ReportInput
from .csv_report import COLUMNS as FINDING_COLUMNS
from .csv_report import finding_table

_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")     # not allowed in XML 1.0
_WIDTHS = {"message": 70, "evidence": 60, "remediation": 50, "title": 40, "frameworks": 40, "description": 60,
           "statement": 60, "failing assets": 40}
_CELL_LIMIT = 32000             # Excel's cell limit is 32,767 characters
_ROWS_PER_WRITE = 1000
_KEPT_TAILS = 50_000            # cell texts kept per sheet (a fleet's messages never recur)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"

# cell styles (cellXfs): 0 plain, 1 header (bold on grey), 2 wrapped text at the top, then
# one per rating colour (white bold on the legend's colour), numbered as they are first used
_HEADER, _WRAP, _FIRST_RATING = 1, 2, 3


def _text(value: str) -> str:
    """``value`` as the text of an XML element: control characters XML refuses left out,
    cut at Excel's cell limit."""
    if not value.isprintable() and _ILLEGAL_RE.search(value):      # rare: only then
        value = _ILLEGAL_RE.sub("", value)
    if len(value) > _CELL_LIMIT:
        value = value[:_CELL_LIMIT]
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in value:                   # a bare CR would be read back as a line feed
        value = value.replace("\r", "&#13;")
    return value


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")


def _column_letters(n: int) -> list[str]:
    letters = []
    for i in range(1, n + 1):
        name = ""
        while i:
            i, rest = divmod(i - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _entry(name: str) -> zipfile.ZipInfo:
    # no clock in the file: the same findings give the same bytes
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class _Workbook:
    """An XLSX file written sheet by sheet, row by row, straight into its zip (constant
    memory, linear time): SpreadsheetML as ECMA-376 defines it, the same cells, styles,
    frozen header rows and autofilters openpyxl's write-only workbook wrote.

    openpyxl cost about 8 us per cell (a Cell object, its value checked and an lxml
    element made for each): 275,000 cells, 3.5-5.5 s at 1,000 assets, most of the report
    stage. Here a row is one formatted string, about 1 us per cell. openpyxl stays the
    reader the tests hold this writer to (tests/test_report_tables.py).

    Strings are always inline string cells, so text from a device (``=HYPERLINK(...)``,
    ``#N/A``) is never a formula or an error value; numbers and booleans are typed cells;
    None and empty strings are no cell at all, as in a sheet typed by hand."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buf, "w", compression=zipfile.ZIP_DEFLATED)
        self.sheets: list[tuple[str, str]] = []      # (title, autofilter range)
        self.ratings: dict[str, int] = {}            # colour -> cell style

    def rating_style(self, colour: str) -> int:
        style = self.ratings.get(colour)
        if style is None:
            style = self.ratings[colour] = _FIRST_RATING + len(self.ratings)
        return style

    def sheet(self, title: str, headers: list[str], colours: dict[str, dict]) -> _SheetWriter:
        return _SheetWriter(self, title, headers, colours)

    def close(self) -> bytes:
        n = len(self.sheets)

        def write(name: str, text: str) -> None:
            self.zip.writestr(_entry(name), text)
        sheets = "".join(f'<sheet name="{_attr(title)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (title, _) in enumerate(self.sheets, start=1))
        filters = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                          f"'{_text(title.replace(chr(39), chr(39) * 2))}'!{ref}</definedName>"
                          for i, (title, ref) in enumerate(self.sheets))
        write("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
              f'<sheets>{sheets}</sheets>' + (f"<definedNames>{filters}</definedNames>" if filters else "")
              + "</workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        write("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<Relationships xmlns="{_PKG_REL}">{rels}<Relationship Id="rId{n + 1}" Type="{_REL}/styles" '
              f'Target="styles.xml"/></Relationships>')
        write("xl/styles.xml", self._styles())
        write("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
              f'Target="xl/workbook.xml"/></Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.spreadsheetml.'
                            f'worksheet+xml"/>' for i in range(1, n + 1))
        write("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
              f'<Default Extension="xml" ContentType="application/xml"/>'
              f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
              f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
              f'{overrides}</Types>')
        self.zip.close()
        return self.buf.getvalue()

    def _styles(self) -> str:
        fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{_attr(c.lstrip("#").upper())}"/>'
                        f'</patternFill></fill>' for c in self.ratings)
        ratings = "".join(f'<xf numFmtId="0" fontId="2" fillId="{3 + i}" borderId="0" xfId="0" applyFont="1" '
                          f'applyFill="1"/>' for i in range(len(self.ratings)))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
                '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
                '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
                '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font></fonts>'
                f'<fills count="{3 + len(self.ratings)}"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill>'
                f'<fill><patternFill patternType="solid"><fgColor rgb="FFDDDDDD"/></patternFill></fill>{fills}</fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{_FIRST_RATING + len(self.ratings)}">'
                '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
                '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
                f'<alignment vertical="top" wrapText="1"/></xf>{ratings}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


class _SheetWriter:
    """One sheet of a ``_Workbook``: frozen header row, autofilter over every row, wide
    text columns wrapped, rating columns (``colours``: header -> value -> colour) in the
    legend's colours. Rows are written as they are appended, a thousand at a time."""

    def __init__(self, book: _Workbook, title: str, headers: list[str], colours: dict[str, dict]):
        self.book, self.title, self.headers = book, title, headers
        book.sheets.append((title, ""))
        self.index = len(book.sheets)
        width = max(len(headers), 1)
        self.letters = _column_letters(width)
        wrap = {i for i, h in enumerate(headers) if _WIDTHS.get(h, 0) >= 40}
        # per column: the style every value wears there, and the colour of each rating value
        self.styles = [f' s="{_WRAP}"' if i in wrap else "" for i in range(width)]
        self.colours = {i: colours[h] for i, h in enumerate(headers) if h in colours}
        self.tails: dict[tuple, str] = {}
        self.stream = book.zip.open(_entry(f"xl/worksheets/sheet{self.index}.xml"), "w")
        cols = "".join(f'<col min="{i}" max="{i}" width="{_WIDTHS.get(h, max(12, len(h) + 2))}" customWidth="1"/>'
                       for i, h in enumerate(headers, start=1))
        self.stream.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
                           f'xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
                           f'topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                           f'activeCell="A2" sqref="A2"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                           + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>").encode())
        self.rows = 1
        self.pending = ['<row r="1">' + "".join(
            f'<c r="{self.letters[i]}1" s="{_HEADER}" t="inlineStr"><is><t>{_text(h)}</t></is></c>'
            for i, h in enumerate(headers)) + "</row>"]

    def append(self, row: list) -> None:
        self.rows += 1
        r = str(self.rows)
        letters, tails = self.letters, self.tails
        cells = []
        add = cells.append
        for i, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = letters[i] if i < len(letters) else _column_letters(i + 1)[-1]
            # most cells repeat a value of their column (a site, a control's title): what
            # follows the cell's reference is made once per column and value
            key = (i, value, type(value))
            tail = tails.get(key)
            if tail is None:
                if len(tails) > _KEPT_TAILS:
                    tails.clear()
                tail = tails[key] = self._tail(i, value)
            if tail:
                add(f'<c r="{ref}{r}"{tail}')
        self.pending.append(f'<row r="{r}">{"".join(cells)}</row>')
        if len(self.pending) >= _ROWS_PER_WRITE:
            self._flush()

    def _tail(self, i: int, value: object) -> str:
        """What follows ``<c r="A1"`` in a cell of column ``i`` holding ``value``: its style,
        type and value; empty for text with nothing XML can hold."""
        style = self.styles[i] if i < len(self.styles) else ""
        if i in self.colours and type(value) is str:
            colour = self.colours[i].get(value)
            if colour:
                style = f' s="{self.book.rating_style(colour)}"'
        if value is True or value is False:
            return f'{style} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f'{style}><v>{int(value)}</v></c>'
        if isinstance(value, float) and math.isfinite(value):
            return f'{style}><v>{float(value)!r}</v></c>'
        text = _text(value if isinstance(value, str) else str(value))     # not a number Excel holds: text
        if not text:
            return ""
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        return f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def _flush(self) -> None:
        # a device's lone surrogate (from JSON) cannot be UTF-8: it becomes "?"
        self.stream.write("".join(self.pending).encode("utf-8", "replace"))
        self.pending = []

    def close(self) -> None:
        self._flush()
        last = self.letters[-1]
        ref = f"A1:{last}{self.rows}"
        self.book.sheets[self.index - 1] = (self.title, f"$A$1:${last}${self.rows}")
        self.stream.write(f'</sheetData><autoFilter ref="{ref}"/><pageMargins left="0.75" right="0.75" top="1" '
                          f'bottom="1" header="0.5" footer="0.5"/></worksheet>'.encode())
        self.stream.close()


def _sheet(title: str, headers: list[str], rows: Iterable[list], colours: dict[str, dict] | None = None) -> dict:
    return {"title": title, "headers": headers, "colours": colours or {}, "rows": rows}


def workbook_sheets(data: ReportInput) -> list[dict]:
    """The workbook as plain data: one ``{"title", "headers", "colours", "rows"}`` per sheet,
    the rows an iterable of lists of JSON values (the findings' rows made as they are read)."""
    results, assessment = data.results, data.assessment
    sheets = [_sheet("Findings", FINDING_COLUMNS, finding_table(data))]

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


def write_workbook(sheets: Iterable[dict]) -> bytes:
    """The XLSX file of ``workbook_sheets``."""
    book = _Workbook()
    for sheet in sheets:
        writer = book.sheet(sheet["title"], sheet["headers"], sheet["colours"])
        for row in sheet["rows"]:
            writer.append(row)
        writer.close()
    return book.close()


class XlsxReport(ReportFormat):
    name = "xlsx"
    file_name = "report.xlsx"
    binary = True

    def render(self, data: ReportInput) -> bytes:
        return write_workbook(workbook_sheets(data))
