"""Shared fixtures, and the guard of the two test lanes.

Lanes: ``python -m pytest -q -m "not slow"`` runs in well under a minute and starts no
server; ``python -m pytest -q`` (what CI runs) runs everything. A test that starts a server
(sshd, snmpd, snmpsim, the SSH simulator, the lab, redis, postgres, a celery worker) must be
marked ``@pytest.mark.slow``; the guard below fails one that is not, naming the server, so
the fast lane stays fast on every machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from helpers import CORPUS, FIXTURES, REPO   # re-exported for tests not yet moved to helpers

__all__ = ["CORPUS", "FIXTURES", "REPO"]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is expected at {CORPUS}")
    return CORPUS


@pytest.fixture
def facts_dir() -> Path:
    return FIXTURES / "facts"


@pytest.fixture(scope="module")
def postgres():
    """A real PostgreSQL server (tests/servers.py) for a module's slow tests."""
    from servers import PostgresServer
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


# -- the lane guard ------------------------------------------------------------------------------
# Programs and Python modules that are servers. A process of the CLI that starts the lab
# (demo, lab start, worker) counts too.
SERVER_PROGRAMS = {"sshd", "snmpd", "snmpsim-command-responder", "snmpsim-command-responder-lite", "redis-server",
                   "postgres", "pg_ctl", "pg_ctlcluster", "initdb", "celery"}
SERVER_MODULES = ("controlcheck.lab", "snmpsim", "celery")
SERVER_COMMANDS = {"demo", "lab", "worker"}


class ServerInFastLane(RuntimeError):
    pass


_current: dict = {"item": None}


def _unmarked() -> str | None:
    """The node id of the running test when it is not marked slow."""
    item = _current["item"]
    if item is None or item.get_closest_marker("slow") is not None:
        return None
    return item.nodeid


def _server_in(argv) -> str | None:
    args = [os.fspath(a) for a in ([argv] if isinstance(argv, (str, bytes, os.PathLike)) else list(argv))]
    args = [a.decode() if isinstance(a, bytes) else a for a in args]
    if not args:
        return None
    if os.path.basename(args[0]) in SERVER_PROGRAMS:
        return os.path.basename(args[0])
    if "-m" in args[:-1]:
        at = args.index("-m")
        module = args[at + 1]
        if module.startswith(SERVER_MODULES):
            return f"python -m {module}"
        if module == "controlcheck":
            command = next((a for a in args[at + 2:] if not a.startswith("-")), "")
            if command in SERVER_COMMANDS:
                return f"controlcheck {command}"
    return None


def _refuse(what: str) -> None:
    nodeid = _unmarked()
    if nodeid:
        raise ServerInFastLane(f"{nodeid} starts a server ({what}): mark it @pytest.mark.slow")


_popen_init = subprocess.Popen.__init__
_listen = socket.socket.listen


def _guarded_popen_init(self, args, *a, **kw):
    server = _server_in(args)
    if server:
        _refuse(server)
    return _popen_init(self, args, *a, **kw)


def _guarded_listen(self, *a, **kw):
    _refuse(f"a TCP listener on {self.getsockname()}")
    return _listen(self, *a, **kw)


def pytest_configure(config):
    subprocess.Popen.__init__ = _guarded_popen_init
    socket.socket.listen = _guarded_listen


def pytest_unconfigure(config):
    subprocess.Popen.__init__ = _popen_init
    socket.socket.listen = _listen


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # setup, call and teardown of this item, including module fixtures it sets up
    _current["item"] = item
    try:
        yield
    finally:
        _current["item"] = None
