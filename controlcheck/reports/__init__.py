"""Report formats, one module each. Register a new format with one line in ``FORMAT_CLASSES``;
its class carries its name, file name and flags (``base.ReportFormat``), which ``audit``,
``report --format`` and ``check --format`` read from here."""

from __future__ import annotations

import functools
import importlib

from ..errors import InputError
from .base import ReportFormat, ReportInput

FORMAT_CLASSES = (
    "controlcheck.reports.text:TextReport",
    "controlcheck.reports.json_results:JsonReport",
    "controlcheck.reports.junit:JUnitReport",
    "controlcheck.reports.html:HtmlReport",
    "controlcheck.reports.pdf:PdfReport",
    "controlcheck.reports.xlsx:XlsxReport",
    "controlcheck.reports.csv_report:CsvReport",
    "controlcheck.reports.oscal:OscalReport",
    "controlcheck.reports.sarif:SarifReport",
    "controlcheck.reports.markdown:MarkdownReport",
    "controlcheck.reports.evidence:EvidenceReport",
)


@functools.cache
def formats() -> dict[str, type[ReportFormat]]:
    """Every registered format class by its name, in registration order."""
    out: dict[str, type[ReportFormat]] = {}
    for ref in FORMAT_CLASSES:
        module_name, class_name = ref.split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        out[cls.name] = cls
    return out


def format_names(*, audit: bool = False, results_only: bool = False) -> list[str]:
    """Names of the formats ``audit`` writes (``audit``) or that render from check results
    alone (``results_only``); all of them otherwise."""
    return [name for name, cls in formats().items()
            if (not audit or cls.file_name) and (not results_only or not cls.needs_run)]


def get_format(name: str) -> ReportFormat:
    try:
        return formats()[name]()
    except KeyError:
        raise InputError(f"unknown format {name!r} (known: {', '.join(sorted(formats()))})") from None


__all__ = ["FORMAT_CLASSES", "ReportFormat", "ReportInput", "format_names", "formats", "get_format"]
