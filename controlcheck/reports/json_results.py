"""The results document as JSON (docs/results.md).

Top-level keys are indented for a reader; each finding and each asset is one line of
compact JSON, so a diff of two results files still shows one line per changed finding.

A million findings are written as a stream, a few hundred lines per write, never as one
string (building the whole text, then its UTF-8 bytes, took 1.5 GiB and 12-15 s). A finding
repeats its neighbours: the asset id, the control's title, frameworks and mitigated risks,
the outcome's message and observed value, the document's evidence are the same objects
finding after finding. The text of each ``"key": value`` pair is kept by the value's
identity for the length of one write and a line is joined from those texts: the same text
json's C encoder gives, in half its time (it encodes every evidence list and framework
map again for every finding). A document read back from JSON shares no value between its
findings; when nearly every line of a batch after the first is new, the rest go to the C
encoder. The other keys (the assessment: 7 MB at 1,000 assets) are
indented by ``_shared.indented_json``, twice as fast as json's indenting encoder and byte
for byte the same."""

from __future__ import annotations

import json
from typing import Callable, TextIO

from ._shared import indented_json
from .base import ReportFormat, ReportInput

from json.encoder import c_make_encoder
from json.encoder import encode_basestring as _encode_str     # the C one where there is one

_ONE_LINE = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": "))
_PER_LINE_KEYS = ("findings", "assets")
_LINES_PER_WRITE = 500
_KEPT = 4096            # texts kept per key at most (messages naming a device's own values never recur)
_NONE: dict = {}


def _line_encoder() -> Callable[[object], str]:
    """``_ONE_LINE.encode`` without building json's C encoder anew for every call."""
    if c_make_encoder is None:      # pragma: no cover - CPython has it
        return _ONE_LINE.encode
    encoder = c_make_encoder(None, str, _encode_str, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encoder(value, 0))


class _Lines:
    """One compact JSON line per dict, as ``_ONE_LINE.encode`` writes it. The text of each
    ``"key": value`` pair is kept per key and value identity, the value kept alive with it
    so that no other object can take its id while the text is kept."""

    def __init__(self) -> None:
        self.encode = _line_encoder()
        self.misses = 0         # lines with a pair not met before
        self.pairs: dict[object, dict[int, str]] = {}
        self.alive: dict[object, dict[int, object]] = {}

    def line(self, item: object) -> str:
        if type(item) is not dict:
            return self.encode(item)
        pairs = self.pairs
        try:        # a KeyError is a pair not met before: no test per pair on the way
            parts = [pairs[key][id(value)] for key, value in item.items()]
        except KeyError:
            self.misses += 1
            if any(type(key) is not str for key in item):     # json turns other keys into strings
                return self.encode(item)
            parts = [pairs.get(key, _NONE).get(id(value)) or self._learn(key, value) for key, value in item.items()]
        return "{" + ", ".join(parts) + "}"

    def _learn(self, key: str, value: object) -> str:
        texts, alive = self.pairs.get(key), self.alive.get(key)
        if texts is None or alive is None:
            texts, alive = self.pairs[key], self.alive[key] = {}, {}
        elif len(texts) >= _KEPT:
            # small tables stay in the CPU's cache; the values that recur (a control's title, an
            # outcome's message) are learnt again at once, the one-off ones are dropped
            texts.clear()
            alive.clear()
        text = texts[id(value)] = _encode_str(key) + ": " + (
            _encode_str(value) if type(value) is str else self.encode(value))
        alive[id(value)] = value
        return text


def write_results_json(doc: dict, out: TextIO) -> None:
    """Write ``doc`` to ``out`` as :func:`results_json` would return it."""
    out.write("{")
    last = len(doc) - 1
    lines = _Lines()
    for i, (key, value) in enumerate(doc.items()):
        comma = "," if i < last else ""
        name = _ONE_LINE.encode(key)
        if key in _PER_LINE_KEYS and isinstance(value, list) and value:
            out.write(f"\n  {name}: [\n    ")
            line = lines.line
            for start in range(0, len(value), _LINES_PER_WRITE):
                missed = lines.misses
                items = value[start:start + _LINES_PER_WRITE]
                batch = ",\n    ".join([line(item) for item in items])
                out.write(batch if start == 0 else ",\n    " + batch)
                if line == lines.line and start and lines.misses - missed > 0.9 * len(items):
                    # a batch past the first (which learns every control's texts) with nearly
                    # every line new: values that are not shared objects (a document read back
                    # from JSON), where the C encoder alone is three times faster than learning
                    line = lines.encode
            out.write(f"\n  ]{comma}")
        else:
            text = indented_json(value, indent="  ")
            out.write(f"\n  {name}: {text}{comma}")
    out.write("\n}\n")


class _Parts(list):
    write = list.append


def results_json(doc: dict) -> str:
    parts = _Parts()
    write_results_json(doc, parts)
    return "".join(parts)


def report_text(data: ReportInput) -> str:
    """The JSON report of ``data``, made once per report input: the evidence bundle packs
    these very bytes as its results.json (so the file beside the bundle hashes to the
    manifest's entry), and ``JsonReport`` then writes them rather than encoding again."""
    text = data.cache.get("results-json")
    if text is None:
        text = data.cache["results-json"] = results_json(JsonReport.document(data))
    return text


class JsonReport(ReportFormat):
    name = "json"
    file_name = "results.json"

    def render(self, data: ReportInput) -> str:
        return data.cache.pop("results-json", None) or results_json(self.document(data))

    def write(self, data: ReportInput, out: TextIO) -> None:
        text = data.cache.pop("results-json", None)     # made for the evidence bundle already
        if text is not None:
            out.write(text)
        else:
            write_results_json(self.document(data), out)

    @staticmethod
    def document(data: ReportInput) -> dict:
        doc = data.results
        if data.assessment is not None:
            doc = dict(doc, assessment=data.assessment)
        return doc
