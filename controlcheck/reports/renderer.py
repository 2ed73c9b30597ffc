"""A report rendered in a process of its own: ``python -m controlcheck.reports.renderer
KIND PARENT_PID`` (``reports.parallel`` starts it).

It imports what ``KIND`` needs at once, while the parent prepares its input, then reads
that input from stdin as frames (``<length>\\n`` and that many bytes), writes the report's
bytes to stdout and exits 0. On failure it exits 1 with the error on stderr and the parent
renders the report itself. Like a
forked worker it leaves Ctrl-C to its parent and ends when the parent dies
(``forking.worker_init``).

The one kind, ``pdf``: frame 1 is the PDF's HTML with a placeholder for the evidence
digest (``pdf.build_document``), laid out as soon as it arrives; frame 2 is the cover with
the real digest (``pdf.cover_document``), which replaces the first pages. So the parent
sends the document before it has hashed the evidence bundle."""

from __future__ import annotations

import sys
from typing import BinaryIO, Iterator

from ..forking import worker_init

KINDS = ("pdf",)


def frame(payload: bytes) -> bytes:
    return f"{len(payload)}\n".encode() + payload


def read_frames(stream: BinaryIO) -> Iterator[bytes]:
    """The frames of ``stream`` until it ends. ValueError for a stream cut short or not made
    of frames."""
    while True:
        head = stream.readline()
        if not head:
            return
        if not head.strip().isdigit():
            raise ValueError(f"not a frame header: {head[:80]!r}")
        size = int(head)
        payload = stream.read(size)
        if len(payload) != size:
            raise ValueError(f"a frame cut short: {len(payload)} of {size} bytes")
        yield payload


def _laid_out(document: str):
    """WeasyPrint's layout of ``document`` and the font configuration it used."""
    import logging

    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint logs every CSS property it ignores; our CSS is fixed, so keep the console quiet
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fonts = FontConfiguration()
    return HTML(string=document).render(font_config=fonts), fonts


def _written(body, fonts, cover: str | None) -> bytes:
    if cover is None:
        return body.write_pdf()
    from weasyprint import HTML

    # the same fonts: the cover's glyphs join the document's font subsets
    first = HTML(string=cover).render(font_config=fonts).pages
    return body.copy(first + body.pages[len(first):]).write_pdf()


def pdf_from_parts(document: str, cover: str | None = None) -> bytes:
    """WeasyPrint's PDF of ``pdf.build_document``'s HTML, its first pages replaced by those
    of ``cover`` (``pdf.cover_document``: the same cover with the real digest, whose
    monospaced digits lay out exactly as the placeholder's did). Here, so that the renderer
    process imports WeasyPrint and none of the modules that build the HTML."""
    body, fonts = _laid_out(document)
    return _written(body, fonts, cover)


def _render_pdf(frames: Iterator[bytes]) -> bytes:
    body, fonts = _laid_out(next(frames).decode("utf-8"))      # laid out before the cover arrives
    cover = next(frames, None)
    return _written(body, fonts, None if cover is None else cover.decode("utf-8"))


def main(argv: list[str]) -> int:
    kind, parent = argv[0], int(argv[1])
    worker_init(parent)
    if kind == "pdf":
        import weasyprint  # noqa: F401  (while the parent builds the HTML)
        render = _render_pdf
    else:
        raise SystemExit(f"unknown report kind {kind!r} (known: {', '.join(KINDS)})")
    out = sys.stdout.buffer
    sys.stdout = sys.stderr          # whatever a library prints must not end up in a report
    out.write(render(read_frames(sys.stdin.buffer)))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
