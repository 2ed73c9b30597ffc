"""Real redis-server and PostgreSQL servers for the distributed-engine and central-history tests.

Both listen on 127.0.0.1 on an ephemeral port and live in a temporary folder. PostgreSQL
refuses to run as root, so it runs as the ``postgres`` system user of the Debian package in a
folder that user owns. Readiness is awaited by connecting, never by sleeping a fixed time.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from helpers import wait_until

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, what: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    def ready() -> bool:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        return bool(predicate())
    wait_until(ready, f"{what} ready", timeout)


def _end(proc: subprocess.Popen, timeout: float, group: bool = False) -> None:
    """SIGTERM (each server shuts down properly on it), then SIGKILL after ``timeout``
    seconds; ``group``: also whatever the process left in its session."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    if group:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cc-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _accepts(self.port), "redis-server", proc=self.proc)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        _end(self.proc, 10)
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresServer:
    def __init__(self) -> None:
        self.user = "postgres"
        pw = pwd.getpwnam(self.user)
        self.folder = Path(tempfile.mkdtemp(prefix="cc-pg-"))
        os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        data, sock = self.folder / "data", self.folder / "sock"
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [], "env": {"PATH": "/usr/bin:/bin",
                                                                                   "LC_ALL": "C"}}
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-sync"], check=True, capture_output=True, cwd=self.folder, **run_as)
        subprocess.run(["mkdir", "-m", "0700", str(sock)], check=True, **run_as)
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(data), "-k", str(sock), "-h", "127.0.0.1", "-p", str(self.port),
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "postgres.log").open("wb"), cwd=self.folder, **run_as)
        _wait(self._ready, "postgres", proc=self.proc)
        self._count = 0

    def _ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.admin_dsn, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self, prefix: str = "cc") -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _end(self.proc, 30)            # smart shutdown; fast enough with no client left
        shutil.rmtree(self.folder, ignore_errors=True)


RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")     # the Debian package's, without its su wrapper


class RabbitMQServer:
    """A private RabbitMQ node: its own epmd, ports, data and cookie in a temporary folder (the
    Debian package's system service is never used). ``guest`` may log in, from 127.0.0.1 only."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cc-rabbitmq-"))
        self.port, epmd_port, dist_port = free_port(), free_port(), free_port()
        (self.folder / "enabled_plugins").write_text("[].\n")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.folder), "LC_ALL": "C.UTF-8",
               "RABBITMQ_NODENAME": f"cc{self.port}@localhost", "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
               "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(dist_port),
               "ERL_EPMD_PORT": str(epmd_port), "ERL_EPMD_ADDRESS": "127.0.0.1",
               "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"), "RABBITMQ_LOG_BASE": str(self.folder / "log"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
               "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"), "RABBITMQ_LOGS": str(self.folder / "node.log")}
        # epmd in the foreground, as our child: the one the node would start itself daemonises and stays
        self.epmd = subprocess.Popen([shutil.which("epmd") or "epmd", "-port", str(epmd_port), "-address", "127.0.0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _wait(lambda: _accepts(epmd_port), "epmd", proc=self.epmd)
        self.proc = subprocess.Popen([str(RABBITMQ_SERVER)], stdout=(self.folder / "stdout.log").open("wb"),
                                     stderr=subprocess.STDOUT, env=env, cwd=self.folder, start_new_session=True)
        try:
            _wait(lambda: _accepts(self.port), "rabbitmq-server", timeout=120, proc=self.proc)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def stop(self) -> None:
        _end(self.proc, 60, group=True)      # the server's script stops the node properly on SIGTERM
        _end(self.epmd, 10)
        shutil.rmtree(self.folder, ignore_errors=True)
