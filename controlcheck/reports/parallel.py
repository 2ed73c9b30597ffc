"""The formats ``audit`` writes, rendered on both cores, one report held at a time.

At fleet scale WeasyPrint's layout of the PDF is the longest part of the report stage,
about 3 s whatever the fleet (benchmarks/bench_reports.py). ``render_each`` lays it out in
a process of its own (``reports.renderer``) and renders every other format here meanwhile,
yielding each report as soon as it is done so the caller writes it and lets it go: a
fleet's reports (90 MB at 1,000 assets) never sit in memory together.

The PDF's cover cites the evidence bundle's digest, and hashing the bundle takes about a
second at 1,000 assets. So the PDF's document is sent first, with a placeholder digest,
and laid out at once; the cover with the real digest follows when the bundle is hashed
and replaces the first pages (``pdf.cover_document``).

The renderer is started fresh, not forked. A forked child shares this process's pages only
until either side writes to them, and CPython writes to an object each time it counts a
reference to it: each page of the report input was copied (forked renderers took a 250 MiB
audit to 1,036 MiB at 1,000 assets). A fresh process holds only WeasyPrint and the PDF's
HTML (75 KB). The other formats stay here: this machine's two cores give about 1.5 times
one core's throughput, so a second process that must first decode a copy of the report
input (0.2 s, 76 MiB, and 250 MiB while rendering) lengthened the stage (6.3-7.0 s against
5.1-5.7 s, measured).

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
import queue
import subprocess
import sys
import threading
from typing import Iterator, TextIO

from . import get_format
from .base import ReportFormat, ReportInput
from .renderer import frame

MIN_FINDINGS = 3000             # below this, starting a process costs more than it saves

_log = logging.getLogger(__name__)


class _Renderer:
    """One ``reports.renderer`` process: started at once (it imports its library while the
    input is prepared here), sent its input frame by frame by a thread (``send``), its
    report read by that thread."""

    def __init__(self, kind: str):
        self.kind = kind
        self.output: bytes | None = None
        self.error = ""
        self._parts: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(   # noqa: S603 (our own module, no shell)
                [sys.executable, "-m", "controlcheck.reports.renderer", kind, str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            self.proc, self.error = None, str(exc)

    def send(self, payload: bytes, last: bool = True) -> None:
        """Send one frame of input; ``last`` closes the input."""
        if self.proc is None:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._talk, name=f"report-{self.kind}", daemon=True)
            self._thread.start()
        self._parts.put(payload)
        if last:
            self._parts.put(None)

    def _talk(self) -> None:
        proc = self.proc
        assert proc is not None and proc.stdin is not None
        try:
            for part in iter(self._parts.get, None):
                proc.stdin.write(frame(part))
                proc.stdin.flush()
        except (OSError, ValueError) as exc:      # the process died before reading everything
            self.error = str(exc)
        with contextlib.suppress(OSError):
            proc.stdin.close()
        proc.stdin = None
        out, err = proc.communicate()
        if proc.returncode == 0:
            self.output = out
        else:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            self.error = lines[-1] if lines else f"exit status {proc.returncode}"   # a broken pipe is its echo

    def result(self) -> bytes | None:
        """The rendered report, or None when the process failed (``error`` says why)."""
        if self._thread is not None:
            self._thread.join()
        return self.output

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self._parts.put(None)
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


def start_renderers(names: list[str], findings: int, workers: int | None = None) -> dict[str, _Renderer]:
    """The renderer processes of a report stage of ``names`` over ``findings`` findings,
    started now (it imports WeasyPrint until it is sent its input): ``pdf`` for the PDF; none
    for a small input or with ``workers`` (default: the cores this process may use) under 2.
    Give them to ``render_each``, or end them with ``stop_renderers``."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if workers < 2 or findings < MIN_FINDINGS or not sys.executable:
        return {}
    return {"pdf": _Renderer("pdf")} if "pdf" in names else {}


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
    ``Streamed`` report when written into its file as it is made): the PDF by ``renderers``
    (default: ``start_renderers``, which may start none), every other format here. The
    renderers are ended when it ends."""
    if renderers is None:
        renderers = start_renderers(names, len(data.results.get("findings") or []), workers)
    renderers = dict(renderers)
    if "pdf" not in renderers or "pdf" not in names:
        stop_renderers(renderers)
        for name in names:
            yield name, _here(name, data)
        return
    try:
        with _collector_paused():
            # the PDF first, the longest: laid out while the rest is rendered here
            from .pdf import build_document, cover_document
            renderers["pdf"].send(build_document(data).encode("utf-8"), last=False)
            # its cover cites the digest of the evidence bundle, hashed here; the bundle is
            # then written first, while its files are in memory (evidence.build_bundle)
            renderers["pdf"].send(cover_document(data).encode("utf-8"))
            for name in sorted((n for n in names if n != "pdf"), key=lambda n: n != "evidence"):
                yield name, _here(name, data)
            output = renderers["pdf"].result()
            if output is None:
                _log.warning("the pdf report is rendered in this process: its own process failed (%s)",
                             renderers["pdf"].error)
                output = get_format("pdf").render(data)
            yield "pdf", output
    finally:
        stop_renderers(renderers)


def render_all(names: list[str], data: ReportInput, workers: int | None = None) -> dict[str, str | bytes]:
    """Every format of ``names`` rendered from ``data``, by name, in the order of ``names``."""
    done = {name: content.text() if isinstance(content, Streamed) else content
            for name, content in render_each(names, data, workers)}
    return {name: done[name] for name in names}
