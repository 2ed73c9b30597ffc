"""Render several formats of one report input on every core.

The report stage of a large audit is CPU-bound Python (openpyxl, WeasyPrint, JSON): one
format after another keeps one core busy. ``render_all`` forks worker processes that inherit
the report input (nothing is pickled on the way in) and each render whole formats, the
costliest first; the rendered text or bytes come back to the caller. Small inputs, a
platform without ``fork``, or a worker that dies fall back to rendering here, one by one."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..forking import sigint_blocked, worker_init
from . import get_format
from .base import ReportInput

# roughly the cost of each format at fleet scale, costliest first (benchmarks/bench_reports.py)
COST_ORDER = ("pdf", "xlsx", "oscal", "sarif", "html", "csv", "json", "evidence", "junit", "markdown")
MIN_FINDINGS = 3000          # below this, forking costs more than it saves

_INPUT: ReportInput | None = None


def _render_in_child(name: str) -> str | bytes:
    assert _INPUT is not None
    return get_format(name).render(_INPUT)


def render_all(names: list[str], data: ReportInput, workers: int | None = None) -> dict[str, str | bytes]:
    """Every format of ``names`` rendered from ``data``, by name."""
    global _INPUT
    workers = workers or min(len(names), os.cpu_count() or 1)
    findings = len(data.results.get("findings") or [])
    if workers < 2 or len(names) < 2 or findings < MIN_FINDINGS or "fork" not in multiprocessing.get_all_start_methods():
        return {name: get_format(name).render(data) for name in names}
    if "evidence" in names or "pdf" in names:
        from .evidence import bundle_contents
        bundle_contents(data)            # once, before forking: the PDF cites the bundle's digest
    ordered = sorted(names, key=lambda n: COST_ORDER.index(n) if n in COST_ORDER else len(COST_ORDER))
    _INPUT = data
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=worker_init, initargs=(os.getpid(),)) as pool:
            with sigint_blocked():    # the executor forks its workers on the first submits
                futures = {name: pool.submit(_render_in_child, name) for name in ordered}
            return {name: futures[name].result() for name in names}
    except BrokenProcessPool:
        return {name: get_format(name).render(data) for name in names}
    finally:
        _INPUT = None
