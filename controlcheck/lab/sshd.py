"""A real OpenSSH ``sshd`` on 127.0.0.1, with its own host key, config and client key.

Tests and the demo lab use it to collect a real Linux workstation (this machine)
over real SSH. It logs in as the current user with a generated key; nothing
outside its own folder is changed (except creating sshd's privilege-separation
directory when it is missing and we are root).

A collector that wants the *effective* settings of the daemon it is talking to
(several sshd may run on one host) can find that daemon's config file on its
listener's command line: ``ps -o args= -p $(ps -o ppid= -p $PPID)`` prints
``sshd: /usr/sbin/sshd -D -e -f <config> [listener] ...``; then ``sshd -T -f <config>``.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess  # noqa: S404 - fixed argument lists, no shell
import time
from pathlib import Path

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")


def find_sshd() -> str | None:
    for candidate in SSHD_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("sshd")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _keygen(path: Path, key_type: str = "ed25519") -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", "controlcheck-lab", "-f", str(path)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class RealSshd:
    """``with RealSshd(tmp_dir) as sshd:`` then log in to 127.0.0.1:``sshd.port`` as
    ``sshd.username`` with ``sshd.client_key``; ``sshd.known_hosts`` holds its host key."""

    def __init__(self, folder: Path, extra_config: list[str] | None = None, port: int | None = None,
                 daemon_args: list[str] | None = None, config_port: int | None = None):
        self.sshd = find_sshd()
        if not self.sshd:
            raise RuntimeError("OpenSSH sshd is not installed (Debian: apt-get install openssh-server)")
        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.username = getpass.getuser()
        self.extra_config = list(extra_config or [])
        self.daemon_args = list(daemon_args or [])     # e.g. ['-p', port, '-o', 'MaxSessions=3']
        self.config_port = config_port                  # the file's Port when -p overrides it
        self.host_key = self.folder / "ssh_host_ed25519_key"
        self.client_key = self.folder / "client_ed25519"
        self.known_hosts = self.folder / "known_hosts"
        self.config = self.folder / "sshd_config"
        self.log = self.folder / "sshd.log"
        self.process: subprocess.Popen | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "RealSshd":
        if not self.host_key.exists():
            _keygen(self.host_key)
        if not self.client_key.exists():
            _keygen(self.client_key)
        (self.folder / "authorized_keys").write_text(
            (self.client_key.with_suffix(".pub")).read_text(encoding="ascii"), encoding="ascii")
        host_pub = self.host_key.with_suffix(".pub").read_text(encoding="ascii").split()
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n", encoding="ascii")
        self.write_config()
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.process = subprocess.Popen(   # noqa: S603 - fixed argument list
            [self.sshd, "-D", "-e", "-f", str(self.config), *self.daemon_args],
            stdout=subprocess.DEVNULL, stderr=self.log.open("ab"))
        self._wait_listening()
        return self

    def write_config(self) -> None:
        # sshd keeps the first value of a keyword: the caller's lines go first so they win
        lines = [
            *self.extra_config,
            f"Port {self.config_port or self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {self.folder / 'authorized_keys'}",
            f"PidFile {self.folder / 'sshd.pid'}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            f"AllowUsers {self.username}",
            "LogLevel INFO",
        ]
        self.config.write_text("\n".join(lines) + "\n", encoding="ascii")

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"sshd exited at start: {self.log.read_text(errors='replace')[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not listen on 127.0.0.1:{self.port} within {timeout:g}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self, extra_config: list[str] | None = None) -> "RealSshd":
        """Restart on the same port with other config lines (to see facts change)."""
        self.stop()
        if extra_config is not None:
            self.extra_config = list(extra_config)
        return self.start()

    def __enter__(self) -> "RealSshd":
        # 'with RealSshd(...).start()' must not start a second daemon: the first would be
        # orphaned (the second dies on the taken port while the first answers for it)
        if self.process is not None and self.process.poll() is None:
            return self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
