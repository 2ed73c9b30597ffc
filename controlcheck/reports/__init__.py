"""Report formats, one module each. Register a new format with one line here."""

from __future__ import annotations

import importlib

from ..errors import InputError
from .base import ReportFormat, ReportInput

REGISTRY: dict[str, str] = {
    "text": "controlcheck.reports.text:TextReport",
    "json": "controlcheck.reports.json_results:JsonReport",
    "junit": "controlcheck.reports.junit:JUnitReport",
}


def get_format(name: str) -> ReportFormat:
    try:
        module_name, class_name = REGISTRY[name].split(":")
    except KeyError:
        raise InputError(f"unknown format {name!r} (known: {', '.join(sorted(REGISTRY))})") from None
    return getattr(importlib.import_module(module_name), class_name)()


__all__ = ["REGISTRY", "ReportFormat", "ReportInput", "get_format"]
