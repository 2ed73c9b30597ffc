"""The results document as JSON (docs/results.md)."""

from __future__ import annotations

import json

from .base import ReportFormat, ReportInput


class JsonReport(ReportFormat):
    name = "json"
    suffix = ".json"

    def render(self, data: ReportInput) -> str:
        doc = data.results
        if data.assessment is not None:
            doc = dict(doc, assessment=data.assessment)
        return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
