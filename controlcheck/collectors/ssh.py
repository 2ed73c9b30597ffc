"""SSH transport shared by every SSH platform: host-key verification, credentials by
reference, timeouts and output caps.

Two session kinds, one interface (``run(command) -> CommandOutput | None``):

* :class:`ExecSession` (paramiko, one exec channel per command, no PTY) for Linux,
  Windows OpenSSH and Asterisk hosts;
* :class:`CliSession` (netmiko) for network CLIs that need a prompt, ``enable`` and
  paging turned off (Cisco IOS, ASA).

Host keys are checked against the inventory's known_hosts file by default: an unknown
or changed key is a collection error naming the key's SHA256 fingerprint. The file is
parsed once per run and shared by every session (``hostkeys.py``). Recording an
unknown key (trust on first use) happens only when asked for. Secrets are read at
connection time from their reference and never appear in evidence, facts or messages.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from abc import abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import paramiko

from ..errors import CollectionError, InputError
from ..inventory import Asset, resolve_secret
from .base import CollectionContext, Collector, FactsBuilder
from .hostkeys import KnownHosts, fingerprint, known_hosts_for

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_COMMAND_TIMEOUT = 30.0
DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024
# every command of one asset together: a device that hangs after login costs this much at
# most (inventory: settings.asset_deadline, or the asset's ssh.deadline)
DEFAULT_ASSET_DEADLINE = 600.0
# this many commands in a row with no answer prove the session dead: the rest are not sent
DEAD_AFTER_TIMEOUTS = 2

# paramiko logs socket errors itself; every failure is reported once, as an errors entry
logging.getLogger("paramiko").addHandler(logging.NullHandler())


_PLAIN_PATH = re.compile(r"^/[A-Za-z0-9_./*-]+$")


def safe_remote_path(path: str, under: str | None = None) -> bool:
    """May a path that came from the device (an include, a daemon's -f argument) go into a
    command? Absolute, plain characters (a ``*`` glob at most), no ``..`` segment, and inside
    ``under`` when given — so a config cannot make us read, say, /etc/shadow into evidence."""
    if not _PLAIN_PATH.match(path) or ".." in path.split("/"):
        return False
    return under is None or path.startswith(under.rstrip("/") + "/")


def known_hosts_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


@dataclass
class SshTarget:
    """Everything needed to open a session; built from the inventory at use."""

    asset_id: str
    host: str
    port: int
    username: str
    known_hosts: Path
    trust_on_first_use: bool
    password: str | None = None
    key_file: str | None = None
    passphrase: str | None = None
    allow_agent: bool = False
    enable_secret: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    deadline: float = DEFAULT_ASSET_DEADLINE
    host_keys: KnownHosts | None = None   # the run's parsed known_hosts (ssh_target shares one per run)

    def __post_init__(self) -> None:
        if self.host_keys is None:
            self.host_keys = KnownHosts(self.known_hosts)

    def __repr__(self) -> str:  # never show secrets, even in a --debug traceback
        return f"SshTarget({self.username}@{self.host}:{self.port})"

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def ssh_target(asset: Asset, ctx: CollectionContext) -> SshTarget:
    """Resolve an asset's ``ssh:`` block and its credential (secrets read now, kept in memory only)."""
    if not asset.ssh:
        raise CollectionError(f"asset {asset.id} has no 'ssh:' block in the inventory", source="ssh")
    block = asset.ssh
    inventory = ctx.inventory
    cred_name = block["credential"]
    cred = inventory.credential(cred_name)
    username = cred.get("username")
    if not username:
        raise CollectionError(f"credential {cred_name!r} has no username", source="ssh")
    try:
        password = resolve_secret(inventory, cred_name, "password")
        passphrase = resolve_secret(inventory, cred_name, "passphrase")
        enable_secret = resolve_secret(inventory, cred_name, "enable_secret")
    except InputError as exc:
        raise CollectionError(exc.message, source="ssh") from None
    key_file = str(inventory.resolve_path(cred["key_file"])) if cred.get("key_file") else None
    if key_file and not Path(key_file).is_file():
        raise CollectionError(f"credential {cred_name!r}: key file {key_file} does not exist", source="ssh")
    allow_agent = bool(cred.get("ssh_agent"))
    if not (password or key_file or allow_agent):
        raise CollectionError(f"credential {cred_name!r} names no password, key file or ssh-agent", source="ssh")
    known_hosts = inventory.known_hosts(asset)
    return SshTarget(
        asset_id=asset.id, host=asset.address, port=int(block.get("port", 22)), username=username,
        known_hosts=known_hosts, trust_on_first_use=ctx.trust_on_first_use,
        host_keys=known_hosts_for(ctx, known_hosts),
        password=password, key_file=key_file, passphrase=passphrase, allow_agent=allow_agent,
        enable_secret=enable_secret,
        connect_timeout=float(block.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT)),
        command_timeout=float(block.get("command_timeout", DEFAULT_COMMAND_TIMEOUT)),
        max_output_bytes=int(block.get("max_output_bytes", DEFAULT_MAX_OUTPUT_BYTES)),
        deadline=float(block.get("deadline", inventory.settings.get("asset_deadline", DEFAULT_ASSET_DEADLINE))),
    )


class HostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Unknown key: refuse naming its fingerprint, or (trust on first use) record it."""

    def __init__(self, target: SshTarget):
        self.target = target
        self.recorded: str | None = None

    def missing_host_key(self, client, hostname, key) -> None:
        fp = fingerprint(key)
        if not self.target.trust_on_first_use:
            raise CollectionError(
                f"unknown SSH host key for {hostname} ({key.get_name()} {fp}); not in {self.target.known_hosts}. "
                f"Verify it and add it (ssh-keyscan -p {self.target.port} {self.target.host}), "
                f"or collect once with --trust-on-first-use", source="ssh")
        if self.target.host_keys.record(hostname, key):   # False: another session recorded the same key
            self.recorded = f"{key.get_name()} {fp}"
        client.get_host_keys().add(hostname, key.get_name(), key)

    def report(self, builder: FactsBuilder) -> None:
        """A recorded key is said in the facts document: the user must still verify it."""
        if self.recorded:
            builder.error("ssh", f"trust on first use: recorded host key {self.recorded} "
                                 f"for {self.target.label} in {self.target.known_hosts}")


def _install_host_keys(client: paramiko.SSHClient, target: SshTarget) -> None:
    """This host's known keys from the run's parsed known_hosts (never the whole file per client)."""
    target.host_keys.install(client, known_hosts_name(target.host, target.port))


def _refuse_revoked(client: paramiko.SSHClient, target: SshTarget) -> None:
    transport = client.get_transport()
    if transport is not None:
        target.host_keys.refuse_revoked(known_hosts_name(target.host, target.port),
                                        transport.get_remote_server_key())


def explain_connect_error(exc: BaseException, target: SshTarget) -> CollectionError:
    """One clear sentence for each way a connection fails; never a secret."""
    if isinstance(exc, CollectionError):
        return exc
    where = target.label
    if isinstance(exc, paramiko.BadHostKeyException):
        return CollectionError(
            f"SSH host key for {where} has CHANGED: server offers {exc.key.get_name()} {fingerprint(exc.key)}, "
            f"{target.known_hosts} has {fingerprint(exc.expected_key)}; refusing to connect "
            f"(possible man-in-the-middle, or the device was replaced)", source="ssh")
    if isinstance(exc, paramiko.AuthenticationException):
        return CollectionError(f"authentication failed for user {target.username!r} on {where}", source="ssh")
    if isinstance(exc, ConnectionRefusedError):
        return CollectionError(f"connection refused by {where}", source="ssh")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return CollectionError(f"no SSH answer from {where} within {target.connect_timeout:g}s", source="ssh")
    if isinstance(exc, socket.gaierror):
        return CollectionError(f"cannot resolve {target.host}: {exc.strerror}", source="ssh")
    if isinstance(exc, OSError):
        return CollectionError(f"cannot connect to {where}: {exc.strerror or exc}", source="ssh")
    if isinstance(exc, paramiko.SSHException):
        return CollectionError(f"SSH negotiation with {where} failed: {exc}", source="ssh")
    return CollectionError(f"SSH connection to {where} failed: {type(exc).__name__}: {exc}", source="ssh")


class WireCommand(str):
    """A command whose readable text (the string itself: evidence source, messages) differs
    from the bytes sent (``wire``), e.g. PowerShell's ``-EncodedCommand``."""

    wire: str

    def __new__(cls, readable: str, wire: str) -> "WireCommand":
        obj = super().__new__(cls, readable)
        obj.wire = wire
        return obj


