"""The report registry describes itself: audit, report and check read their choices from the
format classes, so adding a format is one module plus one registration line."""

from __future__ import annotations

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


def test_rendering_on_every_core_gives_the_same_reports(monkeypatch):
    from report_helpers import library_input

    from controlcheck.reports import parallel

    data = library_input([])
    names = ["csv", "json", "markdown", "sarif"]
    serial = {name: get_format(name).render(data) for name in names}
    monkeypatch.setattr(parallel, "MIN_FINDINGS", 0)
    assert parallel.render_all(names, data, workers=2) == serial
