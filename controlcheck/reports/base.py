"""The report interface: one class per format, one method (after pip-audit's _format)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ReportInput:
    """Everything a report may render. ``results`` is the check results document
    (docs/results.md); ``assessment`` the risk assessment (risk register, CAI, treatment)
    when one was made; ``history`` the stored runs' summaries, oldest first
    (``RunStore.history``); ``facts_dir`` the directory of the run's facts documents and raw
    evidence, which the evidence bundle packs."""

    results: dict
    assessment: dict | None = None
    history: list[dict] = field(default_factory=list)
    facts_dir: Path | None = None


class ReportFormat(ABC):
    name: str = ""
    suffix: str = ""
    binary: bool = False

    @abstractmethod
    def render(self, data: ReportInput) -> str | bytes:
        """The whole report as text (or bytes when ``binary``)."""
