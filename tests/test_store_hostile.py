"""A hostile filesystem under the run history: a planted lock symlink, a damaged SQLite file
(issue 12 items 3 and 6)."""

from __future__ import annotations

import hashlib
import os
import random

import pytest

from clihelp import run_cli
from controlcheck.errors import EnvironmentStopped
from controlcheck.store import RunStore
from report_helpers import library


def _history_with_two_runs(db) -> None:
    results, assessment = library()
    with RunStore(db) as store:
        for _ in range(2):
            store.finish_run(store.begin_run("inv.yaml"), results, assessment)


def test_a_symlinked_lock_file_is_refused_and_its_target_kept(tmp_path):
    db = tmp_path / "controlcheck.db"
    precious = tmp_path / "precious.conf"
    precious.write_text("keep me\n")
    (tmp_path / "controlcheck.db.lock").symlink_to(precious)
    with RunStore(db) as store:
        with pytest.raises(EnvironmentStopped, match="symbolic link") as exc:
            with store.lock("audit"):
                pass
    assert exc.value.exit_code == 4
    assert precious.read_text() == "keep me\n"


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_lock_path_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    db = tmp_path / "controlcheck.db"
    lock = tmp_path / "controlcheck.db.lock"
    os.mkfifo(lock) if kind == "fifo" else lock.mkdir()
    with RunStore(db) as store:
        with pytest.raises(EnvironmentStopped, match="lock file"):
            with store.lock("audit"):
                pass


def _damage(db) -> None:
    """Random bytes over a whole page in the middle of the file (a torn write, a bad disk)."""
    data = bytearray(db.read_bytes())
    page = 4096
    pages = len(data) // page
    assert pages >= 4
    start = (pages // 2) * page
    data[start:start + page] = random.Random(12).randbytes(page)
    db.write_bytes(bytes(data))


def test_a_damaged_history_is_refused_with_one_line_and_not_written(tmp_path):
    db = tmp_path / "controlcheck.db"
    _history_with_two_runs(db)
    _damage(db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for args in (["diff", "1", "2"], ["trend"], ["report", "--run", "latest", "--format", "json"]):
        code, out, err = run_cli(*args, "--db", str(db))
        assert code == 4, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and str(db) in lines[0] and "damaged" in lines[0] and "backup" in lines[0]
        assert "Traceback" not in err
    with pytest.raises(EnvironmentStopped):
        RunStore(db)            # what an audit opens before it writes anything
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_cut_short_history_is_damaged_not_a_wrong_file(tmp_path):
    """A history truncated by a full disk or an interrupted copy fails SQLite's open itself
    ("malformed"): still the damaged-history line and exit 4, while a file that is no SQLite
    database at all stays invalid input (exit 2)."""
    db = tmp_path / "controlcheck.db"
    _history_with_two_runs(db)
    with open(db, "r+b") as handle:
        handle.truncate(db.stat().st_size // 2)
    code, _out, err = run_cli("trend", "--db", str(db))
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1 and "damaged" in err and "backup" in err
    other = tmp_path / "notes.db"
    other.write_bytes(b"not a database at all\n" * 300)
    code, _out, err = run_cli("trend", "--db", str(other))
    assert code == 2 and "not a controlcheck run history" in err, err


def test_a_password_in_a_database_url_is_never_printed(tmp_path):
    import socket

    with socket.socket() as s:          # a port nobody listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://auditor:Pa55-marker@127.0.0.1:{port}/controlcheck"
    for args in (["trend", "--db", url], ["db", "upgrade", "--db", url], ["diff", "1", "2", "--db", url]):
        code, out, err = run_cli(*args)
        assert code == 4 and "Pa55-marker" not in out + err and "auditor:***@127.0.0.1" in err, err
    code, _, err = run_cli("trend", "--db", "mysql://auditor:Pa55-marker@db/x")
    assert code == 2 and "Pa55-marker" not in err
