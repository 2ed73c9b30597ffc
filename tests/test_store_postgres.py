"""The central history on a real PostgreSQL server: the same answers as SQLite, the advisory
lock, an unreachable database, db copy and db upgrade."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from clihelp import run_cli
from controlcheck.errors import ControlcheckError
from controlcheck.store import HEAD_REVISION, RunStore
from servers import free_port
from test_store import _second_run
from test_store_migrate import write_v1_history
from report_helpers import library

pytestmark = pytest.mark.slow


QUERIES = (
    ["trend", "--format", "json"],
    ["trend"],
    ["diff", "1", "2", "--format", "json"],
    ["diff", "previous", "latest"],
    ["report", "--run", "1", "--format", "json"],
    ["report", "--run", "latest", "--format", "csv"],
    ["risks", "--format", "json"],
    ["cai", "--format", "json"],
    ["cai", "--run", "1"],
)


def _two_runs(db: str) -> None:
    results, assessment = library()
    second, _ = _second_run(results)
    with RunStore(db) as store:
        store.finish_run(store.begin_run("inv.yaml"), results, assessment)
        store.finish_run(store.begin_run("inv.yaml"), second, assessment)
        store.mark_incomplete(store.begin_run("inv.yaml"), "interrupted during collection")


def test_the_same_history_gives_the_same_answers_on_sqlite_and_postgresql(tmp_path, postgres):
    sqlite_db = str(tmp_path / "controlcheck.db")
    _two_runs(sqlite_db)
    pg = postgres.new_database()
    code, out, err = run_cli("db", "copy", "--from", sqlite_db, "--to", pg)
    assert code == 0, err
    assert out.startswith("copied 3 runs") and pg.split("@")[1] in out
    for args in QUERIES:
        on_sqlite = run_cli(*args, "--db", sqlite_db)
        on_pg = run_cli(*args, "--db", pg)
        assert on_sqlite[0] == 0, (args, on_sqlite[2])
        assert on_pg == on_sqlite, args
    # and a run written straight into PostgreSQL takes the next id
    with RunStore(pg) as store:
        assert store.begin_run("inv.yaml") == 4
        assert [r["id"] for r in store.incomplete_runs(all_runs=True)] == [3]


def test_runs_written_to_postgresql_read_back_like_sqlite(tmp_path, postgres):
    pg = postgres.new_database()
    sqlite_db = str(tmp_path / "controlcheck.db")
    _two_runs(pg)
    _two_runs(sqlite_db)
    for store_a, store_b in [(RunStore(pg, create=False), RunStore(sqlite_db, create=False))]:
        with store_a, store_b:
            strip = ("started_at", "finished_at", "pid")
            assert [{k: v for k, v in r.items() if k not in strip} for r in store_a.runs()] == \
                   [{k: v for k, v in r.items() if k not in strip} for r in store_b.runs()]
            assert store_a.get_run(2)["results"] == store_b.get_run(2)["results"]
            da, db = store_a.diff(1, 2), store_b.diff(1, 2)
            for d in (da, db):
                for side in ("run_a", "run_b"):
                    d[side].pop("started_at")
            assert da == db and da["newly_failing"]
            assert store_a.cai(1) == store_b.cai(1)


def test_an_overlapping_audit_on_postgresql_is_refused_by_the_advisory_lock(postgres):
    pg = postgres.new_database()
    RunStore(pg).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from controlcheck.store import RunStore
        store = RunStore({pg!r})
        with store.lock("audit"):
            print("locked", flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ControlcheckError, match=rf"another audit is running against .* \(pid {holder.pid} since 20"):
            with RunStore(pg).lock("audit"):
                pass
    finally:
        holder.kill()
        holder.wait()
    # the session ended with the process: the lock went with it (the server may take a moment)
    # (a deadline, not a count of tries: a loaded machine may take the server a while)
    with RunStore(pg) as store:
        deadline = time.monotonic() + 60
        while True:
            try:
                with store.lock("audit"):
                    break
            except ControlcheckError:
                if time.monotonic() > deadline:
                    pytest.fail("the advisory lock of a killed holder was not released")
                time.sleep(0.05)


def test_an_unreachable_database_is_one_line_and_exit_4(tmp_path, postgres):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/controlcheck"
    source = tmp_path / "local.db"
    _two_runs(str(source))
    for args in (["trend", "--db", url], ["db", "upgrade", "--db", url],
                 ["db", "copy", "--from", str(source), "--to", url]):
        code, out, err = run_cli(*args)
        lines = err.strip().splitlines()
        assert code == 4 and len(lines) == 1 and "Traceback" not in err, (args, err)
        assert "cannot reach the run history database postgresql://postgres@127.0.0.1" in lines[0]


def test_db_upgrade_on_postgresql_and_a_v1_sqlite_history_moved_into_it(tmp_path, postgres):
    pg = postgres.new_database()
    code, out, err = run_cli("db", "upgrade", "--db", pg)
    assert code == 0 and f"schema {HEAD_REVISION}" in out, err
    old = tmp_path / "old.db"
    results, _ = write_v1_history(old)
    code, out, err = run_cli("db", "copy", "--from", f"sqlite:///{old}", "--to", pg)
    assert code == 0, err
    with RunStore(pg, create=False) as store:
        assert [h["id"] for h in store.history()] == [1, 2]
        assert store.get_run(1)["results"] == json.loads(json.dumps(results))
        assert {r["engine"] for r in store.runs()} == {"local"}
        # the finding episodes, made in PostgreSQL by the copy, give the ages of walking the runs
        from controlcheck.risk.age import ages_from_store, finding_ages, history_runs

        ages = ages_from_store(store)
        assert ages["failing"] and ages == finding_ages(list(history_runs(store)))


def test_finding_episodes_on_postgresql_give_the_ages_of_walking_every_run(postgres):
    from test_store import episodes_match_walking_the_runs

    episodes_match_walking_the_runs(postgres.new_database())
