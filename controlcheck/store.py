"""Run history in SQLite (stdlib ``sqlite3``; one file, no server).

Tables (schema version 1):

- ``runs``: id, started_at, finished_at, status (running | complete | incomplete | failed),
  inventory, pid and host of the process that began it, reason (why incomplete or failed),
  summary (JSON: counts by status and severity, CAI, assets, risks by residual rating),
  and the whole results document and assessment (zlib-compressed JSON) so that a report of
  a stored run is the report the run would have written.
- ``assets``: per run, each asset and where its facts document was (path, sha256).
- ``findings``: per run, asset and control: status, severity, message, observed (JSON) and
  evidence ids (JSON). ``diff`` reads these.
- ``evidence``: the evidence index: run, asset, evidence id, source, sha256, path.
- ``cai``: run, breakdown (``overall``, ``framework``, ``requirement``, ``kind``, ``site``,
  ``owner``), key, value (NULL when nothing was weighed).

One audit at a time: ``RunStore.lock(holder)`` takes an exclusive ``flock`` on
``<db>.lock`` and writes pid, host and time into it for the refusal message. The kernel
drops the lock when its process dies, so a killed audit never leaves a stale lock; its run
row stays ``running`` and the next ``begin_run`` marks it ``incomplete``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import socket
import sqlite3
import stat
import zlib
from pathlib import Path
from typing import Iterator

from .errors import ControlcheckError, EnvironmentStopped, InputError

SCHEMA_VERSION = 1
DEFAULT_DB = Path("controlcheck-out") / "controlcheck.db"
RUN_STATUSES = ("running", "complete", "incomplete", "failed")
FAILING = ("fail", "error")

_SCHEMA = """
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


def resolve_db(value: str | os.PathLike | None) -> Path:
    """A ``--db`` value: a path, or an SQLAlchemy-style ``sqlite:///relative.db`` /
    ``sqlite:////absolute.db`` URL. Anything else is an input error."""
    if value is None:
        return DEFAULT_DB
    text = os.fspath(value)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme.lower() != "sqlite":
            raise InputError(f"--db {text!r}: only SQLite is supported (a path or sqlite:///path)")
        if not rest.startswith("/") or rest == "/":
            raise InputError(f"--db {text!r}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
        text = rest[1:]
    if not text:
        raise InputError("--db: empty path")
    return Path(text)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # A zombie (exited, not yet reaped) is not running.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _pack(doc: dict | None) -> bytes | None:
    if doc is None:
        return None
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str).encode(), 6)


