"""Run history on SQLAlchemy 2 Core: SQLite by default (one file, no server), PostgreSQL by URL.

Tables (schema version 2; Alembic migrations in ``controlcheck/migrations``):

- ``runs``: id, started_at, finished_at, status (running | complete | incomplete | failed),
  inventory, pid and host of the process that began it, reason (why incomplete or failed),
  engine (local | celery), summary (JSON: counts by status and severity, CAI, assets, risks by
  residual rating), and the whole results document and assessment (zlib-compressed JSON) so
  that a report of a stored run is the report the run would have written.
- ``assets``: per run, each asset and where its facts document was (path, sha256).
- ``findings``: per run, asset and control: status, severity, message, observed (JSON) and
  evidence ids (JSON). ``diff`` reads these.
- ``evidence``: the evidence index: run, asset, evidence id, source, sha256, path.
- ``cai``: run, breakdown (``overall``, ``framework``, ``requirement``, ``kind``, ``site``,
  ``owner``), key, value (NULL when nothing was weighed).
- ``meta``: schema_version (what a controlcheck older than Alembic reads to refuse a newer file).

The schema is the same on both databases; every answer (trend, diff, report, risks, cai) is
computed by the same queries and ordered in Python, so both give identical answers.

Opening a history for writing creates or upgrades its schema (``controlcheck db upgrade`` does
the same explicitly); opening one to read refuses an outdated schema with that command. A
history written before Alembic (schema version 1, SQLite) is recognised and upgraded in place.

One audit at a time: ``RunStore.lock(holder)`` takes, for SQLite, an exclusive ``flock`` on
``<db>.lock`` (pid, host and time written into it for the refusal message); for PostgreSQL a
session advisory lock (``pg_try_advisory_lock``), whose holder is found in
``pg_stat_activity``. Either is dropped when its process dies, so a killed audit never leaves a
stale lock; its run row stays ``running`` and the next ``begin_run`` on that host marks it
``incomplete``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import functools
import hashlib
import json
import os
import socket
import stat
import zlib
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from .errors import ControlcheckError, EnvironmentStopped, InputError

SCHEMA_VERSION = 3
HEAD_REVISION = "0003"
LEGACY_REVISION = "0001"          # a meta-table-only history of the first store
DEFAULT_DB = Path("controlcheck-out") / "controlcheck.db"
RUN_STATUSES = ("running", "complete", "incomplete", "failed")
FAILING = ("fail", "error")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_try_advisory_lock(int4, int4): "cc" and "audit" as numbers; one lock per database
_PG_LOCK_KEY = (0x6363, 0x61756474)

metadata = sa.MetaData()
runs_t = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.Text, nullable=False), sa.Column("finished_at", sa.Text),
    sa.Column("status", sa.Text, nullable=False), sa.Column("inventory", sa.Text), sa.Column("pid", sa.Integer),
    sa.Column("host", sa.Text), sa.Column("reason", sa.Text), sa.Column("results_run_id", sa.Text),
    sa.Column("facts_dir", sa.Text), sa.Column("summary", sa.Text), sa.Column("results", sa.LargeBinary),
    sa.Column("assessment", sa.LargeBinary), sa.Column("engine", sa.Text, nullable=False, server_default="local"),
    sqlite_autoincrement=True,
)
assets_t = sa.Table(
    "assets", metadata, sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("asset_id", sa.Text, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("kind", "platform", "site", "owner", "address", "collected_at", "facts_path",
                                       "facts_sha256", "errors")),
)
findings_t = sa.Table(
    "findings", metadata, sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("asset_id", sa.Text, primary_key=True),
    sa.Column("control_id", sa.Text, primary_key=True), sa.Column("status", sa.Text), sa.Column("severity", sa.Text),
    *(sa.Column(c, sa.Text) for c in ("title", "message", "observed", "evidence_ids")),
)
evidence_t = sa.Table(
    "evidence", metadata, sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("asset_id", sa.Text, primary_key=True),
    sa.Column("evidence_id", sa.Text, primary_key=True), *(sa.Column(c, sa.Text) for c in ("source", "sha256", "path")),
)
cai_t = sa.Table(
    "cai", metadata, sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("breakdown", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Float),
)
meta_t = sa.Table("meta", metadata, sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text))
# Derived from the complete runs' findings, kept as each run is stored (never copied: rebuilt),
# so finding age reads the open episodes and the fixes instead of walking every stored run
# (0.16 s a run at 1,000 assets: a year of daily audits would add a minute to each report).
# An episode opens at the first complete run where the finding fails after not failing, and
# is fixed at the first later complete run where it passes (risk/age.py).
episodes_t = sa.Table(
    "finding_episodes", metadata, sa.Column("asset_id", sa.Text, primary_key=True),
    sa.Column("control_id", sa.Text, primary_key=True), sa.Column("opened_run", sa.Integer, primary_key=True),
    sa.Column("opened_at", sa.Text), sa.Column("fixed_run", sa.Integer), sa.Column("fixed_at", sa.Text),
    sa.Column("severity", sa.Text),
)
# in the order a copy must write them (runs first: the others point at it)
TABLES = (meta_t, runs_t, assets_t, findings_t, evidence_t, cai_t)


def resolve_db(value: str | os.PathLike | None) -> Path | str:
    """A ``--db`` value: an SQLite path or ``sqlite:///relative.db`` / ``sqlite:////absolute.db``
    URL (returned as a Path), or a PostgreSQL URL ``postgresql://user@host[:port]/db`` (returned
    as text). Anything else is an input error."""
    if value is None:
        return DEFAULT_DB
    text = os.fspath(value)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        scheme = scheme.lower()
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            try:
                url = make_url("postgresql+psycopg://" + rest)
            except Exception:
                raise InputError(f"--db {_hide_password(text)!r}: not a valid PostgreSQL URL "
                                 "(postgresql://user@host[:port]/database)") from None
            if not url.database:
                raise InputError(f"--db {_hide_password(text)!r}: name the database (postgresql://user@host/database)")
            return "postgresql://" + rest
        if scheme != "sqlite":
            raise InputError(f"--db {_hide_password(text)!r}: expected an SQLite path, sqlite:///path or "
                             "postgresql://user@host/database")
        if not rest.startswith("/") or rest == "/":
            raise InputError(f"--db {text!r}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
        text = rest[1:]
    if not text:
        raise InputError("--db: empty path")
    return Path(text)


def _hide_password(text: str) -> str:
    """A URL as it may be printed: a password in it (a bad habit, but possible) is masked."""
    scheme, sep, rest = text.partition("://")
    userinfo, at, hostpart = rest.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
        return f"{scheme}{sep}{userinfo}@{hostpart}"
    return text


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
    return json.loads(zlib.decompress(bytes(blob)).decode())


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split("\n")[0].split())
    return text or type(orig).__name__


def _database_errors(method):
    """A database that stops answering mid-way is the environment stopping the run (exit 4)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sa.exc.OperationalError as exc:
            raise EnvironmentStopped(f"the run history {self.where} stopped answering: {_first_line(exc)}") from None
    return wrapper


