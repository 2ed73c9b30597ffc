"""Report formats, one module each. Register a new format with one line here."""

from __future__ import annotations

import importlib

from ..errors import InputError
from .base import ReportFormat, ReportInput

REGISTRY: dict[str, str] = {
    "text": "controlcheck.reports.text:TextReport",
    "json": "controlcheck.reports.json_results:JsonReport",
    "junit": "controlcheck.reports.junit:JUnitReport",
    "html": "controlcheck.reports.html:HtmlReport",
    "xlsx": "controlcheck.reports.xlsx:XlsxReport",
    "csv": "controlcheck.reports.csv_report:CsvReport",
    "oscal": "controlcheck.reports.oscal:OscalReport",
    "sarif": "controlcheck.reports.sarif:SarifReport",
    "markdown": "controlcheck.reports.markdown:MarkdownReport",
    "evidence": "controlcheck.reports.evidence:EvidenceReport",
}


def get_format(name: str) -> ReportFormat:
    try:
        module_name, class_name = REGISTRY[name].split(":")
    except KeyError:
        raise InputError(f"unknown format {name!r} (known: {', '.join(sorted(REGISTRY))})") from None
    return getattr(importlib.import_module(module_name), class_name)()


__all__ = ["REGISTRY", "ReportFormat", "ReportInput", "get_format"]
