"""Run history: round trip, the audit lock, runs left behind by dead processes, trend and diff."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from clihelp import run_cli
from controlcheck.checks import load_facts
from controlcheck.errors import ControlcheckError, InputError
from controlcheck.store import RunStore, resolve_db
from report_helpers import check_dir, facts_with_evidence, library


def _store_run(store: RunStore, facts_dir, results, assessment) -> int:
    run_id = store.begin_run("inventory.yaml")
    for doc in load_facts(facts_dir):
        store.add_facts(run_id, doc, doc["_source"]["path"])
    store.finish_run(run_id, results, assessment)
    return run_id


def test_round_trip(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    results, assessment = check_dir(facts)
    with RunStore(tmp_path / "out" / "controlcheck.db") as store:
        run_id = _store_run(store, facts, results, assessment)
        stored = store.get_run("latest")
        assert stored["id"] == run_id and stored["status"] == "complete"
        assert stored["results"] == json.loads(json.dumps(results))
        assert stored["assessment"] == json.loads(json.dumps(assessment))
        assert stored["facts_dir"] == str(facts.resolve())
        assert {f["asset_id"] for f in stored["facts"]} == {a["id"] for a in results["assets"]}
        assert all(f["sha256"] for f in stored["facts"])
        data = store.report_data(run_id)
        assert data["facts_dir"] == facts.resolve() and data["history"][-1]["id"] == run_id
        with sqlite3.connect(store.path) as conn:
            rows = conn.execute("SELECT COUNT(*) FROM findings WHERE run_id=?", (run_id,)).fetchone()[0]
            ev = conn.execute("SELECT source, sha256, path FROM evidence WHERE run_id=? AND asset_id='fw-bad'",
                              (run_id,)).fetchall()
        assert rows == len(results["findings"])
        assert ev and ev[0][2].startswith("evidence/fw-bad/")
        assert store.cai(run_id)["overall"]["overall"] == assessment["cai"]["overall"]["value"]
        assert store.cai(run_id, "kind")["kind"]["firewall"] == assessment["cai"]["by"]["kind"]["firewall"]["value"]


def test_db_paths_and_urls(tmp_path):
    assert resolve_db("sqlite:////tmp/x/c.db") == resolve_db("/tmp/x/c.db")
    assert str(resolve_db("sqlite:///rel/c.db")) == "rel/c.db"
    assert resolve_db("postgresql://auditor@db.example/controlcheck") == "postgresql://auditor@db.example/controlcheck"
    with pytest.raises(InputError, match="postgresql://user@host/database"):
        resolve_db("mysql://db/controlcheck")
    with pytest.raises(InputError, match="name the database"):
        resolve_db("postgresql://auditor@db.example")
    with pytest.raises(InputError, match="no run history"):
        RunStore(tmp_path / "missing.db", create=False)
    bad = tmp_path / "notadb.db"
    bad.write_text("hello")
    with pytest.raises(InputError, match="not a controlcheck run history"):
        RunStore(bad)
    with RunStore(f"sqlite:///{tmp_path}/url.db") as store:
        assert store.path == tmp_path / "url.db" and store.path.exists()


def test_second_lock_is_refused_while_the_first_is_held(tmp_path):
    db = tmp_path / "controlcheck.db"
    first, second = RunStore(db), RunStore(db)
    with first.lock("audit"):
        with pytest.raises(ControlcheckError) as exc:
            with second.lock("audit"):
                pass
        message = str(exc.value)
        assert f"another audit is running against {db}" in message
        assert f"pid {os.getpid()} since 20" in message
    with second.lock("audit"):   # released: the next audit may run
        pass


def test_lock_held_by_another_process(tmp_path):
    db = tmp_path / "controlcheck.db"
    RunStore(db).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from controlcheck.store import RunStore
        store = RunStore({str(db)!r})
        with store.lock("audit"):
            print("locked", flush=True)
            time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ControlcheckError, match=rf"pid {holder.pid} since"):
            with RunStore(db).lock("audit"):
                pass
    finally:
        holder.kill()
        holder.wait()
    # a killed holder leaves no stale lock: the kernel released it
    with RunStore(db).lock("audit"):
        pass


def test_run_of_a_dead_process_is_marked_incomplete(tmp_path):
    db = tmp_path / "controlcheck.db"
    results, assessment = library()
    with RunStore(db) as store:
        store.finish_run(store.begin_run("inv.yaml"), results, assessment)
    code = textwrap.dedent(f"""
        from controlcheck.store import RunStore
        store = RunStore({str(db)!r})
        run_id = store.begin_run("inv.yaml")
        store.add_facts(run_id, {{"asset": {{"id": "rtr-1", "kind": "router"}}, "evidence": [], "errors": []}}, None)
        print(run_id)
        """)
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dead_id = int(dead.stdout.strip())
    with RunStore(db) as store:
        assert store._run_row(dead_id)["status"] == "running"
        assert store.incomplete_runs() == []
        new_id = store.begin_run("inv.yaml")
        assert [r["id"] for r in store.last_marked_incomplete] == [dead_id]
        listed = store.incomplete_runs()
        assert [r["id"] for r in listed] == [dead_id]
        assert "ended before the run finished" in listed[0]["reason"] and listed[0]["assets_recorded"] == 1
        with pytest.raises(InputError, match="incomplete"):
            store.get_run(dead_id)
        store.mark_incomplete(new_id, "interrupted during collection")
        assert [r["id"] for r in store.incomplete_runs()] == [dead_id, new_id]
        store.finish_run(store.begin_run("inv.yaml"), results, assessment)
        assert store.incomplete_runs() == []              # a complete run since: nothing new to say
        assert len(store.incomplete_runs(all_runs=True)) == 2
        assert [h["id"] for h in store.history()] == [1, new_id + 1]


def test_a_running_run_of_a_live_process_is_left_alone(tmp_path):
    db = tmp_path / "controlcheck.db"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with RunStore(db) as store:
            run_id = store.begin_run("inv.yaml")
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE runs SET pid=? WHERE id=?", (sleeper.pid, run_id))
            store.begin_run("inv.yaml")
            assert store._run_row(run_id)["status"] == "running"
    finally:
        sleeper.kill()
        sleeper.wait()


def _second_run(results: dict) -> dict:
    """The next audit: fw-bad telnet fixed, one pass on win-wks-good now failing, lnx-srv-good gone,
    a new router."""
    results = json.loads(json.dumps(results))
    for f in results["findings"]:
        if (f["asset_id"], f["control_id"]) == ("fw-bad", "FW-MGMT-001"):
            f["status"] = "pass"
    flipped = next(f for f in results["findings"] if f["asset_id"] == "win-wks-good" and f["status"] == "pass")
    flipped["status"] = "fail"
    results["findings"] = [f for f in results["findings"] if f["asset_id"] != "lnx-srv-good"]
    results["assets"] = [a for a in results["assets"] if a["id"] != "lnx-srv-good"]
    new = dict(next(a for a in results["assets"] if a["id"] == "rtr-bad"), id="rtr-new")
    results["assets"].append(new)
    results["findings"] += [dict(f, asset_id="rtr-new") for f in results["findings"] if f["asset_id"] == "rtr-bad"]
    return results, flipped


def test_trend_and_diff_over_two_runs(tmp_path):
    db = tmp_path / "controlcheck.db"
    results, assessment = library()
    second, flipped = _second_run(results)
    second_assessment = json.loads(json.dumps(assessment))
    second_assessment["cai"]["overall"]["value"] = 55.5
    with RunStore(db) as store:
        a = store.begin_run("inv.yaml")
        store.finish_run(a, results, assessment)
        b = store.begin_run("inv.yaml")   # runs are ordered by id, never by their clock
        store.finish_run(b, second, second_assessment)
        history = store.history()
        assert [h["id"] for h in history] == [a, b]
        assert [h["cai"] for h in history] == [assessment["cai"]["overall"]["value"], 55.5]
        assert history[0]["counts"]["fail"] == results["summary"]["by_status"]["fail"]
        assert store.history(limit=1)[0]["id"] == b
        d = store.diff(a, "latest")
    assert [(f["asset_id"], f["control_id"], f["before"]) for f in d["newly_failing"]] == [
        ("win-wks-good", flipped["control_id"], "pass")]
    assert [(f["asset_id"], f["control_id"]) for f in d["newly_passing"]] == [("fw-bad", "FW-MGMT-001")]
    assert [x["id"] for x in d["new_assets"]] == ["rtr-new"] and d["new_assets"][0]["failing"] > 0
    assert [x["id"] for x in d["vanished_assets"]] == ["lnx-srv-good"]
    assert d["cai"] == {"a": assessment["cai"]["overall"]["value"], "b": 55.5,
                        "change": round(55.5 - assessment["cai"]["overall"]["value"], 1)}

    code, out, err = run_cli("trend", "--db", str(db))
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()[1:] if line.split()[0].isdigit()]
    assert [r[0] for r in rows] == [str(a), str(b)] and rows[1][2] == "55.5"
    assert "finding age:" in out and "median time to remediate" in out
    code, out, _ = run_cli("trend", "--db", f"sqlite:///{db}", "--format", "json")
    assert [r["id"] for r in json.loads(out)["runs"]] == [a, b]
    code, out, err = run_cli("diff", str(a), str(b), "--db", str(db))
    assert code == 0, err
    assert "newly failing: 1" in out and "newly passing: 1" in out
    assert "+ rtr-new" in out and "- lnx-srv-good" in out
    code, out, _ = run_cli("diff", "previous", "latest", "--db", str(db), "--format", "json")
    assert json.loads(out)["run_a"]["id"] == a


def test_cli_errors_are_one_line(tmp_path):
    code, _, err = run_cli("trend", "--db", str(tmp_path / "none.db"))
    assert code == 2 and err.count("\n") == 1 and "no run history" in err
    db = tmp_path / "c.db"
    RunStore(db).close()
    code, _, err = run_cli("diff", "1", "2", "--db", str(db))
    assert code == 2 and "no run 1" in err
    code, _, err = run_cli("report", "--db", str(db), "--format", "html")
    assert code == 2 and "no complete run" in err
    code, _, err = run_cli("diff", "one", "2", "--db", str(db))
    assert code == 2 and "expected a run id" in err


def test_finding_age_from_the_store_tables_is_the_age_of_the_stored_results(tmp_path):
    """The store answers finding age from its findings and assets tables, not by decoding
    each run's results: the same ages as the results documents themselves give."""
    from controlcheck.risk.age import ages_from_store, finding_ages

    results, assessment = library()
    second, _ = _second_run(results)
    third = json.loads(json.dumps(results))           # the first run's state again: what failed in run 2 is fixed
    with RunStore(tmp_path / "controlcheck.db") as store:
        ids = []
        for doc in (results, second, third):
            ids.append(store.begin_run("inv.yaml"))
            store.finish_run(ids[-1], doc, assessment)
        from_store = ages_from_store(store)
        history = store.history()
        first_two = ages_from_store(store, ids[1])
    runs = [{"id": h["id"], "started_at": h["started_at"], "findings": doc["findings"], "assets": doc["assets"]}
            for h, doc in zip(history, (results, second, third), strict=True)]
    expected = finding_ages(runs)
    assert from_store["fixed"], "the third run fixes what the second broke"
    for key in ("failing", "fixed"):
        order = sorted(expected[key], key=lambda f: (f.get("fixed_run", 0), f["asset_id"], f["control_id"]))
        assert from_store[key] == order, key
    assert {k: v for k, v in from_store.items() if k not in ("failing", "fixed")} == \
        {k: v for k, v in expected.items() if k not in ("failing", "fixed")}
    assert first_two["runs"] == 2 and first_two == finding_ages(runs[:2]) | {"fixed": first_two["fixed"]}