def _alembic_config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


class RunStore:
    """The run history of one SQLite file or PostgreSQL database. ``create=False`` refuses a
    missing (or empty) history and never changes the schema (for ``report``, ``trend``, ``diff``,
    which only read)."""

    def __init__(self, path: str | os.PathLike, create: bool = True, as_found: bool = False):
        target = resolve_db(path)
        self.host = socket.gethostname()
        self.last_marked_incomplete: list[dict] = []
        self.create = create
        self.as_found = as_found        # read an older schema as it is (the source of a copy)
        if isinstance(target, Path):
            self.path: Path | None = target
            self.url = URL.create("sqlite", database=str(target))
            self.where = str(target)
            self.dialect = "sqlite"
            if not target.exists():
                if not create:
                    raise InputError(f"no run history at {target} (write one with 'controlcheck audit', "
                                     "or point --db at its controlcheck.db)")
                target.parent.mkdir(parents=True, exist_ok=True)
            elif target.is_dir():
                raise InputError(f"--db {target} is a directory; expected the SQLite file (e.g. {target}/controlcheck.db)")
            self._engine = sa.create_engine(self.url, connect_args={"timeout": 30}, poolclass=sa.pool.NullPool)
            sa.event.listen(self._engine, "connect", _sqlite_pragmas)
        else:
            self.path = None
            self.url = make_url("postgresql+psycopg://" + target.split("://", 1)[1])
            self.where = self.url.render_as_string(hide_password=True).replace("postgresql+psycopg://", "postgresql://")
            self.dialect = "postgresql"
            self._engine = sa.create_engine(self.url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        self._lock_conn = None
        try:
            with self._engine.connect() as conn:
                if self.dialect == "sqlite":
                    self._check_integrity(conn)
            self._prepare_schema()
        except sa.exc.OperationalError as exc:
            self._engine.dispose()
            if self.dialect == "postgresql":
                raise EnvironmentStopped(f"cannot reach the run history database {self.where}: "
                                         f"{_first_line(exc)}") from None
            raise EnvironmentStopped(f"{self.where}: cannot open the run history: {_first_line(exc)}") from None
        except sa.exc.DatabaseError as exc:
            self._engine.dispose()
            raise InputError(f"{self.where}: not a controlcheck run history ({_first_line(exc)})") from None
        except ControlcheckError:
            self._engine.dispose()
            raise

    # -- schema ---------------------------------------------------------------------------
    def _check_integrity(self, conn) -> None:
        """A damaged file must not be written into (each write spreads the damage) nor read
        into a crash: ``PRAGMA quick_check`` (a walk over every page, no index cross-check)."""
        try:
            problems = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(3)")]
        except sa.exc.DatabaseError as exc:
            # a cut-short file (SQLITE_CORRUPT) is damaged, not the wrong file (SQLITE_NOTADB)
            if getattr(exc.orig, "sqlite_errorname", "") != "SQLITE_CORRUPT":
                raise
            problems = [_first_line(exc)]
        if problems != ["ok"]:
            lines = [line.strip() for p in problems for line in str(p).splitlines()]
            first = next((line for line in lines if line and not line.startswith("***")), "integrity check failed")
            raise EnvironmentStopped(
                f"{self.where}: the run history is damaged ({first}); nothing was written to it. Restore it "
                f"from a backup, or move it aside (a new audit starts a new history) and try "
                f"'sqlite3 {self.where} .recover | sqlite3 recovered.db' to save what is left")

    def schema_state(self) -> tuple[str | None, bool]:
        """(revision, legacy): the Alembic revision of the history (None: empty), and whether it
        is a history of the first store (schema version 1, no Alembic table)."""
        with self._engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"sqlite_sequence"}
            if not tables:
                return None, False
            if "alembic_version" in tables:
                row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
                return (row[0] if row else None), False
            if "meta" not in tables:
                raise InputError(f"{self.where}: a database, but not a controlcheck run history")
            row = conn.execute(sa.text("SELECT value FROM meta WHERE key='schema_version'")).first()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
        if version == 1:
            return LEGACY_REVISION, True
        if version is not None and version > SCHEMA_VERSION:
            raise InputError(f"{self.where}: run history schema {version} is newer than this controlcheck "
                             f"understands ({SCHEMA_VERSION}); upgrade controlcheck")
        raise InputError(f"{self.where}: a database, but not a controlcheck run history")

    def _prepare_schema(self) -> None:
        revision, _legacy = self.schema_state()
        if revision == HEAD_REVISION:
            return
        known = _revisions()
        if revision is not None and revision not in known:
            raise InputError(f"{self.where}: run history schema revision {revision} is newer than this controlcheck "
                             f"understands ({HEAD_REVISION}); upgrade controlcheck")
        if revision is not None and self.as_found:
            return
        if not self.create:
            if revision is None:
                raise InputError(f"no run history in {self.where} (write one with 'controlcheck audit')")
            raise InputError(f"{self.where}: the run history has schema revision {revision}, this controlcheck "
                             f"reads {HEAD_REVISION}; run 'controlcheck db upgrade --db {self.where}'")
        self.upgrade()

    def upgrade(self) -> tuple[str | None, str]:
        """Bring the schema to the newest revision in one transaction; returns (from, to)."""
        from alembic import command

        revision, legacy = self.schema_state()
        if revision == HEAD_REVISION:
            return revision, HEAD_REVISION
        with self._engine.begin() as conn:
            config = _alembic_config(conn)
            if legacy:
                command.stamp(config, LEGACY_REVISION)
            command.upgrade(config, "head")
            rebuild_episodes(conn)           # derived data: made from the stored runs, in the same transaction
        return revision, HEAD_REVISION

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the lock -------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        if self.path is None:
            raise AttributeError("a PostgreSQL history is locked in the database, not by a file")
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def lock(self, holder: str = "audit") -> Iterator[None]:
        """Exclusive for one audit at a time against this store; refuses at once (no waiting)
        with ``another audit is running against <db> (pid N since T)``."""
        if self.dialect == "postgresql":
            with self._pg_lock(holder):
                yield
            return
        fd = self._open_lock_file()
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise ControlcheckError(f"cannot lock {self.lock_path}: {exc.strerror}") from None
                self._refuse_overlap(self._read_lock_info(fd))
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

    def _refuse_overlap(self, info: dict) -> None:
        who = f"pid {info.get('pid', '?')}"
        if info.get("host") and info.get("host") != self.host:
            who += f" on {info['host']}"
        raise ControlcheckError(
            f"another {info.get('holder') or 'audit'} is running against {self.where} "
            f"({who} since {info.get('since', '?')}); scheduled runs must not overlap") from None

    @contextlib.contextmanager
    def _pg_lock(self, holder: str) -> Iterator[None]:
        """A session advisory lock on a connection of its own, held for the whole audit; the
        session's application_name says who holds it (pid@host), read by the one refused."""
        try:
            conn = self._engine.connect()
        except sa.exc.OperationalError as exc:
            raise EnvironmentStopped(f"cannot reach the run history database {self.where}: {_first_line(exc)}") from None
        try:
            name = f"controlcheck {holder} {os.getpid()}@{self.host}"[:63]
            conn.execute(sa.text("SELECT set_config('application_name', :n, false)"), {"n": name})
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:a, :b)"),
                               {"a": _PG_LOCK_KEY[0], "b": _PG_LOCK_KEY[1]}).scalar()
            conn.commit()
            if not got:
                row = conn.execute(sa.text(
                    "SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :a AND l.objid = :b AND l.objsubid = 2 "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
                    {"a": _PG_LOCK_KEY[0], "b": _PG_LOCK_KEY[1]}).first()
                info: dict = {}
                if row:
                    parts = str(row[0] or "").split()
                    if len(parts) == 3 and parts[0] == "controlcheck":
                        pid, _, host = parts[2].partition("@")
                        info = {"holder": parts[1], "pid": pid, "host": host}
                    info["since"] = row[1].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if row[1] else "?"
                self._refuse_overlap(info)
            try:
                yield
            finally:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:a, :b)"), {"a": _PG_LOCK_KEY[0], "b": _PG_LOCK_KEY[1]})
                    conn.commit()
        finally:
            conn.close()

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
    @_database_errors
    def begin_run(self, inventory: str, engine: str = "local") -> int:
        """A new run in status ``running``; first, runs left ``running`` by a process that
        is gone (on this host) are marked ``incomplete`` (see ``last_marked_incomplete``)."""
        self.last_marked_incomplete = self._reap_dead_runs()
        with self._engine.begin() as conn:
            result = conn.execute(runs_t.insert().values(
                started_at=_now(), status="running", inventory=str(inventory), pid=os.getpid(), host=self.host,
                engine=engine))
        return int(result.inserted_primary_key[0])

    def _reap_dead_runs(self) -> list[dict]:
        marked = []
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(runs_t.c.id, runs_t.c.pid, runs_t.c.host)
                                .where(runs_t.c.status == "running")).all()
        for run_id, pid, host in rows:
            if host != self.host:
                continue  # cannot tell whether a process on another host is alive
            if pid == os.getpid() or _pid_alive(pid):
                continue
            reason = f"process {pid} ended before the run finished (interrupted or killed)"
            self.mark_incomplete(run_id, reason)
            marked.append(self._run_row(run_id))
        return marked

    @_database_errors
    def add_facts(self, run_id: int, facts_doc: dict, facts_path: str | os.PathLike | None) -> None:
        """Record one asset's facts document as it is written (so an interrupted run still
        lists what it collected) and its evidence in the evidence index. Recording an asset
        again replaces it."""
        self.add_facts_many(run_id, [(facts_doc, facts_path)])

    @_database_errors
    def add_facts_many(self, run_id: int, items: list[tuple[dict, str | os.PathLike | None]]) -> None:
        """:meth:`add_facts` for many documents in one transaction (one commit, so one sync
        to disk, instead of one per asset: 30 ms each on SQLite)."""
        self._require_run(run_id)
        with self._engine.begin() as conn:
            for facts_doc, facts_path in items:
                self._add_facts(conn, run_id, facts_doc, facts_path)

    @staticmethod
    def _add_facts(conn, run_id: int, facts_doc: dict, facts_path: str | os.PathLike | None) -> None:
        asset = facts_doc.get("asset") or {}
        asset_id = str(asset.get("id"))
        sha = None
        path_text = None
        if facts_path is not None:
            p = Path(facts_path)
            path_text = str(p.resolve())
            with contextlib.suppress(OSError):
                sha = hashlib.sha256(p.read_bytes()).hexdigest()
        evidence = {str(ev.get("id")): ev for ev in facts_doc.get("evidence") or []}
        for table in (assets_t, evidence_t):
            conn.execute(table.delete().where(table.c.run_id == run_id, table.c.asset_id == asset_id))
        conn.execute(assets_t.insert().values(
            run_id=run_id, asset_id=asset_id, kind=asset.get("kind"), platform=asset.get("platform"),
            site=asset.get("site"), owner=asset.get("owner"), address=asset.get("address"),
            collected_at=facts_doc.get("collected_at"), facts_path=path_text, facts_sha256=sha,
            errors=_dumps(facts_doc.get("errors") or [])))
        if evidence:
            conn.execute(evidence_t.insert(), [
                {"run_id": run_id, "asset_id": asset_id, "evidence_id": ev_id, "source": ev.get("source"),
                 "sha256": ev.get("sha256"), "path": ev.get("path")} for ev_id, ev in evidence.items()])
        if path_text is not None:
            conn.execute(runs_t.update().where(runs_t.c.id == run_id, runs_t.c.facts_dir.is_(None))
                         .values(facts_dir=str(Path(path_text).parent)))

    @_database_errors
    def finish_run(self, run_id: int, results: dict, assessment: dict | None = None) -> None:
        """Store the run's results (and assessment) and mark it ``complete``."""
        self._require_run(run_id)
        summary = run_summary(results, assessment)
        findings = {}
        for f in results.get("findings") or []:
            findings[(f["asset_id"], f["control_id"])] = {
                "run_id": run_id, "asset_id": f["asset_id"], "control_id": f["control_id"], "status": f["status"],
                "severity": f["severity"], "title": f.get("title"), "message": f.get("message"),
                "observed": _dumps(f.get("observed")), "evidence_ids": _dumps([e.get("id") for e in f.get("evidence") or []])}
        cai_rows = {(b, k): {"run_id": run_id, "breakdown": b, "key": k, "value": v} for b, k, v in _cai_rows(assessment)}
        with self._engine.begin() as conn:
            conn.execute(findings_t.delete().where(findings_t.c.run_id == run_id))
            conn.execute(cai_t.delete().where(cai_t.c.run_id == run_id))
            if findings:
                conn.execute(findings_t.insert(), list(findings.values()))
            # assets checked from facts the store was not told about (e.g. check on saved facts)
            known = set(conn.execute(sa.select(assets_t.c.asset_id).where(assets_t.c.run_id == run_id)).scalars())
            missing = {}
            for a in results.get("assets") or []:
                if a["id"] not in known and a["id"] not in missing:
                    missing[a["id"]] = {
                        "run_id": run_id, "asset_id": a["id"], "kind": a.get("kind"), "platform": a.get("platform"),
                        "site": a.get("site"), "owner": a.get("owner"), "address": a.get("address"),
                        "collected_at": a.get("collected_at"), "facts_path": None,
                        "facts_sha256": a.get("facts_sha256"), "errors": _dumps(a.get("errors") or [])}
            if missing:
                conn.execute(assets_t.insert(), list(missing.values()))
            if cai_rows:
                conn.execute(cai_t.insert(), list(cai_rows.values()))
            conn.execute(runs_t.update().where(runs_t.c.id == run_id).values(
                status="complete", finished_at=_now(), reason=None, results_run_id=(results.get("run") or {}).get("id"),
                summary=_dumps(summary), results=_pack(results), assessment=_pack(assessment)))
            later = conn.execute(sa.select(runs_t.c.id).where(runs_t.c.status == "complete", runs_t.c.id > run_id)
                                 .limit(1)).first()
            if later is None:
                started = conn.execute(sa.select(runs_t.c.started_at).where(runs_t.c.id == run_id)).scalar()
                _advance_episodes(conn, run_id, started, findings.values())
            else:                   # a run stored out of order: the episodes after it change too
                rebuild_episodes(conn)

    def mark_incomplete(self, run_id: int, reason: str) -> None:
        self._set_status(run_id, "incomplete", reason)

    def mark_failed(self, run_id: int, reason: str) -> None:
        self._set_status(run_id, "failed", reason)

    @_database_errors
    def _set_status(self, run_id: int, status: str, reason: str) -> None:
        self._require_run(run_id)
        with self._engine.begin() as conn:
            was = conn.execute(sa.select(runs_t.c.status).where(runs_t.c.id == run_id)).scalar()
            conn.execute(runs_t.update().where(runs_t.c.id == run_id).values(
                status=status, reason=reason, finished_at=sa.func.coalesce(runs_t.c.finished_at, _now())))
            if was == "complete":
                rebuild_episodes(conn)

    # -- reading --------------------------------------------------------------------------
    def _require_run(self, run_id: int) -> None:
        with self._engine.connect() as conn:
            if conn.execute(sa.select(runs_t.c.id).where(runs_t.c.id == run_id)).first() is None:
                raise InputError(f"no run {run_id} in {self.where}")

    def _run_row(self, run_id: int) -> dict:
        count = (sa.select(sa.func.count()).select_from(assets_t).where(assets_t.c.run_id == runs_t.c.id)
                 .scalar_subquery())
        cols = [runs_t.c[k] for k in ("id", "started_at", "finished_at", "status", "inventory", "pid", "host", "reason",
                                      "results_run_id", "facts_dir", "summary", "engine")]
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(*cols, count.label("assets_recorded")).where(runs_t.c.id == run_id)).first()
        if row is None:
            raise InputError(f"no run {run_id} in {self.where}")
        out = dict(row._mapping)
        out["summary"] = json.loads(out["summary"]) if out["summary"] else None
        return out

    @_database_errors
    def resolve_run(self, run: int | str) -> int:
        """A run reference: an id, ``latest`` (the latest complete run) or ``previous``
        (the one before it)."""
        text = str(run).strip().lower()
        if text in ("latest", "previous"):
            with self._engine.connect() as conn:
                rows = conn.execute(sa.select(runs_t.c.id).where(runs_t.c.status == "complete")
                                    .order_by(runs_t.c.id.desc()).limit(2)).scalars().all()
            index = 0 if text == "latest" else 1
            if len(rows) <= index:
                raise InputError(f"no {'complete' if text == 'latest' else 'previous complete'} run in {self.where}")
            return int(rows[index])
        try:
            run_id = int(text)
        except ValueError:
            raise InputError(f"run {run!r}: expected a run id (see 'controlcheck trend'), 'latest' or 'previous'") from None
        self._require_run(run_id)
        return run_id

    @_database_errors
    def runs(self) -> list[dict]:
        """Every run, oldest first (id, times, status, reason, summary)."""
        with self._engine.connect() as conn:
            ids = conn.execute(sa.select(runs_t.c.id).order_by(runs_t.c.id)).scalars().all()
        return [self._run_row(i) for i in ids]

    @_database_errors
    def get_run(self, run: int | str = "latest") -> dict:
        """One run with what reports need: ``results`` (the results document),
        ``assessment`` (or None) and ``facts_dir`` where its facts documents were written."""
        run_id = self.resolve_run(run)
        out = self._run_row(run_id)
        with self._engine.connect() as conn:
            blobs = conn.execute(sa.select(runs_t.c.results, runs_t.c.assessment).where(runs_t.c.id == run_id)).first()
            facts = conn.execute(sa.select(assets_t.c.asset_id, assets_t.c.facts_path, assets_t.c.facts_sha256)
                                 .where(assets_t.c.run_id == run_id)).all()
        if blobs[0] is None:
            raise InputError(f"run {run_id} in {self.where} is {out['status']}"
                             f"{': ' + out['reason'] if out['reason'] else ''}; it has no results to report")
        out["results"], out["assessment"] = _unpack(blobs[0]), _unpack(blobs[1])
        out["facts"] = [{"asset_id": a, "path": p, "sha256": s} for a, p, s in sorted(facts)]
        return out

    @_database_errors
    def finding_states(self, run: int | str = "latest") -> dict:
        """What finding age reads of one run (``risk.age.finding_ages``), from the findings
        and assets tables: ``findings`` ``[{"asset_id", "control_id", "status", "severity"}]``
        by asset and control, and ``assets`` ``[{"id", "owner"}]``. Decoding the run's whole
        results document for these four columns took 0.55 s a run at 1,000 assets."""
        run_id = self.resolve_run(run)
        with self._engine.connect() as conn:
            findings = conn.execute(sa.select(findings_t.c.asset_id, findings_t.c.control_id, findings_t.c.status,
                                              findings_t.c.severity).where(findings_t.c.run_id == run_id)).all()
            assets = conn.execute(sa.select(assets_t.c.asset_id, assets_t.c.owner)
                                  .where(assets_t.c.run_id == run_id)).all()
        return {"findings": [{"asset_id": a, "control_id": c, "status": s, "severity": v}
                             for a, c, s, v in sorted(findings, key=lambda row: (row[0], row[1]))],
                "assets": [{"id": a, "owner": o} for a, o in sorted(assets)]}

    @_database_errors
    def finding_episodes(self, upto_run_id: int | None = None) -> dict | None:
        """What finding age needs as of a complete run (default: the newest), from the
        episodes table: ``runs`` (complete runs up to it), ``run`` (its id and started_at),
        ``failing`` (its failing findings with the run that opened each), ``fixed`` (every
        episode fixed up to it, in the order they were fixed) and ``owners`` (each asset's
        owner in the newest run up to it that has the asset). None: no complete run."""
        e, f, a = episodes_t, findings_t, assets_t
        with self._engine.connect() as conn:
            complete = sa.select(runs_t.c.id).where(runs_t.c.status == "complete")
            if upto_run_id is not None:
                complete = complete.where(runs_t.c.id <= upto_run_id)
            count = conn.execute(sa.select(sa.func.count()).select_from(complete.subquery())).scalar()
            run = conn.execute(sa.select(runs_t.c.id, runs_t.c.started_at)
                               .where(runs_t.c.id == sa.select(sa.func.max(complete.subquery().c.id))
                                      .scalar_subquery())).first()
            if run is None:
                return None
            upto = run.id
            open_at = sa.and_(e.c.asset_id == f.c.asset_id, e.c.control_id == f.c.control_id, e.c.opened_run <= upto,
                              sa.or_(e.c.fixed_run.is_(None), e.c.fixed_run > upto))
            failing = conn.execute(
                sa.select(f.c.asset_id, f.c.control_id, f.c.severity, e.c.opened_run, e.c.opened_at)
                .select_from(f.outerjoin(e, open_at)).where(f.c.run_id == upto, f.c.status == "fail")
                .order_by(f.c.asset_id, f.c.control_id)).mappings().all()
            fixed = conn.execute(
                sa.select(e.c.asset_id, e.c.control_id, e.c.severity, e.c.opened_run, e.c.opened_at, e.c.fixed_run,
                          e.c.fixed_at).where(e.c.fixed_run <= upto)
                .order_by(e.c.fixed_run, e.c.asset_id, e.c.control_id)).mappings().all()
            owners = {asset: owner for asset, owner in conn.execute(sa.select(a.c.asset_id, a.c.owner)
                                                                    .where(a.c.run_id == upto))}
            gone = sorted({row["asset_id"] for row in fixed} - owners.keys())
            for start in range(0, len(gone), 500):      # assets no longer in the run: their last owner
                rows = conn.execute(sa.select(a.c.asset_id, a.c.owner).where(
                    a.c.asset_id.in_(gone[start:start + 500]), a.c.run_id.in_(complete)).order_by(a.c.run_id))
                owners.update((asset, owner) for asset, owner in rows)
        return {"runs": count, "run": {"id": upto, "started_at": run.started_at}, "failing": [dict(r) for r in failing],
                "fixed": [dict(r) for r in fixed], "owners": owners}

    @_database_errors
    def report_data(self, run: int | str = "latest") -> dict:
        """What a report of a stored run needs, as plain data: ``results``, ``assessment``,
        ``history`` up to that run, and ``facts_dir`` (for the evidence bundle)."""
        stored = self.get_run(run)
        history = [h for h in self.history() if h["id"] <= stored["id"]]
        facts_dir = Path(stored["facts_dir"]) if stored.get("facts_dir") else None
        return {"results": stored["results"], "assessment": stored["assessment"], "history": history,
                "facts_dir": facts_dir}

    @_database_errors
    def incomplete_runs(self, all_runs: bool = False) -> list[dict]:
        """Runs that did not finish (``incomplete``, or ``failed`` when the environment stopped
        them): by default those after the latest complete run (what the next audit should
        mention), with ``all_runs`` every one. Oldest first."""
        with self._engine.connect() as conn:
            floor = 0
            if not all_runs:
                floor = conn.execute(sa.select(sa.func.max(runs_t.c.id))
                                     .where(runs_t.c.status == "complete")).scalar() or 0
            ids = conn.execute(sa.select(runs_t.c.id).where(runs_t.c.status.in_(("incomplete", "failed")), runs_t.c.id > floor)
                               .order_by(runs_t.c.id)).scalars().all()
        return [self._run_row(i) for i in ids]

    @_database_errors
    def history(self, limit: int | None = None) -> list[dict]:
        """Complete runs, oldest first (the last ``limit`` of them): id, started_at,
        finished_at, results_run_id, cai, counts by status, assets, failing by severity,
        risks by residual rating. This is ``ReportInput.history``."""
        query = (sa.select(runs_t.c.id, runs_t.c.started_at, runs_t.c.finished_at, runs_t.c.results_run_id,
                           runs_t.c.summary).where(runs_t.c.status == "complete").order_by(runs_t.c.id.desc()))
        if limit is not None:
            query = query.limit(int(limit))
        out = []
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        for run_id, started, finished, results_run_id, summary in rows:
            s = json.loads(summary) if summary else {}
            out.append({"id": run_id, "started_at": started, "finished_at": finished, "results_run_id": results_run_id,
                        "cai": s.get("cai"), "counts": s.get("by_status") or {}, "assets": s.get("assets"),
                        "failing_by_severity": s.get("failing_by_severity") or {},
                        "by_residual_rating": s.get("by_residual_rating") or {}})
        out.reverse()
        return out

    def _findings_map(self, run_id: int) -> dict[tuple[str, str], dict]:
        t = findings_t
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.asset_id, t.c.control_id, t.c.status, t.c.severity, t.c.title, t.c.message)
                                .where(t.c.run_id == run_id)).all()
        return {(a, c): {"asset_id": a, "control_id": c, "status": st, "severity": sev, "title": ti, "message": m}
                for a, c, st, sev, ti, m in rows}

    def _assets(self, run_id: int) -> dict[str, dict]:
        t = assets_t
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.asset_id, t.c.kind, t.c.platform, t.c.site).where(t.c.run_id == run_id)).all()
        return {a: {"id": a, "kind": k, "platform": p, "site": s} for a, k, p, s in rows}

    @_database_errors
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
        with self._engine.connect() as conn:
            return conn.execute(sa.select(cai_t.c.value).where(cai_t.c.run_id == run_id,
                                                               cai_t.c.breakdown == "overall")).scalar()

    def _brief(self, run_id: int) -> dict:
        r = self._run_row(run_id)
        return {"id": r["id"], "started_at": r["started_at"], "status": r["status"]}

    @_database_errors
    def cai(self, run: int | str = "latest", breakdown: str | None = None) -> dict[str, dict[str, float | None]]:
        """The stored CAI of a run: {breakdown: {key: value}}, both sorted."""
        run_id = self.resolve_run(run)
        query = sa.select(cai_t.c.breakdown, cai_t.c.key, cai_t.c.value).where(cai_t.c.run_id == run_id)
        if breakdown:
            query = query.where(cai_t.c.breakdown == breakdown)
        out: dict[str, dict[str, float | None]] = {}
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        for b, k, v in sorted(rows, key=lambda r: (r[0], r[1])):
            out.setdefault(b, {})[k] = v
        return out

    # -- moving a history -----------------------------------------------------------------
    @_database_errors
    def rows(self, table: sa.Table, chunk: int = 500) -> Iterator[list[dict]]:
        """Every row of one table, in chunks (columns of an older schema missing from it are left out)."""
        with self._engine.connect() as conn:
            present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
            cols = [c for c in table.c if c.name in present]
            result = conn.execution_options(stream_results=True).execute(sa.select(*cols).order_by(*table.primary_key))
            while batch := result.fetchmany(chunk):
                yield [dict(r._mapping) for r in batch]

    def is_empty(self) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(runs_t)).scalar() == 0


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@functools.lru_cache(maxsize=1)
def _revisions() -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(s.revision for s in ScriptDirectory.from_config(config).walk_revisions())


