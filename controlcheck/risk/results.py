"""Read a results document (``controlcheck check --format json``) for the risk commands."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..vocabulary import SEVERITIES, STATUSES


def load_results(path: str | Path) -> dict:
    """A results document (docs/results.md); anything else is an InputError with its file."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected the JSON of 'controlcheck check --format json'", file=file) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=file) from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text, expected a JSON results document", file=file) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list) or not isinstance(doc.get("assets"), list):
        raise InputError("not a results document (expected 'assets' and 'findings' lists; "
                         "write one with 'controlcheck check --format json')", file=file)
    for i, f in enumerate(doc["findings"]):
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("asset_id", "control_id", "status",
                                                                                   "severity")):
            raise InputError(f"finding #{i + 1}: needs asset_id, control_id, status and severity", file=file)
        if f["status"] not in STATUSES or f["severity"] not in SEVERITIES:
            raise InputError(f"finding #{i + 1} ({f['control_id']} on {f['asset_id']}): status {f['status']!r} / "
                             f"severity {f['severity']!r} not understood", file=file)
    for i, a in enumerate(doc["assets"]):
        if not isinstance(a, dict) or not isinstance(a.get("id"), str):
            raise InputError(f"asset #{i + 1}: needs an id", file=file)
    return doc
