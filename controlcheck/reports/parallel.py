"""The formats ``audit`` writes, rendered on both cores, one report held at a time.

At fleet scale two formats are most of the report stage: WeasyPrint's layout of the PDF
and openpyxl's cell-by-cell workbook, about 3 s each at 1,000 assets
(benchmarks/bench_reports.py). ``render_each`` starts a process for each of them
(``reports.renderer``) and renders every other format here meanwhile, yielding each report
as soon as it is done so the caller writes it and lets it go: a fleet's reports (90 MB at
1,000 assets) never sit in memory together.

Those processes are started fresh, not forked. A forked child shares this process's pages
only until either side writes to them, and CPython writes to an object each time it counts
a reference to it: rendering here walks every finding, so each page of the report input
was copied once per child (forked renderers took a 250 MiB audit to 1,036 MiB at 1,000
assets). A fresh process holds only its library and what it is sent: the PDF's HTML
(75 KB), the workbook's rows (JSON lines, 9 MB at 1,000 assets, written as they are read).

The objects alive when the stage starts are frozen out of the garbage collector, which is
paused while the formats here build their millions of acyclic objects (reference counting
frees them): each automatic full collection walked the whole report input again, 0.5-1 s
at 1,000 assets.

Small inputs (under ``MIN_FINDINGS`` findings), a single core, or a renderer process that
cannot start or fails fall back to rendering here (an error of the format itself is then
raised here, as a one-process run raises it)."""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import subprocess
import sys
import threading
from typing import Iterator, TextIO

from . import get_format
from .base import ReportFormat, ReportInput

SEPARATE = ("pdf", "xlsx")      # rendered in their own process at fleet scale
MIN_FINDINGS = 3000             # below this, starting a process costs more than it saves

_log = logging.getLogger(__name__)


class _Renderer:
    """One ``reports.renderer`` process: started at once (it imports its library while the
    input is prepared here), sent its input by a thread, its output read by that thread."""

    def __init__(self, kind: str):
        self.kind = kind
        self.output: bytes | None = None
        self.error = ""
        self._thread: threading.Thread | None = None
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(   # noqa: S603 (our own module, no shell)
                [sys.executable, "-m", "controlcheck.reports.renderer", kind, str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            self.proc, self.error = None, str(exc)

    def send(self, payload: bytes) -> None:
        if self.proc is not None:
            self._thread = threading.Thread(target=self._talk, args=(payload,), name=f"report-{self.kind}",
                                            daemon=True)
            self._thread.start()

    def _talk(self, payload: bytes) -> None:
        assert self.proc is not None
        try:
            out, err = self.proc.communicate(payload)
        except (OSError, ValueError) as exc:      # the process died before reading everything
            self.error = str(exc)
            return
        if self.proc.returncode == 0:
            self.output = out
        else:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            self.error = lines[-1] if lines else f"exit status {self.proc.returncode}"

    def result(self) -> bytes | None:
        """The rendered report, or None when the process failed (``error`` says why)."""
        if self._thread is not None:
            self._thread.join()
        return self.output

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self._thread is not None:
            self._thread.join()
        elif self.proc is not None:
            self.proc.wait()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _payload(kind: str, data: ReportInput) -> bytes | None:
    """What the renderer of ``kind`` is sent; None when it cannot be sent (rendered here)."""
    if kind == "pdf":
        from .pdf import build_document
        return build_document(data).encode("utf-8")
    from .xlsx import workbook_lines
    try:
        return b"".join(workbook_lines(data))
    except (TypeError, ValueError):          # a value JSON cannot carry: the workbook is written here
        return None


def start_renderers(names: list[str], findings: int, workers: int | None = None) -> dict[str, _Renderer]:
    """The renderer processes of a report stage of ``names`` over ``findings`` findings,
    started now (they import their library until they are sent their input); none for a
    small input or with ``workers`` (default: the cores this process may use) under 2.
    Give them to ``render_each``, or end them with ``stop_renderers``."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if workers < 2 or findings < MIN_FINDINGS or not sys.executable:
        return {}
    return {kind: _Renderer(kind) for kind in SEPARATE if kind in names}


def stop_renderers(renderers: dict[str, _Renderer]) -> None:
    for renderer in renderers.values():
        renderer.stop()


class Streamed:
    """A text report that writes itself into a file as it is made (a format that overrides
    ``ReportFormat.write``: the results JSON, JUnit), rather than being one string first."""

    def __init__(self, report: ReportFormat, data: ReportInput):
        self.report, self.data = report, data

    def write(self, out: TextIO) -> None:
        self.report.write(self.data, out)

    def text(self) -> str:
        buf = io.StringIO()
        self.write(buf)
        return buf.getvalue()


def _here(name: str, data: ReportInput) -> str | bytes | Streamed:
    report = get_format(name)
    if type(report).write is not ReportFormat.write:
        return Streamed(report, data)
    return report.render(data)


def render_each(names: list[str], data: ReportInput, workers: int | None = None,
                renderers: dict[str, _Renderer] | None = None) -> Iterator[tuple[str, str | bytes | Streamed]]:
    """(name, report) for every format of ``names``, each as soon as it is rendered (a
    ``Streamed`` report when written into its file as it is made): the PDF and the workbook
    by ``renderers`` (default: ``start_renderers``, which may start none), every other
    format here. The renderers are ended when it ends."""
    if renderers is None:
        renderers = start_renderers(names, len(data.results.get("findings") or []), workers)
    renderers = dict(renderers)
    if not renderers:
        for name in names:
            yield name, _here(name, data)
        return
    try:
        with _collector_paused():
            for kind in sorted(renderers, key=lambda k: k != "xlsx"):    # its input is the quicker to prepare
                payload = _payload(kind, data)
                if payload is None:
                    renderers.pop(kind).stop()
                else:
                    renderers[kind].send(payload)
                del payload
            # the evidence bundle first: the PDF's HTML cites its digest, so its files are
            # in memory now; written, they are let go (evidence.build_bundle)
            here = sorted((n for n in names if n not in renderers), key=lambda n: n != "evidence")
            for name in here:
                yield name, _here(name, data)
            for kind, renderer in renderers.items():
                output = renderer.result()
                if output is None:
                    _log.warning("the %s report is rendered in this process: its own process failed (%s)",
                                 kind, renderer.error)
                    output = get_format(kind).render(data)
                yield kind, output
    finally:
        stop_renderers(renderers)


def render_all(names: list[str], data: ReportInput, workers: int | None = None) -> dict[str, str | bytes]:
    """Every format of ``names`` rendered from ``data``, by name, in the order of ``names``."""
    done = {name: content.text() if isinstance(content, Streamed) else content
            for name, content in render_each(names, data, workers)}
    return {name: done[name] for name in names}
