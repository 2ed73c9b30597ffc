"""Writing output files so that a reader (or an interrupted run) never sees half a file.

A regular file (or a name not yet taken) is written beside itself and renamed over
(atomic on POSIX). Anything else the user names is written into, never replaced: a FIFO,
a terminal, ``/dev/stdout`` or ``/dev/fd/N`` (a pipe or a file the shell opened), a
device. A directory is refused. Every failure (disk full, read-only or missing folder, a
parent that is a file) is one :class:`EnvironmentStopped` line naming the path, and no
temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
from pathlib import Path
from typing import Callable, TextIO

from .errors import EnvironmentStopped

# names that stand for an open descriptor: writing through them reaches what the shell
# opened (a pipe, a terminal, a redirected file); renaming over them would replace the name
_DESCRIPTOR_PREFIXES = ("/dev/", "/proc/")


def facts_filename(asset_id: str) -> str:
    """The name of an asset's facts document in a facts folder."""
    return f"{asset_id}.json"


def _reason(exc: OSError, path: Path) -> str:
    where = exc.filename if exc.filename else path
    return f"{where}: cannot write {path.name}: {exc.strerror or exc}"


def _is_stream(path: Path) -> bool:
    """Is ``path`` something to write into rather than replace?"""
    if str(path).startswith(_DESCRIPTOR_PREFIXES) or str(path.absolute()).startswith(_DESCRIPTOR_PREFIXES):
        return True
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise EnvironmentStopped(_reason(exc, path)) from None
    if stat.S_ISDIR(mode):
        raise EnvironmentStopped(f"{path}: is a directory; name a file to write (or '-' for stdout)")
    return not stat.S_ISREG(mode)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path``: atomically for a regular file (missing parent folders
    are made), directly into a FIFO, device or descriptor name."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    _write(Path(path), lambda fh: fh.write(data), binary=True)


def write_atomic_stream(path: Path, write: Callable[[TextIO], object]) -> None:
    """:func:`write_atomic` for text made piece by piece: ``write`` writes it into a UTF-8
    text file (no newline translation) instead of handing over the whole text at once."""
    _write(Path(path), write, binary=False)


def _write(path: Path, write: Callable, binary: bool) -> None:
    def opened(name: Path):
        return open(name, "wb") if binary else open(name, "w", encoding="utf-8", newline="")

    if _is_stream(path):
        try:
            with opened(path) as fh:
                write(fh)
        except OSError as exc:
            raise EnvironmentStopped(_reason(exc, path)) from None
        return
    if path.is_symlink():          # a link to a regular file: replace the file, keep the link
        path = Path(os.path.realpath(path))
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.{threading.get_ident()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with opened(tmp) as fh:
            write(fh)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise EnvironmentStopped(_reason(exc, path)) from None
    except BaseException:          # Ctrl-C or a failing writer half-way: no temporary file left
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")
