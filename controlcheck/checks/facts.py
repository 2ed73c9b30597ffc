"""Read saved facts documents (a file, or a directory of ``*.json``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import InputError
from ..yamlio import check_depth, describe_schema_error, validator_for

# deeper than any collector writes (about 8); a deeper document is refused before the schema
# validation and the evaluator, which recurse, meet it
FACTS_MAX_DEPTH = 100


def load_facts_file(path: Path, validate: bool = True) -> tuple[dict, str]:
    """One facts document and the sha256 of its bytes. ``validate=False`` skips the schema
    (2.7 ms a document, most of reading it): only for documents this run's own collectors
    just wrote, which the tests hold to the schema."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text, expected a JSON facts document", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=str(path), line=exc.lineno) from None
    except RecursionError:
        raise InputError(f"nested deeper than {FACTS_MAX_DEPTH} levels: refused", file=str(path)) from None
    check_depth(doc, str(path), limit=FACTS_MAX_DEPTH, what="facts document")
    errors = sorted(validator_for("facts").iter_errors(doc), key=lambda e: len(e.absolute_path)) if validate else []
    if errors:
        raise InputError(f"not a facts document: {describe_schema_error(errors[0])}", file=str(path))
    return doc, hashlib.sha256(raw).hexdigest()


def facts_paths(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError("facts path does not exist", file=str(path))
    if path.is_file():
        return [path]
    files = sorted(p for p in path.glob("*.json") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError("no facts documents (*.json) in this directory", file=str(path))
    return files


def load_facts(path: str | Path, validate: bool = True) -> list[dict]:
    """Facts documents under ``path``; each gets ``_source`` (path, sha256) for the run's inputs.
    ``validate``: see :func:`load_facts_file`."""
    documents = []
    seen: dict[str, Path] = {}
    for f in facts_paths(Path(path)):
        doc, digest = load_facts_file(f, validate)
        asset_id = doc["asset"]["id"]
        if asset_id in seen:
            raise InputError(f"asset {asset_id!r} also has facts in {seen[asset_id]}", file=str(f))
        seen[asset_id] = f
        doc["_source"] = {"path": str(f), "sha256": digest}
        documents.append(doc)
    return documents
