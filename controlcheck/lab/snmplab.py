"""SNMP agents on loopback for tests, benchmarks and the demo lab.

* :class:`SnmpSim` runs ``snmpsim-command-responder`` on ``127.0.0.1:<free port>`` with
  a data directory of its own: each recording is served under a community equal to its
  file name (``ups-eaton.snmprec`` -> community ``ups-eaton``). Recordings come from the
  installed ``snmpsim-data`` package (:func:`recording_path`) or are written by the caller.
* :class:`Snmpd` runs net-snmp ``snmpd`` on ``127.0.0.1:<free port>`` with its own
  configuration and persistent directory: an SNMPv3 authPriv user (created with
  ``createUser``), optionally a read-only v2c community, and optionally SNMPv3 contexts
  that proxy to other agents (``proxy -Cn``), as a proxy serving several devices does.

Both are context managers; ``stop()`` ends only the process they started. Nothing listens
or sends anywhere but 127.0.0.1. Secrets given to :class:`Snmpd` are written only into its
private temporary directory (mode 0700) and never logged.
"""

from __future__ import annotations

import bz2
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable

LOOPBACK = "127.0.0.1"


class LabError(RuntimeError):
    """A lab agent could not be started."""


# --------------------------------------------------------------------------------------
# recordings
# --------------------------------------------------------------------------------------
def recordings_root() -> Path:
    """The ``data`` folder of the installed snmpsim-data package."""
    try:
        import snmpsim_data
    except ImportError:  # pragma: no cover - test extra not installed
        raise LabError("the snmpsim-data package is not installed (pip install -e '.[test]')") from None
    return Path(next(iter(snmpsim_data.__path__))) / "data"


def recording_path(name: str) -> Path:
    """The file of recording ``name`` (``UPS/eaton-93e-80``, with or without extension)."""
    root = recordings_root()
    stem = name.removesuffix(".bz2").removesuffix(".snmprec")
    for candidate in (root / f"{stem}.snmprec", root / f"{stem}.snmprec.bz2"):
        if candidate.is_file():
            return candidate
    raise LabError(f"no recording {name!r} in snmpsim-data ({root})")


def read_recording(name_or_path: str | Path) -> str:
    """The text of a recording (decompressed), for tests that derive expected facts."""
    path = Path(name_or_path)
    if not path.is_file():
        path = recording_path(str(name_or_path))
    data = bz2.decompress(path.read_bytes()) if path.name.endswith(".bz2") else path.read_bytes()
    return data.decode("latin-1")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


# net-snmp createUser protocol names -> inventory names
NETSNMP_AUTH = {"MD5": "md5", "SHA": "sha", "SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384",
                "SHA-512": "sha512"}
NETSNMP_PRIV = {"DES": "des", "AES": "aes", "AES-128": "aes"}


def _wait_answer(port: int, community: str | None, deadline: float, proc: subprocess.Popen,
                 v3: tuple[str, str, str, str, str] | None = None) -> None:
    """Poll with real SNMP GETs until the agent answers (or the process dies).
    ``v3`` is (user, auth protocol, auth key, priv protocol, priv key)."""
    import asyncio

    from ..collectors.snmp import SnmpSession

    async def once() -> bool:
        if v3 is not None:
            session = SnmpSession(LOOPBACK, port, "3", user=v3[0], auth_protocol=v3[1], auth_key=v3[2],
                                  priv_protocol=v3[3], priv_key=v3[4], timeout=0.5, retries=0)
        else:
            session = SnmpSession(LOOPBACK, port, "2c", community=community, timeout=0.5, retries=0)
        return await session.answers()

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"agent exited with status {proc.returncode} before answering")
        if asyncio.run(once()):
            return
        time.sleep(0.1)
    raise LabError(f"agent on {LOOPBACK}:{port} did not answer in time")


class _Process:
    """Common start/stop for one subprocess with a private temporary directory."""

    name = "agent"

    def __init__(self, workdir: Path | None) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"controlcheck-{self.name}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o700)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / f"{self.name}.log"

    @property
    def address(self) -> str:
        return LOOPBACK

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.cleanup()

    def start(self, timeout: float = 60.0):  # pragma: no cover - overridden
        raise NotImplementedError


