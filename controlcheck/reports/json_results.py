"""The results document as JSON (docs/results.md).

Top-level keys are indented for a reader; each finding and each asset is one line of
compact JSON. A million findings then serialise with the C encoder (json's indenting
encoder is pure Python: 8.5 s per 100,000 findings against about 1 s this way) and a
diff of two results files still shows one line per changed finding. The other keys (the
assessment: 7 MB at 1,000 assets) are indented by ``_shared.indented_json``, twice as fast
as json's indenting encoder and byte for byte the same."""

from __future__ import annotations

import json

from ._shared import indented_json
from .base import ReportFormat, ReportInput

_ONE_LINE = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": "))
_PER_LINE_KEYS = ("findings", "assets")


def results_json(doc: dict) -> str:
    # one list joined once: a fleet's document is 19 MB, and each intermediate join or
    # f-string around the findings copied it again
    parts = ["{\n"]
    last = len(doc) - 1
    for i, (key, value) in enumerate(doc.items()):
        end = ",\n" if i < last else "\n"
        name = _ONE_LINE.encode(key)
        if key in _PER_LINE_KEYS and isinstance(value, list) and value:
            parts.append(f"  {name}: [\n    ")
            for j, item in enumerate(value):
                if j:
                    parts.append(",\n    ")
                parts.append(_ONE_LINE.encode(item))
            parts.append(f"\n  ]{end}")
        else:
            parts += (f"  {name}: ", indented_json(value, indent="  "), end)
    parts.append("}\n")
    return "".join(parts)


class JsonReport(ReportFormat):
    name = "json"
    file_name = "results.json"

    def render(self, data: ReportInput) -> str:
        doc = data.results
        if data.assessment is not None:
            doc = dict(doc, assessment=data.assessment)
        return results_json(doc)
