"""Writing output files so that a reader (or an interrupted run) never sees half a file."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write beside the target under a name unique to this process and thread, then rename
    over it (atomic on POSIX); missing parent folders are made."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.{threading.get_ident()}")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")
