"""The report registry describes itself: audit, report and check read their choices from the
format classes, so adding a format is one module plus one registration line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from controlcheck.cli.main import cli
from controlcheck.reports import FORMAT_CLASSES, format_names, formats, get_format
from controlcheck.reports.base import ReportFormat


def _choices(command: str) -> list[str]:
    option = next(p for p in cli.commands[command].params if "--format" in p.opts)
    return list(option.type.choices)


def test_every_registered_class_names_itself_once():
    classes = formats()
    assert len(classes) == len(FORMAT_CLASSES)
    for name, cls in classes.items():
        assert issubclass(cls, ReportFormat) and cls.name == name
        assert isinstance(get_format(name), cls)
    files = [c.file_name for c in classes.values() if c.file_name]
    assert len(files) == len(set(files)), "two formats would overwrite one audit file"


def test_the_cli_choices_come_from_the_registry():
    assert _choices("report") == format_names()
    assert _choices("audit") == format_names(audit=True)
    assert "text" not in _choices("audit")          # text has no file name: audit does not write it
    check = _choices("check")
    assert check == format_names(results_only=True)
    assert {"text", "json", "junit", "html", "sarif"} <= set(check)
    assert "evidence" not in check                   # needs a run's facts


def test_a_binary_format_from_check_needs_an_output_file(tmp_path):
    facts = tmp_path / "facts"
    facts.mkdir()
    done = CliRunner().invoke(cli, ["check", "--facts", str(facts), "--format", "xlsx"])
    assert done.exit_code == 2
    assert "binary" in done.output


def _rendered_apart(monkeypatch, tmp_path, names: list[str]):
    from report_helpers import check_dir, facts_with_evidence

    from controlcheck.reports import ReportInput, parallel

    facts = facts_with_evidence(tmp_path / "facts")
    results, assessment = check_dir(facts)
    results["findings"][0]["message"] = '=HYPERLINK("http://evil.example/","x")'   # stays text in the workbook
    history = [{"id": 1, "started_at": "2026-11-21T08:00:00Z", "cai": 50.2, "assets": 18, "counts": {"fail": 131}}]
    serial = {name: get_format(name).render(ReportInput(results, assessment, history, facts_dir=facts))
              for name in names}
    monkeypatch.setattr(parallel, "MIN_FINDINGS", 0)
    order = []
    for name, content in parallel.render_each(names, ReportInput(results, assessment, history, facts_dir=facts),
                                              workers=2):
        order.append(name)
        if isinstance(content, parallel.Streamed):      # a report written into its file as it is made
            content = content.text()
        yield name, content, serial[name]
    assert sorted(order) == sorted(names)


def _same_reports_apart(monkeypatch, tmp_path, names: list[str]) -> None:
    for name, content, serial in _rendered_apart(monkeypatch, tmp_path, names):
        assert type(content) is type(serial) and content == serial, name
    # the workbook (and the PDF) were rendered by processes of their own, which are gone
    children = subprocess.run(["ps", "-o", "args=", "--ppid", str(os.getpid())], capture_output=True,
                              text=True).stdout
    assert "controlcheck.reports.renderer" not in children


@pytest.mark.slow       # not a server, but two PDFs take seconds
def test_the_pdf_rendered_apart_is_the_same_pdf(monkeypatch, tmp_path):
    _same_reports_apart(monkeypatch, tmp_path, ["pdf", "evidence", "json", "xlsx", "csv"])


@pytest.mark.slow       # two PDFs take seconds
def test_a_renderer_process_that_fails_leaves_its_report_to_this_one(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(sys, "executable", shutil.which("false"))    # the renderer exits 1 at once
    for name, content, serial in _rendered_apart(monkeypatch, tmp_path, ["pdf", "json"]):
        assert content == serial, name
    assert "the pdf report is rendered in this process: its own process failed (exit status 1)" in caplog.text