def _doc(findings: dict[tuple[str, str], str], owners: dict[str, str]) -> dict:
    return {"run": {"id": "r"}, "assets": [{"id": a, "owner": o} for a, o in sorted(owners.items())],
            "findings": [{"asset_id": a, "control_id": c, "status": s, "severity": "high" if c == "X" else "low"}
                         for (a, c), s in sorted(findings.items())]}


def test_finding_episodes_give_the_ages_of_walking_every_run(tmp_path):
    """Finding age from the episodes table equals walking every complete run (the definition
    in risk/age.py) as of each run: reopened findings, error and waived runs that change
    nothing, an asset that left with its fixes, an owner that changed, an incomplete run, a
    run stored out of order, and a complete run later marked failed. (PostgreSQL:
    test_store_postgres.py runs the same.)"""
    episodes_match_walking_the_runs(tmp_path / "controlcheck.db")


def episodes_match_walking_the_runs(db) -> None:
    import sqlalchemy as sa

    from controlcheck.risk.age import ages_from_store, finding_ages
    from controlcheck.store import runs_t

    days = iter(range(0, 400, 17))
    history = [  # (findings, owners); None: a run left incomplete
        ({("A", "X"): "fail", ("A", "Y"): "pass", ("B", "X"): "fail", ("C", "X"): "fail"},
         {"A": "IT", "B": "HR", "C": "IT"}),
        ({("A", "X"): "error", ("B", "X"): "pass", ("C", "X"): "pass", ("B", "Y"): "fail"},
         {"A": "IT", "B": "HR", "C": "IT"}),
        None,
        ({("A", "X"): "pass", ("B", "X"): "fail", ("C", "X"): "fail", ("B", "Y"): "waived"},
         {"A": "IT", "B": "HR", "C": "Facilities"}),
        ({("A", "X"): "fail", ("B", "X"): "fail", ("B", "Y"): "pass"}, {"A": "IT", "B": "Operations"}),
        ({("A", "X"): "fail", ("B", "X"): "pass", ("A", "Y"): "skipped"}, {"A": None, "B": "Operations"}),
    ]
    stored: dict[int, dict] = {}
    with RunStore(db) as store:
        def begin() -> int:
            run_id = store.begin_run("inv.yaml")
            with store._engine.begin() as conn:
                conn.execute(runs_t.update().where(runs_t.c.id == run_id).values(
                    started_at=f"2026-{1 + next(days) // 31 % 12:02d}-{1 + next(days) % 28:02d}T08:00:00Z"))
            return run_id

        def walked(upto: int) -> dict:
            with store._engine.connect() as conn:
                started = dict(conn.execute(sa.select(runs_t.c.id, runs_t.c.started_at)).all())
            return finding_ages([{"id": i, "started_at": started[i], **stored[i]}
                                 for i in sorted(stored) if i <= upto])

        for entry in history:
            run_id = begin()
            if entry is None:
                store.mark_incomplete(run_id, "interrupted")
                continue
            stored[run_id] = _doc(*entry)
            store.finish_run(run_id, stored[run_id])
        for upto in sorted(stored):
            assert ages_from_store(store, upto) == walked(upto), upto
        newest = ages_from_store(store)
        assert newest["fixed"] and newest["failing"] and "Facilities" in newest["by_owner"]   # C left, fixed
        assert {f["first_seen_run"] for f in newest["failing"]} == {5}           # A.X reopened at run 5

        # a run finished after a later one (out of order) and a complete run marked failed
        late, later = begin(), begin()
        stored[later] = _doc({("A", "X"): "pass", ("B", "X"): "fail"}, {"A": "IT", "B": "HR"})
        store.finish_run(later, stored[later])
        stored[late] = _doc({("A", "X"): "pass", ("B", "Y"): "fail"}, {"A": "IT", "B": "HR"})
        store.finish_run(late, stored[late])
        assert ages_from_store(store) == walked(later)
        store.mark_failed(late, "the disk filled up")
        del stored[late]
        assert ages_from_store(store) == walked(later)
        store.finish_run(later, stored[later])        # the same run stored again changes nothing
        assert ages_from_store(store) == walked(later)
        stored[later] = _doc({("A", "X"): "fail", ("B", "X"): "pass"}, {"A": "IT", "B": "HR"})
        store.finish_run(later, stored[later])        # stored again with other findings: A.X not fixed
        assert ages_from_store(store) == walked(later)
