"""One report rendered in a process of its own: ``python -m controlcheck.reports.renderer
KIND PARENT_PID`` (``reports.parallel`` starts it).

It imports what ``KIND`` needs at once (WeasyPrint for ``pdf``, the workbook writer for
``xlsx``) while the parent prepares its input, reads that input from stdin (``pdf``: the HTML of
``pdf.build_document``; ``xlsx``: the JSON lines of ``xlsx.workbook_lines``), writes the
rendered bytes to stdout and exits 0; on failure it exits 1 with the error on stderr and
the parent renders the report itself. Like a forked worker it leaves Ctrl-C to its parent
and ends when the parent dies (``forking.worker_init``)."""

from __future__ import annotations

import sys
from typing import BinaryIO

from ..forking import worker_init

KINDS = ("pdf", "xlsx")


def pdf_from_html(html: str) -> bytes:
    """WeasyPrint's PDF of ``pdf.build_document``'s HTML (here, so that the renderer process
    imports WeasyPrint and none of the modules that build the HTML)."""
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it ignores; our CSS is fixed, so keep the console quiet
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html).write_pdf()


def render(kind: str, stream: BinaryIO) -> bytes:
    if kind == "pdf":
        return pdf_from_html(stream.read().decode("utf-8"))
    from .xlsx import write_workbook_lines
    return write_workbook_lines(stream)      # row by row as they arrive


def main(argv: list[str]) -> int:
    kind, parent = argv[0], int(argv[1])
    worker_init(parent)
    if kind == "pdf":
        import weasyprint  # noqa: F401  (while the parent builds the HTML)
    elif kind == "xlsx":
        from . import xlsx  # noqa: F401
    else:
        raise SystemExit(f"unknown report kind {kind!r} (known: {', '.join(KINDS)})")
    out = sys.stdout.buffer
    sys.stdout = sys.stderr          # whatever a library prints must not end up in the report
    result = render(kind, sys.stdin.buffer)
    out.write(result)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
