"""The report interface: one class per format, one method (after pip-audit's _format).

A format class describes itself: ``name`` is its ``--format`` choice (``report``, ``check``,
``audit``), ``file_name`` the file ``audit`` writes in its output folder (None: not written
by ``audit``), ``binary`` whether it needs ``-o FILE``, and ``needs_run`` whether it needs
more than a check's results (a stored run's assessment, history or facts), so ``check
--format`` offers only the formats that render from results alone. Heavy libraries are
imported inside ``render`` so listing the formats stays cheap."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


@dataclass
class ReportInput:
    """Everything a report may render. ``results`` is the check results document
    (docs/results.md); ``assessment`` the risk assessment (risk register, CAI, treatment)
    when one was made; ``history`` the stored runs' summaries, oldest first
    (``RunStore.history``); ``facts_dir`` the directory of the run's facts documents and raw
    evidence, which the evidence bundle packs; ``ages`` finding age and time to remediate
    from the run history (``risk.age.finding_ages``); ``settings`` the inventory's settings
    (``organisation`` names the organisation on the PDF's cover)."""

    results: dict
    assessment: dict | None = None
    history: list[dict] = field(default_factory=list)
    facts_dir: Path | None = None
    ages: dict | None = None
    settings: dict = field(default_factory=dict)
    # derived data several formats share within one write (the evidence bundle's manifest)
    cache: dict = field(default_factory=dict, repr=False, compare=False)


class ReportFormat(ABC):
    name: str = ""
    file_name: str | None = None
    binary: bool = False
    needs_run: bool = False

    @abstractmethod
    def render(self, data: ReportInput) -> str | bytes:
        """The whole report as text (or bytes when ``binary``)."""

    def write(self, data: ReportInput, out: TextIO) -> None:
        """A text report written into ``out``: what ``render`` returns, unless the format
        streams (a million findings need not be one string first)."""
        out.write(self.render(data))
