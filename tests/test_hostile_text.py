"""Control characters from devices are shown, never obeyed: on the terminal (one helper for
every printed line) and in CSV cells (raw NUL and ESC bytes were written before)."""

from __future__ import annotations

import csv
import io

from controlcheck.reports import ReportInput, get_format
from controlcheck.terminal import cell_text, terminal_text
from report_helpers import library

HOSTILE = "sw\x00-01 \x1b]0;owned\x07\x1b[2J\x9b31m\u202egnp.exe\r"


def test_terminal_text_shows_every_control_character():
    shown = terminal_text(HOSTILE + "\tkept\nkept")
    assert not any(ch in shown for ch in "\x00\x1b\x07\x9b\u202e\r")
    assert "\\x1b]0;owned\\x07" in shown and "\\u202e" in shown and shown.endswith("\tkept\nkept")


def test_csv_cells_hold_no_raw_control_bytes():
    results, assessment = library()
    results["findings"][0]["message"] = HOSTILE
    text = get_format("csv").render(ReportInput(results, assessment, []))
    assert not any(ch in text for ch in "\x00\x1b\x07\x9b\u202e")
    rows = list(csv.reader(io.StringIO(text)))
    assert cell_text(HOSTILE) in [cell for row in rows for cell in row]