def _unpack(blob: bytes | None) -> dict | None:
    if blob is None:
        return None
    return json.loads(zlib.decompress(blob).decode())


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class RunStore:
    """The run history of one SQLite file. ``create=False`` refuses a missing file (for
    ``report``, ``trend`` and ``diff``, which only read)."""

    def __init__(self, path: str | os.PathLike, create: bool = True):
        self.path = resolve_db(path)
        if not self.path.exists():
            if not create:
                raise InputError(f"no run history at {self.path} (write one with 'controlcheck audit', "
                                 "or point --db at its controlcheck.db)")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif self.path.is_dir():
            raise InputError(f"--db {self.path} is a directory; expected the SQLite file (e.g. {self.path}/controlcheck.db)")
        self.host = socket.gethostname()
        self.last_marked_incomplete: list[dict] = []
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=30)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._check_integrity()
            version = self._schema_version()
            if version is None:
                with self._conn:
                    self._conn.executescript(_SCHEMA)
                    self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif version > SCHEMA_VERSION:
                raise InputError(f"{self.path}: run history schema {version} is newer than this controlcheck "
                                 f"understands ({SCHEMA_VERSION}); upgrade controlcheck")
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a controlcheck run history ({exc})") from None

    def _check_integrity(self) -> None:
        """A damaged file must not be written into (each write spreads the damage) nor read
        into a crash: ``PRAGMA quick_check`` (a walk over every page, no index cross-check)."""
        problems = [r[0] for r in self._conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            self._conn.close()
            lines = [line.strip() for p in problems for line in str(p).splitlines()]
            first = next((line for line in lines if line and not line.startswith("***")), "integrity check failed")
            raise EnvironmentStopped(
                f"{self.path}: the run history is damaged ({first}); nothing was written to it. Restore it "
                f"from a backup, or move it aside (a new audit starts a new history) and try "
                f"'sqlite3 {self.path} .recover | sqlite3 recovered.db' to save what is left")

    def _schema_version(self) -> int | None:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if tables - {"sqlite_sequence"}:
                raise InputError(f"{self.path}: an SQLite file, but not a controlcheck run history")
            return None
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the lock -------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def lock(self, holder: str = "audit") -> Iterator[None]:
        """Exclusive for one audit at a time against this store; refuses at once (no waiting)
        with ``another audit is running against <db> (pid N since T)``."""
        fd = self._open_lock_file()
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise ControlcheckError(f"cannot lock {self.lock_path}: {exc.strerror}") from None
                info = self._read_lock_info(fd)
                who = f"pid {info.get('pid', '?')}"
                if info.get("host") and info.get("host") != self.host:
                    who += f" on {info['host']}"
                raise ControlcheckError(
                    f"another {info.get('holder') or 'audit'} is running against {self.path} "
                    f"({who} since {info.get('since', '?')}); scheduled runs must not overlap") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, (_dumps({"holder": holder, "pid": os.getpid(), "host": self.host, "since": _now()})
                           + "\n").encode(), 0)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _open_lock_file(self) -> int:
        """The lock file itself, never what a symlink planted at its name points to (the lock
        writes into and truncates its file); a FIFO, device or folder there is refused."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(self.lock_path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise EnvironmentStopped(f"{self.lock_path}: the lock file is a symbolic link; refusing to follow it "
                                         "(remove it)") from None
            raise EnvironmentStopped(f"cannot open the lock file {self.lock_path}: {exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise EnvironmentStopped(f"{self.lock_path}: the lock file is not a regular file; refusing to use it "
                                     "(remove it)")
        return fd

    @staticmethod
    def _read_lock_info(fd: int) -> dict:
        try:
            data = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            info = json.loads(data)
            return info if isinstance(info, dict) else {}
        except (OSError, ValueError):
            return {}

    # -- writing a run --------------------------------------------------------------------
    def begin_run(self, inventory: str) -> int:
        """A new run in status ``running``; first, runs left ``running`` by a process that
        is gone (on this host) are marked ``incomplete`` (see ``last_marked_incomplete``)."""
        self.last_marked_incomplete = self._reap_dead_runs()
        with self._conn:
            cur = self._conn.execute(
                "INSERT INTO runs (started_at, status, inventory, pid, host) VALUES (?, 'running', ?, ?, ?)",
                (_now(), str(inventory), os.getpid(), self.host))
        return int(cur.lastrowid)

    def _reap_dead_runs(self) -> list[dict]:
        marked = []
        rows = self._conn.execute("SELECT id, pid, host FROM runs WHERE status='running'").fetchall()
        for run_id, pid, host in rows:
            if host != self.host:
                continue  # cannot tell whether a process on another host is alive
            if pid == os.getpid() or _pid_alive(pid):
                continue
            reason = f"process {pid} ended before the run finished (interrupted or killed)"
            self.mark_incomplete(run_id, reason)
            marked.append(self._run_row(run_id))
        return marked

    def add_facts(self, run_id: int, facts_doc: dict, facts_path: str | os.PathLike | None) -> None:
        """Record one asset's facts document as it is written (so an interrupted run still
        lists what it collected) and its evidence in the evidence index."""
        self._require_run(run_id)
        asset = facts_doc.get("asset") or {}
        asset_id = str(asset.get("id"))
        sha = None
        path_text = None
        if facts_path is not None:
            p = Path(facts_path)
            path_text = str(p.resolve())
            with contextlib.suppress(OSError):
                sha = hashlib.sha256(p.read_bytes()).hexdigest()
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO assets (run_id, asset_id, kind, platform, site, owner, address, collected_at, "
                "facts_path, facts_sha256, errors) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, asset_id, asset.get("kind"), asset.get("platform"), asset.get("site"), asset.get("owner"),
                 asset.get("address"), facts_doc.get("collected_at"), path_text, sha,
                 _dumps(facts_doc.get("errors") or [])))
            self._conn.executemany(
                "INSERT OR REPLACE INTO evidence (run_id, asset_id, evidence_id, source, sha256, path) VALUES (?,?,?,?,?,?)",
                [(run_id, asset_id, str(ev.get("id")), ev.get("source"), ev.get("sha256"), ev.get("path"))
                 for ev in facts_doc.get("evidence") or []])
            if path_text is not None:
                self._conn.execute("UPDATE runs SET facts_dir = COALESCE(facts_dir, ?) WHERE id = ?",
                                   (str(Path(path_text).parent), run_id))

    def finish_run(self, run_id: int, results: dict, assessment: dict | None = None) -> None:
        """Store the run's results (and assessment) and mark it ``complete``."""
        self._require_run(run_id)
        summary = run_summary(results, assessment)
        with self._conn:
            self._conn.execute("DELETE FROM findings WHERE run_id=?", (run_id,))
            self._conn.execute("DELETE FROM cai WHERE run_id=?", (run_id,))
            self._conn.executemany(
                "INSERT OR REPLACE INTO findings (run_id, asset_id, control_id, status, severity, title, message, "
                "observed, evidence_ids) VALUES (?,?,?,?,?,?,?,?,?)",
                [(run_id, f["asset_id"], f["control_id"], f["status"], f["severity"], f.get("title"), f.get("message"),
                  _dumps(f.get("observed")), _dumps([e.get("id") for e in f.get("evidence") or []]))
                 for f in results.get("findings") or []])
            for a in results.get("assets") or []:
                # assets checked from facts the store was not told about (e.g. check on saved facts)
                self._conn.execute(
                    "INSERT OR IGNORE INTO assets (run_id, asset_id, kind, platform, site, owner, address, collected_at, "
                    "facts_sha256, errors) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (run_id, a["id"], a.get("kind"), a.get("platform"), a.get("site"), a.get("owner"),
                     a.get("address"), a.get("collected_at"), a.get("facts_sha256"), _dumps(a.get("errors") or [])))
            self._conn.executemany("INSERT INTO cai (run_id, breakdown, key, value) VALUES (?,?,?,?)",
                                   [(run_id, b, k, v) for b, k, v in _cai_rows(assessment)])
            self._conn.execute(
                "UPDATE runs SET status='complete', finished_at=?, reason=NULL, results_run_id=?, summary=?, results=?, "
                "assessment=? WHERE id=?",
                (_now(), (results.get("run") or {}).get("id"), _dumps(summary), _pack(results), _pack(assessment), run_id))

    def mark_incomplete(self, run_id: int, reason: str) -> None:
        self._set_status(run_id, "incomplete", reason)

    def mark_failed(self, run_id: int, reason: str) -> None:
        self._set_status(run_id, "failed", reason)

    def _set_status(self, run_id: int, status: str, reason: str) -> None:
        self._require_run(run_id)
        with self._conn:
            self._conn.execute("UPDATE runs SET status=?, reason=?, finished_at=COALESCE(finished_at, ?) WHERE id=?",
                               (status, reason, _now(), run_id))

    # -- reading --------------------------------------------------------------------------
    def _require_run(self, run_id: int) -> None:
        if self._conn.execute("SELECT 1 FROM runs WHERE id=?", (run_id,)).fetchone() is None:
            raise InputError(f"no run {run_id} in {self.path}")

    def _run_row(self, run_id: int) -> dict:
        row = self._conn.execute(
            "SELECT id, started_at, finished_at, status, inventory, pid, host, reason, results_run_id, facts_dir, summary, "
            "(SELECT COUNT(*) FROM assets WHERE run_id=runs.id) FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise InputError(f"no run {run_id} in {self.path}")
        keys = ("id", "started_at", "finished_at", "status", "inventory", "pid", "host", "reason", "results_run_id",
                "facts_dir", "summary", "assets_recorded")
        out = dict(zip(keys, row, strict=True))
        out["summary"] = json.loads(out["summary"]) if out["summary"] else None
        return out

    def resolve_run(self, run: int | str) -> int:
        """A run reference: an id, ``latest`` (the latest complete run) or ``previous``
        (the one before it)."""
        text = str(run).strip().lower()
        if text in ("latest", "previous"):
            rows = self._conn.execute("SELECT id FROM runs WHERE status='complete' ORDER BY id DESC LIMIT 2").fetchall()
            index = 0 if text == "latest" else 1
            if len(rows) <= index:
                raise InputError(f"no {'complete' if text == 'latest' else 'previous complete'} run in {self.path}")
            return int(rows[index][0])
        try:
            run_id = int(text)
        except ValueError:
            raise InputError(f"run {run!r}: expected a run id (see 'controlcheck trend'), 'latest' or 'previous'") from None
        self._require_run(run_id)
        return run_id

    def runs(self) -> list[dict]:
        """Every run, oldest first (id, times, status, reason, summary)."""
        ids = [r[0] for r in self._conn.execute("SELECT id FROM runs ORDER BY id")]
        return [self._run_row(i) for i in ids]

    def get_run(self, run: int | str = "latest") -> dict:
        """One run with what reports need: ``results`` (the results document),
        ``assessment`` (or None) and ``facts_dir`` where its facts documents were written."""
        run_id = self.resolve_run(run)
        out = self._run_row(run_id)
        blobs = self._conn.execute("SELECT results, assessment FROM runs WHERE id=?", (run_id,)).fetchone()
        if blobs[0] is None:
            raise InputError(f"run {run_id} in {self.path} is {out['status']}"
                             f"{': ' + out['reason'] if out['reason'] else ''}; it has no results to report")
        out["results"], out["assessment"] = _unpack(blobs[0]), _unpack(blobs[1])
        out["facts"] = [{"asset_id": a, "path": p, "sha256": s} for a, p, s in self._conn.execute(
            "SELECT asset_id, facts_path, facts_sha256 FROM assets WHERE run_id=? ORDER BY asset_id", (run_id,))]
        return out

    def report_data(self, run: int | str = "latest") -> dict:
        """What a report of a stored run needs, as plain data (the fields of
        ``reports.ReportInput``): results, assessment, the history up to that run, and the
        facts directory (for the evidence bundle)."""
        stored = self.get_run(run)
        history = [h for h in self.history() if h["id"] <= stored["id"]]
        facts_dir = Path(stored["facts_dir"]) if stored.get("facts_dir") else None
        return {"results": stored["results"], "assessment": stored["assessment"], "history": history,
                "facts_dir": facts_dir}

    def incomplete_runs(self, all_runs: bool = False) -> list[dict]:
        """Runs that did not finish (``incomplete``, or ``failed`` when the environment stopped
        them): by default those after the latest complete run (what the next audit should
        mention), with ``all_runs`` every one. Oldest first."""
        floor = 0
        if not all_runs:
            row = self._conn.execute("SELECT MAX(id) FROM runs WHERE status='complete'").fetchone()
            floor = row[0] or 0
        ids = [r[0] for r in self._conn.execute(
            "SELECT id FROM runs WHERE status IN ('incomplete', 'failed') AND id > ? ORDER BY id", (floor,))]
        return [self._run_row(i) for i in ids]

    def history(self, limit: int | None = None) -> list[dict]:
        """Complete runs, oldest first (the last ``limit`` of them): id, started_at,
        finished_at, results_run_id, cai, counts by status, assets, failing by severity,
        risks by residual rating. This is ``ReportInput.history``."""
        sql = "SELECT id, started_at, finished_at, results_run_id, summary FROM runs WHERE status='complete' ORDER BY id DESC"
        params: tuple = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        out = []
        for run_id, started, finished, results_run_id, summary in self._conn.execute(sql, params):
            s = json.loads(summary) if summary else {}
            out.append({"id": run_id, "started_at": started, "finished_at": finished, "results_run_id": results_run_id,
                        "cai": s.get("cai"), "counts": s.get("by_status") or {}, "assets": s.get("assets"),
                        "failing_by_severity": s.get("failing_by_severity") or {},
                        "by_residual_rating": s.get("by_residual_rating") or {}})
        out.reverse()
        return out

    def _findings_map(self, run_id: int) -> dict[tuple[str, str], dict]:
        return {(a, c): {"asset_id": a, "control_id": c, "status": st, "severity": sev, "title": t, "message": m}
                for a, c, st, sev, t, m in self._conn.execute(
                    "SELECT asset_id, control_id, status, severity, title, message FROM findings WHERE run_id=?", (run_id,))}

    def _assets(self, run_id: int) -> dict[str, dict]:
        return {a: {"id": a, "kind": k, "platform": p, "site": s} for a, k, p, s in self._conn.execute(
            "SELECT asset_id, kind, platform, site FROM assets WHERE run_id=?", (run_id,))}

    def diff(self, run_a: int | str, run_b: int | str) -> dict:
        """What changed from run A to run B: findings newly failing (fail/error in B, not in A,
        on an asset present in both), newly passing (pass in B, fail/error in A), assets new in
        B and assets vanished from B, and the CAI of each."""
        a_id, b_id = self.resolve_run(run_a), self.resolve_run(run_b)
        fa, fb = self._findings_map(a_id), self._findings_map(b_id)
        assets_a, assets_b = self._assets(a_id), self._assets(b_id)
        newly_failing, newly_passing = [], []
        for key, fnew in sorted(fb.items()):
            if key[0] not in assets_a:
                continue
            old = fa.get(key)
            before = old["status"] if old else None
            if fnew["status"] in FAILING and before not in FAILING:
                newly_failing.append(dict(fnew, before=before, after=fnew["status"]))
            elif fnew["status"] == "pass" and before in FAILING:
                newly_passing.append(dict(fnew, before=before, after="pass"))
        new_assets = [dict(assets_b[a], failing=sum(1 for (x, _), f in fb.items() if x == a and f["status"] in FAILING))
                      for a in sorted(set(assets_b) - set(assets_a))]
        vanished = [assets_a[a] for a in sorted(set(assets_a) - set(assets_b))]
        cai_a, cai_b = self._overall_cai(a_id), self._overall_cai(b_id)
        change = round(cai_b - cai_a, 1) if cai_a is not None and cai_b is not None else None
        still = sum(1 for k, f in fb.items() if f["status"] in FAILING and (fa.get(k) or {}).get("status") in FAILING)
        return {"run_a": self._brief(a_id), "run_b": self._brief(b_id),
                "cai": {"a": cai_a, "b": cai_b, "change": change},
                "newly_failing": newly_failing, "newly_passing": newly_passing,
                "still_failing": still, "new_assets": new_assets, "vanished_assets": vanished}

    def _overall_cai(self, run_id: int) -> float | None:
        row = self._conn.execute("SELECT value FROM cai WHERE run_id=? AND breakdown='overall'", (run_id,)).fetchone()
        return row[0] if row else None

    def _brief(self, run_id: int) -> dict:
        r = self._run_row(run_id)
        return {"id": r["id"], "started_at": r["started_at"], "status": r["status"]}

    def cai(self, run: int | str = "latest", breakdown: str | None = None) -> dict[str, dict[str, float | None]]:
        """The stored CAI of a run: {breakdown: {key: value}}."""
        run_id = self.resolve_run(run)
        out: dict[str, dict[str, float | None]] = {}
        sql, params = "SELECT breakdown, key, value FROM cai WHERE run_id=?", [run_id]
        if breakdown:
            sql += " AND breakdown=?"
            params.append(breakdown)
        for b, k, v in self._conn.execute(sql + " ORDER BY breakdown, key", params):
            out.setdefault(b, {})[k] = v
        return out


def _cai_rows(assessment: dict | None) -> list[tuple[str, str, float | None]]:
    if not assessment or "cai" not in assessment:
        return []
    cai = assessment["cai"]
    rows = [("overall", "overall", cai["overall"].get("value"))]
    for breakdown, groups in (cai.get("by") or {}).items():
        for key, entry in groups.items():
            rows.append((breakdown, key, entry.get("value")))
    return rows


def run_summary(results: dict, assessment: dict | None) -> dict:
    """What ``history`` shows per run: counts by status and severity, CAI, risks by rating."""
    s = results.get("summary") or {}
    by_status = dict(s.get("by_status") or {})
    if not by_status:
        for f in results.get("findings") or []:
            by_status[f["status"]] = by_status.get(f["status"], 0) + 1
    out = {"assets": s.get("assets", len(results.get("assets") or [])), "controls": s.get("controls"),
           "findings": s.get("findings", len(results.get("findings") or [])), "by_status": by_status,
           "by_severity": s.get("by_severity") or {}, "incomplete_assets": s.get("incomplete_assets") or [],
           "cai": None, "failing_by_severity": {}, "by_residual_rating": {}}
    if assessment:
        out["cai"] = (assessment.get("cai") or {}).get("overall", {}).get("value")
        out["failing_by_severity"] = assessment.get("failing_by_severity") or {}
        out["by_residual_rating"] = (assessment.get("summary") or {}).get("by_residual_rating") or {}
    return out
