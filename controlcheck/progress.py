"""A progress bar for collection on a terminal (rich); silent in CI logs and pipes."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator


def progress_enabled() -> bool:
    """Progress bars on a terminal only, never in CI logs."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def collection_progress(total: int, label: str = "collecting") -> Iterator[Callable | None]:
    """Yields a ``progress(asset, document)`` callback, or None when not on a terminal."""
    if not progress_enabled() or total == 0:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[last]}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total, last="")

        def advance(asset, document) -> None:
            mark = "errors" if document.get("errors") else "ok"
            bar.update(task, advance=1, last=f"{asset.id} {mark}")

        yield advance