def copy_history(source: str, target: str) -> tuple[dict[str, int], str]:
    """Copy every run of one history into another that holds no run yet, in one transaction
    on the target (nothing half-written). The source is only read; an older source schema is
    read as it is. Returns rows copied per table and the target as it may be printed."""
    with RunStore(source, create=False, as_found=True) as src:
        with RunStore(target) as dst, dst.lock("copy"):
            if not dst.is_empty():
                raise InputError(f"{dst.where} already holds runs; copy into a new, empty history")
            counts: dict[str, int] = {}
            try:
                with dst._engine.begin() as conn:
                    for table in TABLES:
                        if table is meta_t:
                            continue          # the target keeps its own schema version
                        counts[table.name] = 0
                        for batch in src.rows(table):
                            conn.execute(table.insert(), batch)
                            counts[table.name] += len(batch)
                    rebuild_episodes(conn)
                    if dst.dialect == "postgresql":
                        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('runs', 'id'), "
                                             "COALESCE((SELECT MAX(id) FROM runs), 0) + 1, false)"))
            except sa.exc.OperationalError as exc:
                raise EnvironmentStopped(f"copy to {dst.where} stopped: {_first_line(exc)}; nothing was written") from None
            return counts, dst.where


def _advance_episodes(conn, run_id: int, started_at: str, findings) -> None:
    """Apply one complete run, the newest, to the finding episodes: a failing finding with no
    open episode opens one, a passing finding fixes its open one; error, waived, skipped and
    absent change nothing. Storing the same run again first undoes what it did."""
    e = episodes_t
    conn.execute(e.delete().where(e.c.opened_run == run_id))
    conn.execute(e.update().where(e.c.fixed_run == run_id).values(fixed_run=None, fixed_at=None))
    open_now = {(a, c) for a, c in conn.execute(sa.select(e.c.asset_id, e.c.control_id).where(e.c.fixed_run.is_(None)))}
    opened, fixed = [], []
    for f in findings:
        key = (f["asset_id"], f["control_id"])
        if f["status"] == "fail" and key not in open_now:
            opened.append({"asset_id": key[0], "control_id": key[1], "opened_run": run_id, "opened_at": started_at,
                           "fixed_run": None, "fixed_at": None, "severity": f["severity"]})
        elif f["status"] == "pass" and key in open_now:
            fixed.append({"a": key[0], "c": key[1], "sev": f["severity"]})
    if opened:
        conn.execute(e.insert(), opened)
    if fixed:
        conn.execute(e.update().where(e.c.asset_id == sa.bindparam("a"), e.c.control_id == sa.bindparam("c"),
                                      e.c.fixed_run.is_(None))
                     .values(fixed_run=run_id, fixed_at=started_at, severity=sa.bindparam("sev")), fixed)


def rebuild_episodes(conn) -> None:
    """The finding episodes made again from every complete run, oldest first (after a schema
    upgrade, a copy, or a change to a run that is not the newest)."""
    conn.execute(episodes_t.delete())
    runs = conn.execute(sa.select(runs_t.c.id, runs_t.c.started_at).where(runs_t.c.status == "complete")
                        .order_by(runs_t.c.id)).all()
    f = findings_t
    for run_id, started_at in runs:
        rows = conn.execute(sa.select(f.c.asset_id, f.c.control_id, f.c.status, f.c.severity)
                            .where(f.c.run_id == run_id, f.c.status.in_(("fail", "pass")))).mappings().all()
        _advance_episodes(conn, run_id, started_at, rows)


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
