"""Paths the tests share (import them from here, not from conftest: conftest is pytest's
plugin file, not a module to import)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"   # real public device data (../shared/corpus/SOURCES.md)
FIXTURES = REPO / "fixtures"


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 120.0) -> None:
    """Wait for an event the test cannot be told of directly (a file appears, a queue fills, a
    process goes): ask ``predicate`` every 50 ms until it holds; fail naming ``what`` after
    ``timeout`` seconds. Generous timeouts: the machine is small and shared."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.05)