# --------------------------------------------------------------------------------------
# snmpsim
# --------------------------------------------------------------------------------------
class SnmpSim(_Process):
    """snmpsim-command-responder on loopback serving recordings by community name.

    >>> with SnmpSim({"ups-eaton": "UPS/eaton-93e-80"}) as sim:
    ...     sim.port   # SNMP v1/v2c, community "ups-eaton"
    """

    name = "snmpsim"

    def __init__(self, recordings: dict[str, str | Path] | None = None, workdir: Path | None = None,
                 port: int | None = None) -> None:
        super().__init__(workdir)
        self.data_dir = self.workdir / "data"
        self.cache_dir = self.workdir / "cache"
        self.data_dir.mkdir(exist_ok=True)
        self.cache_dir.mkdir(exist_ok=True)
        self.requested_port = port
        self.communities: list[str] = []
        for community, recording in (recordings or {}).items():
            self.add(community, recording)

    def _target(self, community: str) -> Path:
        if not community or "/" in community or community.startswith("."):
            raise LabError(f"bad community name for a data file: {community!r}")
        return self.data_dir / f"{community}.snmprec"

    def add(self, community: str, recording: str | Path) -> Path:
        """Serve ``recording`` (a snmpsim-data name or a file path) under ``community``;
        bz2 recordings are decompressed (snmpsim seeks in its files)."""
        path = Path(recording)
        if not path.is_file():
            path = recording_path(str(recording))
        target = self._target(community)
        if path.name.endswith(".bz2"):
            target.write_bytes(bz2.decompress(path.read_bytes()))
        else:
            shutil.copyfile(path, target)
        self.communities.append(community)
        return target

    def add_text(self, community: str, text: str) -> Path:
        """Serve our own ``oid|type|value`` lines under ``community``."""
        target = self._target(community)
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="latin-1")
        self.communities.append(community)
        return target

    def add_copies(self, recording: str | Path, communities: Iterable[str]) -> None:
        """The same recording under many communities (hard links of one copy): many
        simulated agents on one port."""
        names = list(communities)
        if not names:
            return
        first = self.add(names[0], recording)
        for community in names[1:]:
            target = self._target(community)
            try:
                os.link(first, target)
            except OSError:
                shutil.copyfile(first, target)
            self.communities.append(community)

    def start(self, timeout: float = 60.0) -> "SnmpSim":
        if self.proc is not None:
            return self
        if not self.communities:
            raise LabError("SnmpSim has no recording to serve")
        exe = shutil.which("snmpsim-command-responder")
        command_prefix = [exe] if exe else [sys.executable, "-m", "snmpsim.commands.responder"]
        env = dict(os.environ)
        if hasattr(os, "getuid") and os.getuid() == 0:
            env["SNMPSIM_ALLOW_ROOT"] = "true"   # tests in containers run as root; data is ours
        last_error = ""
        for _attempt in range(3):
            self.port = self.requested_port or free_udp_port()
            args = command_prefix + [
                f"--data-dir={self.data_dir}", f"--cache-dir={self.cache_dir}",
                f"--agent-udpv4-endpoint={LOOPBACK}:{self.port}",
                "--log-level=error", f"--logging-method=file:{self.log_path}",
            ]
            self.proc = subprocess.Popen(args, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,  # noqa: S603
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                _wait_answer(self.port, self.communities[0], time.monotonic() + timeout, self.proc)
                return self
            except LabError as exc:
                last_error = f"{exc}; log: {self.log()[-800:]}"
                self.stop()
                if self.requested_port:
                    break
        raise LabError(f"snmpsim did not start: {last_error}")


# --------------------------------------------------------------------------------------
# net-snmp snmpd
# --------------------------------------------------------------------------------------
class Snmpd(_Process):
    """net-snmp ``snmpd`` on loopback: one SNMPv3 user (SHA / AES-128 by default, authPriv
    required) and optionally a read-only v2c community; ``-f -Lo -C -c <conf>``.

    ``contexts``: ``{context name: (port, community)}`` — each context proxies (v2c) to the
    agent on ``127.0.0.1:port`` (e.g. a :class:`SnmpSim` recording), and the user may read
    every context, the default one included."""

    name = "snmpd"

    def __init__(self, v3_user: str, auth_key: str, priv_key: str, ro_community: str | None = None,
                 auth_protocol: str = "SHA", priv_protocol: str = "AES", workdir: Path | None = None,
                 sys_contact: str = "lab@example.invalid", sys_location: str = "controlcheck lab",
                 binary: str | None = None, contexts: dict[str, tuple[int, str]] | None = None) -> None:
        super().__init__(workdir)
        self.contexts = dict(contexts or {})
        self.v3_user = v3_user
        self._auth_key = auth_key
        self._priv_key = priv_key
        self._community = ro_community
        self.auth_protocol = auth_protocol
        self.priv_protocol = priv_protocol
        self.sys_contact = sys_contact
        self.sys_location = sys_location
        self.binary = binary or shutil.which("snmpd") or "/usr/sbin/snmpd"
        self.persist_dir = self.workdir / "persist"
        self.conf_path = self.workdir / "snmpd.conf"

    def __repr__(self) -> str:
        return f"Snmpd({LOOPBACK}:{self.port}, user={self.v3_user})"

    def _write_config(self) -> None:
        for secret in (self._auth_key, self._priv_key, self._community or ""):
            if any(ch in secret for ch in "\"\n\r\\"):
                raise LabError("lab secrets must not contain quotes, backslashes or newlines")
        self.persist_dir.mkdir(exist_ok=True)
        os.chmod(self.persist_dir, 0o700)
        lines = [
            f"agentAddress udp:{LOOPBACK}:{self.port}",
            f"sysContact {self.sys_contact}",
            f"sysLocation {self.sys_location}",
            "sysServices 72",
        ]
        if self.contexts:       # VACM by hand: 'rouser' covers the default context only
            lines += [f"group ccgroup usm {self.v3_user}", "view ccall included .1",
                      'access ccgroup "" usm priv prefix ccall none none']
            for name, (port, community) in self.contexts.items():
                if not name.replace("-", "").replace("_", "").isalnum() or not community.isprintable() \
                        or " " in community:
                    raise LabError(f"bad lab context or community: {name!r}")
                lines.append(f"proxy -Cn {name} -v 2c -c {community} {LOOPBACK}:{port} .1.3.6.1")
        else:
            lines.append(f"rouser {self.v3_user} priv")
        if self._community:
            lines.append(f"rocommunity {self._community} {LOOPBACK}")
        self.conf_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(self.conf_path, 0o600)
        # createUser belongs in the persistent file; snmpd turns it into a localized usmUser line
        persistent = self.persist_dir / "snmpd.conf"
        persistent.write_text(f'createUser {self.v3_user} {self.auth_protocol} "{self._auth_key}" '
                              f'{self.priv_protocol} "{self._priv_key}"\n', encoding="utf-8")
        os.chmod(persistent, 0o600)

    def start(self, timeout: float = 30.0) -> "Snmpd":
        if self.proc is not None:
            return self
        if not Path(self.binary).exists():
            raise LabError(f"net-snmp snmpd not found at {self.binary} (apt-get install snmpd)")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SNMP_PERSISTENT_DIR": str(self.persist_dir),
               "MIBS": "", "MIBDIRS": str(self.workdir), "HOME": str(self.workdir)}
        last_error = ""
        for _attempt in range(3):
            self.port = free_udp_port()
            self._write_config()
            # -C reads no default file, so the persistent file (createUser) is named explicitly
            args = [self.binary, "-f", "-Lo", "-C", "-c", f"{self.conf_path},{self.persist_dir / 'snmpd.conf'}",
                    "-p", str(self.workdir / "snmpd.pid")]
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(args, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,  # noqa: S603
                                             stdout=log, stderr=subprocess.STDOUT)
            auth, priv = NETSNMP_AUTH.get(self.auth_protocol), NETSNMP_PRIV.get(self.priv_protocol)
            try:
                if auth and priv:
                    _wait_answer(self.port, None, time.monotonic() + timeout, self.proc,
                                 v3=(self.v3_user, auth, self._auth_key, priv, self._priv_key))
                elif self._community:
                    _wait_answer(self.port, self._community, time.monotonic() + timeout, self.proc)
                else:
                    raise LabError(f"cannot check readiness for {self.auth_protocol}/{self.priv_protocol} "
                                   f"without a community")
                return self
            except LabError as exc:
                last_error = str(exc)
                self.stop()
        raise LabError(f"snmpd did not start: {last_error}; log: {self.log()[-800:]}")
