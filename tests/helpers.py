"""Paths the tests share (import them from here, not from conftest: conftest is pytest's
plugin file, not a module to import)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"   # real public device data (../shared/corpus/SOURCES.md)
FIXTURES = REPO / "fixtures"