@dataclass
class CommandOutput:
    command: str
    text: str
    exit_status: int
    evidence: str
    stderr: str = ""

    rejected: str = ""      # a network CLI's refusal (``% Invalid input detected``), first line

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


def decode_output(raw: bytes, command: str, builder: FactsBuilder) -> str:
    """UTF-8 text; undecodable bytes are replaced (the raw bytes stay in evidence) and said."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        builder.error(f"ssh:{command}", f"output is not valid UTF-8 (first bad byte at offset {exc.start}); "
                                        f"undecodable bytes were replaced, raw bytes kept as evidence")
        return raw.decode("utf-8", errors="replace")


class _Session:
    def __init__(self, target: SshTarget, builder: FactsBuilder):
        self.target = target
        self.builder = builder
        self.deadline = time.monotonic() + (target.deadline if target is not None else float("inf"))
        self.timeouts_in_a_row = 0
        self.dead: str | None = None       # why no further command is sent
        self.not_run: list[str] = []

    def _budget(self, command: str, timeout: float) -> float | None:
        """The time ``command`` may take (the asset deadline shortens it), or None when it
        must not be sent at all: the session is dead or the deadline has passed."""
        if self.dead is None and time.monotonic() >= self.deadline:
            self.dead = f"the asset's deadline of {self.target.deadline:g}s passed"
        if self.dead is not None:
            self.not_run.append(str(command))
            return None
        return max(0.1, min(timeout, self.deadline - time.monotonic()))

    def _timed_out(self) -> None:
        self.timeouts_in_a_row += 1
        if self.timeouts_in_a_row >= DEAD_AFTER_TIMEOUTS and self.dead is None:
            self.dead = (f"{self.target.label} stopped answering ({self.timeouts_in_a_row} commands in a row got "
                         f"no answer)")

    def report_not_run(self) -> None:
        """One errors entry for every command the dead session did not send."""
        if self.not_run:
            shown = ", ".join(self.not_run[:5]) + (", ..." if len(self.not_run) > 5 else "")
            # the collection stopped short: exit 3 territory, like a connection lost
            self.builder.unreachable("ssh", f"{len(self.not_run)} further command(s) not run: {self.dead} "
                                            f"({shown})")

    def _record(self, command: str, raw: bytes, exit_status: int, stderr: bytes = b"",
                redact: Callable[[bytes], bytes] | None = None) -> CommandOutput:
        """Keep ``raw`` as evidence; with ``redact``, evidence holds ``redact(raw)`` while the
        returned text is the unredacted output (for parsers that judge secrets in memory only)."""
        ev = self.builder.add_evidence(f"ssh:{command}", redact(raw) if redact else raw)
        text = decode_output(raw, command, self.builder)
        return CommandOutput(command=command, text=text, exit_status=exit_status, evidence=ev,
                             stderr=stderr.decode("utf-8", errors="replace"))


class ExecSession(_Session):
    """paramiko exec channel per command (no PTY): exact bytes, real exit status."""

    def __init__(self, client: paramiko.SSHClient, target: SshTarget, builder: FactsBuilder):
        super().__init__(target, builder)
        self.client = client

    def run(self, command: str, timeout: float | None = None,
            redact: Callable[[bytes], bytes] | None = None) -> CommandOutput | None:
        """Run one command. A timeout or an output over the cap is an errors entry and None.
        ``redact`` is applied to the output before it is recorded as evidence."""
        timeout = self._budget(command, timeout or self.target.command_timeout)
        if timeout is None:
            return None
        cap = self.target.max_output_bytes
        source = f"ssh:{command}"
        try:
            transport = self.client.get_transport()
            if transport is None or not transport.is_active():
                raise CollectionError("the SSH connection was closed by the device", source="ssh")
            chan = transport.open_session(timeout=timeout)
            chan.exec_command(getattr(command, "wire", command))
        except CollectionError:
            raise
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise CollectionError(f"cannot run {command!r} on {self.target.label}: {exc}", source="ssh") from None
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + timeout
        pause = 0.001
        try:
            while True:
                got = False
                if chan.recv_ready():
                    out += chan.recv(65536)
                    got = True
                if chan.recv_stderr_ready():
                    err += chan.recv_stderr(65536)
                    got = True
                if len(out) > cap:
                    self.builder.error(source, f"output exceeded {cap} bytes; command abandoned")
                    return None
                if not got:
                    if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
                        break
                    if time.monotonic() > deadline:
                        self.builder.error(source, f"no complete answer within {timeout:g}s; command abandoned")
                        self._timed_out()
                        return None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.05)
                else:
                    pause = 0.001
            status = chan.recv_exit_status()
            self.timeouts_in_a_row = 0
        finally:
            chan.close()
        if status == -1:   # the channel closed without an exit status: the device dropped us
            self.builder.error(source, f"connection closed by {self.target.label} before the command finished "
                                       f"({len(out)} bytes received); output discarded")
            return None
        return self._record(str(command), bytes(out), status, bytes(err), redact=redact)


@contextmanager
def exec_session(target: SshTarget, builder: FactsBuilder) -> Iterator[ExecSession]:
    """Connect with host-key verification; raise :class:`CollectionError` on any failure."""
    client = paramiko.SSHClient()
    policy = HostKeyPolicy(target)
    client.set_missing_host_key_policy(policy)
    try:
        _install_host_keys(client, target)
        client.connect(
            target.host, port=target.port, username=target.username, password=target.password,
            key_filename=target.key_file, passphrase=target.passphrase, allow_agent=target.allow_agent,
            look_for_keys=False, timeout=target.connect_timeout, banner_timeout=target.connect_timeout,
            auth_timeout=target.connect_timeout)
        _refuse_revoked(client, target)
    except BaseException as exc:  # noqa: B036 - every failure becomes one clear sentence
        client.close()
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise explain_connect_error(exc, target) from None
    policy.report(builder)
    session = ExecSession(client, target, builder)
    try:
        yield session
    finally:
        session.report_not_run()
        client.close()


class CliSession(_Session):
    """A netmiko session on a network CLI (prompt, enable, no paging)."""

    def __init__(self, conn, target: SshTarget, builder: FactsBuilder):
        super().__init__(target, builder)
        self.conn = conn
        self._prompt: str | None = None

    def run(self, command: str, timeout: float | None = None,
            redact: Callable[[bytes], bytes] | None = None) -> CommandOutput | None:
        from netmiko.exceptions import ReadTimeout

        timeout = self._budget(command, timeout or self.target.command_timeout)
        if timeout is None:
            raise CollectionError(f"{self.dead}; {command!r} and the commands after it were not run",
                                  source="ssh")
        try:
            if self._prompt is None:
                # the prompt, found once: netmiko would find it again before every command (a
                # round trip and about 25 ms of its polling each); either privilege's ending matches
                prompt = self.conn.find_prompt().strip()
                self._prompt = re.escape(prompt[:-1]) + "[>#]" if prompt[-1:] in (">", "#") else ""
            text = self.conn.send_command(command, expect_string=self._prompt or None, read_timeout=timeout,
                                          strip_prompt=True, strip_command=True)
        except ReadTimeout:
            if not self._connected():
                raise CollectionError(f"connection dropped by {self.target.label} during {command!r}; "
                                      f"collection stopped", source="ssh") from None
            raise CollectionError(f"no prompt from {self.target.label} within {timeout:g}s after {command!r} "
                                  f"(hung CLI); collection stopped", source="ssh") from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise CollectionError(f"connection to {self.target.label} lost during {command!r}: {exc}",
                                  source="ssh") from None
        raw = text.encode("utf-8", errors="surrogateescape")
        if len(raw) > self.target.max_output_bytes:
            self.builder.error(f"ssh:{command}", f"output exceeded {self.target.max_output_bytes} bytes; ignored")
            return None
        output = self._record(command, raw, 0, redact=redact)
        refusal = cli_rejected(text)
        if refusal:
            output.exit_status = 1
            output.rejected = refusal
        return output

    def _connected(self) -> bool:
        """Is the SSH connection under the CLI still up (a device that hung up vs one that hangs)?"""
        channel = getattr(self.conn, "remote_conn", None)
        transport = channel.get_transport() if channel is not None else None
        return bool(transport is not None and transport.is_active() and not channel.closed
                    and not channel.eof_received)


_REFUSALS = re.compile(r"^(?:ERROR:\s*)?%\s*(?:Invalid input|Invalid command|Unknown command|Incomplete command|"
                       r"Ambiguous command|Bad command|Unrecognized command|Command authorization failed)"
                       # Junos, FortiOS and PAN-OS refuse in their own words
                       r"|^syntax error, expecting|^unknown command\.|^Command fail\. Return code|"
                       r"^Unknown command:|^Invalid syntax\.",
                       re.I | re.M)


def cli_rejected(text: str) -> str:
    """The CLI's refusal line when the output opens with one (``% Invalid input detected at
    '^' marker.``, ``% Unknown command``...), else ``""``. Such output holds no facts: the
    facts the command would have given are errors, never an empty answer."""
    head = "\n".join(line.strip() for line in text.lstrip().splitlines()[:4])
    match = _REFUSALS.search(head)
    if not match:
        return ""
    return head[match.start():].splitlines()[0].removeprefix("ERROR:").strip()[:200]


@contextmanager
def cli_session(target: SshTarget, builder: FactsBuilder, device_type: str,
                privileged: bool = False, options: dict | None = None) -> Iterator[CliSession]:
    """A netmiko session; with ``privileged``, enter ``enable`` when the login landed in user
    EXEC (netmiko does not do it for IOS by itself, and user EXEC cannot show the config)."""
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

    params = dict(
        device_type=device_type, host=target.host, port=target.port, username=target.username,
        password=target.password or "", secret=target.enable_secret or "",
        use_keys=bool(target.key_file), key_file=target.key_file, passphrase=target.passphrase,
        allow_agent=target.allow_agent, ssh_strict=True, system_host_keys=False,
        alt_host_keys=False,       # netmiko would parse the whole file per connection; see below
        conn_timeout=target.connect_timeout, auth_timeout=target.connect_timeout,
        banner_timeout=target.connect_timeout, read_timeout_override=None,
        session_log=None, auto_connect=False, fast_cli=True,
    )
    params.update(options or {})   # a platform's own netmiko settings (NetworkCliCollector.netmiko_options)
    conn = ConnectHandler(**params)
    policy = HostKeyPolicy(target)
    conn.key_policy = policy   # netmiko's RejectPolicy would not name the fingerprint
    build_client = conn._build_ssh_client

    def client_with_host_keys() -> paramiko.SSHClient:
        client = build_client()
        _install_host_keys(client, target)
        return client
    conn._build_ssh_client = client_with_host_keys   # netmiko 4 builds its paramiko client here
    try:
        conn._open()
        _refuse_revoked(conn.remote_conn_pre, target)
    except BaseException as exc:  # noqa: B036
        _quiet_disconnect(conn)
        if isinstance(exc, KeyboardInterrupt):
            raise
        cause = exc.__cause__ or exc.__context__
        if isinstance(exc, CollectionError) or isinstance(cause, CollectionError):
            raise (exc if isinstance(exc, CollectionError) else cause) from None
        if isinstance(cause, paramiko.BadHostKeyException):
            raise explain_connect_error(cause, target) from None
        if isinstance(exc, NetmikoAuthenticationException):
            raise CollectionError(f"authentication failed for user {target.username!r} on {target.label}",
                                  source="ssh") from None
        if isinstance(exc, NetmikoTimeoutException):
            raise CollectionError(f"no SSH answer from {target.label} within {target.connect_timeout:g}s "
                                  f"(or connection refused)", source="ssh") from None
        if isinstance(exc, (ReadTimeout, ValueError)):
            raise CollectionError(f"logged in to {target.label} but the CLI did not give a usable prompt "
                                  f"({type(exc).__name__}); wrong platform, enable secret or a hung device?",
                                  source="ssh") from None
        raise explain_connect_error(exc, target) from None
    policy.report(builder)
    try:
        if privileged:
            _enter_enable(conn, target, builder)
        yield CliSession(conn, target, builder)
    finally:
        _quiet_disconnect(conn)


def _enter_enable(conn, target: SshTarget, builder: FactsBuilder) -> None:
    """Privilege 15 before the first command. Failing that, say why in the errors and go
    on: what user EXEC may show (the version) is still collected, the rest is refused by
    the device and becomes its own error."""
    from netmiko.exceptions import ReadTimeout

    try:
        if not target.enable_secret:
            if not conn.check_enable_mode():
                builder.error("ssh:enable", f"login on {target.label} landed in user EXEC and the credential names "
                                            f"no enable_secret; privileged commands will be refused")
            return
        conn.enable()    # checks the prompt first: nothing is sent at privilege 15
    except (ValueError, ReadTimeout) as exc:
        builder.error("ssh:enable", f"enable refused on {target.label} (wrong enable secret?): "
                                    f"{type(exc).__name__}")
    except (OSError, EOFError, paramiko.SSHException) as exc:
        raise CollectionError(f"connection to {target.label} lost during enable: {exc}", source="ssh") from None


def _quiet_disconnect(conn) -> None:
    try:
        conn.disconnect()
    except Exception:  # noqa: S110 - closing a broken session cannot fail the collection
        pass


class SshCollector(Collector):
    """Base for SSH platforms: opens the session, hands it to ``gather``, turns any
    connection failure into an errors entry (facts gathered so far are kept)."""

    transport = "ssh"
    netmiko_device_type: str | None = None   # set for CLI platforms; None = exec channel
    privileged: bool = False                 # CLI platforms whose commands need privilege 15 (enable)

    def prepare(self) -> None:
        """Import what sessions need once, before the threads start (not in the first
        worker threads, queued on the import lock)."""
        if self.netmiko_device_type:
            import netmiko  # noqa: F401

    def collect(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        try:
            target = ssh_target(asset, ctx)
            if self.netmiko_device_type:
                with cli_session(target, builder, self.netmiko_device_type, self.privileged,
                                 getattr(self, "netmiko_options", None)) as session:
                    self.gather(session, builder)
            else:
                with exec_session(target, builder) as session:
                    self.gather(session, builder)
        except CollectionError as exc:   # not reached, or the session was lost: collection stopped
            builder.unreachable(exc.source, exc.message)

    @abstractmethod
    def gather(self, session, builder: FactsBuilder) -> None:
        """Run the platform's commands on the open ``session`` and fill ``builder``."""
