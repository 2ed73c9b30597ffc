"""An older run history upgrades without loss: a schema-version-1 file as the first (sqlite3-only)
store wrote it, opened by today's store and by 'controlcheck db upgrade'."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib

from clihelp import run_cli
from controlcheck.store import HEAD_REVISION, SCHEMA_VERSION, RunStore, run_summary
from report_helpers import library

# The schema of the first store (controlcheck/store.py before SQLAlchemy), verbatim.
SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
    inventory TEXT,
    pid INTEGER,
    host TEXT,
    reason TEXT,
    results_run_id TEXT,
    facts_dir TEXT,
    summary TEXT,
    results BLOB,
    assessment BLOB
);
CREATE TABLE IF NOT EXISTS assets (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    kind TEXT, platform TEXT, site TEXT, owner TEXT, address TEXT,
    collected_at TEXT, facts_path TEXT, facts_sha256 TEXT, errors TEXT,
    PRIMARY KEY (run_id, asset_id)
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    control_id TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT,
    message TEXT,
    observed TEXT,
    evidence_ids TEXT,
    PRIMARY KEY (run_id, asset_id, control_id)
);
CREATE TABLE IF NOT EXISTS evidence (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL,
    source TEXT, sha256 TEXT, path TEXT,
    PRIMARY KEY (run_id, asset_id, evidence_id)
);
CREATE TABLE IF NOT EXISTS cai (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    breakdown TEXT NOT NULL,
    key TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, breakdown, key)
);
CREATE INDEX IF NOT EXISTS findings_status ON findings (run_id, status);
"""


def _pack(doc) -> bytes:
    return zlib.compress(json.dumps(doc, separators=(",", ":")).encode())


def write_v1_history(path, runs: int = 2) -> tuple[dict, dict]:
    """A version-1 history with ``runs`` complete runs and one incomplete one, written with
    the first store's SQL."""
    results, assessment = library()
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    for n in range(runs):
        cur = conn.execute(
            "INSERT INTO runs (started_at, finished_at, status, inventory, pid, host, summary, results, assessment) "
            "VALUES (?, ?, 'complete', 'inv.yaml', 1, 'old-host', ?, ?, ?)",
            (f"2026-11-0{n + 1}T09:00:00Z", f"2026-11-0{n + 1}T09:05:00Z", json.dumps(run_summary(results, assessment)),
             _pack(results), _pack(assessment)))
        run_id = cur.lastrowid
        for a in results["assets"]:
            conn.execute("INSERT INTO assets (run_id, asset_id, kind, platform, site, errors) VALUES (?,?,?,?,?,'[]')",
                         (run_id, a["id"], a.get("kind"), a.get("platform"), a.get("site")))
        statuses = [f["status"] for f in results["findings"]]
        if n == runs - 1:          # the later run: the first finding changed status
            statuses[0] = "pass" if statuses[0] != "pass" else "fail"
        conn.executemany(
            "INSERT INTO findings (run_id, asset_id, control_id, status, severity, message) VALUES (?,?,?,?,?,?)",
            [(run_id, f["asset_id"], f["control_id"], st, f["severity"], f.get("message"))
             for f, st in zip(results["findings"], statuses, strict=True)])
        conn.execute("INSERT INTO cai VALUES (?, 'overall', 'overall', ?)", (run_id, 60.0 + n))
    conn.execute("INSERT INTO runs (started_at, status, reason, pid, host) "
                 "VALUES ('2026-11-09T09:00:00Z', 'incomplete', 'interrupted', 2, 'old-host')")
    conn.commit()
    conn.close()
    return results, assessment


def test_a_version_1_history_upgrades_without_loss(tmp_path):
    db = tmp_path / "controlcheck.db"
    results, assessment = write_v1_history(db)
    # a reader does not change the schema behind the user's back: it names the command
    code, _, err = run_cli("trend", "--db", str(db))
    assert code == 2 and "controlcheck db upgrade" in err
    code, out, err = run_cli("db", "upgrade", "--db", str(db))
    assert code == 0, err
    assert f"schema {HEAD_REVISION} (was 0001)" in out
    with RunStore(db, create=False) as store:
        assert [h["id"] for h in store.history()] == [1, 2]
        assert [h["cai"] for h in store.history()] == [
            assessment["cai"]["overall"]["value"]] * 2
        assert store.get_run(1)["results"] == json.loads(json.dumps(results))
        assert store.get_run("latest")["engine"] == "local"
        d = store.diff(1, 2)
        assert len(d["newly_failing"]) + len(d["newly_passing"]) == 1
        assert d["cai"] == {"a": 60.0, "b": 61.0, "change": 1.0}
        assert [r["reason"] for r in store.incomplete_runs(all_runs=True)] == ["interrupted"]
        # the finding episodes were made from the stored runs: the ages of walking them
        from controlcheck.risk.age import ages_from_store, finding_ages, history_runs

        ages = ages_from_store(store)
        assert ages["failing"] and ages == finding_ages(list(history_runs(store)))
        run_id = store.begin_run("inv.yaml", engine="celery")     # and it takes new runs
        assert run_id == 4 and store._run_row(run_id)["engine"] == "celery"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    code, out, _ = run_cli("db", "upgrade", "--db", str(db))
    assert code == 0 and "(was" not in out


def test_an_audit_upgrades_an_old_history_itself(tmp_path):
    db = tmp_path / "controlcheck.db"
    write_v1_history(db, runs=1)
    with RunStore(db) as store:            # what an audit opens
        assert store.schema_state() == (HEAD_REVISION, False)
        assert [h["id"] for h in store.history()] == [1]


def test_db_copy_between_sqlite_files_keeps_every_answer(tmp_path):
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    write_v1_history(old)
    code, out, err = run_cli("db", "copy", "--from", f"sqlite:///{old}", "--to", f"sqlite:///{new}")
    assert code == 0, err
    assert out.startswith("copied 3 runs")
    upgraded = tmp_path / "upgraded.db"
    shutil.copyfile(old, upgraded)
    assert run_cli("db", "upgrade", "--db", str(upgraded))[0] == 0
    for args in (["trend", "--format", "json"], ["diff", "1", "2", "--format", "json"], ["cai", "--format", "json"],
                 ["report", "--run", "1", "--format", "json"]):
        a = run_cli(*args, "--db", str(upgraded))
        b = run_cli(*args, "--db", str(new))
        assert a[0] == 0 and a == b
    code, _, err = run_cli("db", "copy", "--from", str(old), "--to", str(new))
    assert code == 2 and "already holds runs" in err
    from controlcheck.risk.age import ages_from_store, finding_ages, history_runs

    with RunStore(new, create=False) as store:        # the copy made its finding episodes
        ages = ages_from_store(store)
        assert ages["failing"] and ages == finding_ages(list(history_runs(store)))


def test_db_upgrade_without_db_takes_the_demo_history_and_creates_none(tmp_path, monkeypatch):
    """In the folder of 'controlcheck demo', 'db upgrade' must not make an empty
    ./controlcheck-out history that trend, risks and diff would then read instead of the demo's."""
    demo_db = tmp_path / "controlcheck-demo" / "controlcheck.db"
    results, assessment = library()
    with RunStore(demo_db) as store:
        store.finish_run(store.begin_run("inv.yaml"), results, assessment)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("db", "upgrade")
    assert code == 0, err
    assert "controlcheck-demo" in out
    assert not (tmp_path / "controlcheck-out").exists()
    code, _out, err = run_cli("risks")
    assert code == 0, err
