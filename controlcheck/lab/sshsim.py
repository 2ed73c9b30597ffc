"""A device simulator that speaks real SSH (paramiko server) on 127.0.0.1.

Each simulated device is a folder ``fixtures/devices/<platform>/<case>/`` with a
``device.yaml`` and one file per command output::

    hostname: rtr-branch-07
    mode: cli             # cli: an interactive IOS/ASA prompt (netmiko); exec: one command per channel
    cli_style: ios        # ios | asa | eos | junos | fortios | panos (prompts, and the answers to the
                          # commands netmiko sends to prepare a session: STYLE_ANSWERS)
    username: audit
    password: lab-only    # the simulated device's own login, lab only
    enable_secret: lab-enable
    login_privilege: 1    # 1: login lands in user EXEC (``>``); 15: privileged (``#``).
                          # Default: 1 when there is an enable secret, else 15
    privileged_commands: ["show running-config"]   # refused below privilege 15
                          # (default for ios/asa: the running and startup configs)
    commands:
      "show running-config": show_running-config.txt
    remediated:           # the outputs once the demo lab has "fixed" the device (its second run)
      "show running-config": show_running-config.remediated.txt
    exit_status: {}       # exec mode: command -> exit status
    behaviour:            # faults for tests
      hang: ["show version"]  # never answer these commands (no prompt, no exit status)
      delay: 0.0          # seconds before each answer
      hang_on_login: false
      drop: ["show running-config"]  # send half the output, then drop the connection

Every device gets its own port and its own host key (ECDSA, generated at start or
read from ``key_dir`` so a lab keeps its keys across restarts). Only loopback.
"""

from __future__ import annotations

import argparse
import base64
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from ..collectors.ssh import fingerprint, known_hosts_name
from ..collectors.windows import POWERSHELL
from ..files import write_json_atomic
from ..yamlio import load_yaml

LOOPBACK = "127.0.0.1"
# What IOS and the ASA refuse in user EXEC (privilege 1): the configurations. A collector
# that forgets ``enable`` gets '% Invalid input' here as it would on a real device.
PRIVILEGED_COMMANDS = ("show running-config", "show startup-config")

# What each CLI answers to the commands netmiko sends while preparing a session (its patterns
# wait for these words). '<cmd> | grep X' is answered from <cmd>'s own output.
STYLE_ANSWERS: dict[str, dict[str, str]] = {
    "ios": {}, "asa": {},
    "eos": {"terminal width 511": "Width set to 511 columns.\n", "terminal length 0": "Pagination disabled.\n"},
    "junos": {"set cli screen-width 511": "Screen width set to 511\n",
              "set cli complete-on-space off": "Disabling complete-on-space\n",
              "set cli screen-length 0": "Screen length set to 0\n"},
    "fortios": {"get system console": "mode                : line\nbaudrate            : 9600\n"
                                      "output              : standard\nlogin               : enable\n",
                "show full-configuration system console": "config system console\n    set output standard\nend\n"},
    "panos": {"set cli scripting-mode on": "", "set cli terminal width 500": "", "set cli pager off": ""},
}
# How each CLI refuses a command it does not know
STYLE_INVALID = {
    "junos": "                    ^\nsyntax error, expecting <command>.\n",
    "fortios": "Unknown action 0\nCommand fail. Return code -1\n",
    "panos": "Unknown command: {command}\nInvalid syntax.\n",
}
# a client hanging up is normal for a server; keep paramiko's server-side noise out of test output
_log = logging.getLogger("controlcheck.sshsim")
_log.addHandler(logging.NullHandler())
_log.propagate = False



def readable_powershell(command: str) -> str | None:
    """The readable form of an ``-EncodedCommand`` line: the Windows fixtures list commands as a
    person writes them, the collector sends them base64-encoded (collectors/windows.py ``ps``)."""
    prefix = f"{POWERSHELL} -EncodedCommand "
    if not command.startswith(prefix):
        return None
    try:
        script = base64.b64decode(command[len(prefix):], validate=True).decode("utf-16-le")
    except (ValueError, UnicodeDecodeError):
        return None
    return f'{POWERSHELL} -Command "{script}"'

@dataclass
class SimDevice:
    name: str
    folder: Path
    mode: str
    cli_style: str
    username: str
    password: str | None
    enable_secret: str | None
    commands: dict[str, str]
    exit_status: dict[str, int]
    behaviour: dict
    authorized_keys: list[str] = field(default_factory=list)
    login_privilege: int = 15
    privileged_commands: frozenset[str] = frozenset()
    host_key: paramiko.PKey | None = None
    port: int = 0

    @classmethod
    def load(cls, folder: Path, remediated: bool = False) -> "SimDevice":
        """``remediated``: answer with the outputs of the device's ``remediated:`` mapping
        (command -> file) where it has one: the demo's second run, after the lab "fixed" it."""
        spec = load_yaml(folder / "device.yaml") or {}
        commands = {str(k): str(v) for k, v in (spec.get("commands") or {}).items()}
        if remediated:
            commands.update({str(k): str(v) for k, v in (spec.get("remediated") or {}).items()})
        return cls(
            name=str(spec.get("hostname") or folder.name), folder=folder, mode=spec.get("mode", "exec"),
            cli_style=spec.get("cli_style", "ios"), username=str(spec.get("username", "audit")),
            password=spec.get("password"), enable_secret=spec.get("enable_secret"),
            commands=commands,
            exit_status={str(k): int(v) for k, v in (spec.get("exit_status") or {}).items()},
            behaviour=dict(spec.get("behaviour") or {}),
            authorized_keys=list(spec.get("authorized_keys") or []),
            login_privilege=int(spec.get("login_privilege", 1 if spec.get("enable_secret") else 15)),
            privileged_commands=frozenset(str(c) for c in spec.get("privileged_commands", PRIVILEGED_COMMANDS)),
        )

    def output(self, command: str) -> bytes | None:
        name = self.commands.get(command)
        if name is None:
            return None
        return (self.folder / name).read_bytes()

    def hangs(self, command: str) -> bool:
        return command in (self.behaviour.get("hang") or [])

    def drops(self, command: str) -> bool:
        """Send half the output, then drop the whole connection."""
        return command in (self.behaviour.get("drop") or [])


class _DeviceServer(paramiko.ServerInterface):
    def __init__(self, device: SimDevice):
        self.device = device
        self.exec_commands: dict[int, str] = {}
        self.shell_ready: dict[int, threading.Event] = {}
        self.events: dict[int, threading.Event] = {}

    def get_allowed_auths(self, username):
        # PAN-OS logins are keyboard-interactive (netmiko's paloalto_panos driver answers them)
        return "password,keyboard-interactive,publickey" if self.device.cli_style == "panos" else "password,publickey"

    def check_auth_interactive(self, username, submethods):
        if self.device.cli_style != "panos" or username != self.device.username:
            return paramiko.AUTH_FAILED
        return paramiko.InteractiveQuery("", "", ("Password: ", False))

    def check_auth_interactive_response(self, responses):
        if self.device.password is not None and list(responses)[:1] == [self.device.password]:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username, password):
        if username == self.device.username and self.device.password is not None and password == self.device.password:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        if username == self.device.username and f"{key.get_name()} {key.get_base64()}" in {
                " ".join(k.split()[:2]) for k in self.device.authorized_keys}:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def _event(self, chanid: int) -> threading.Event:
        return self.events.setdefault(chanid, threading.Event())

    def check_channel_exec_request(self, channel, command):
        self.exec_commands[channel.get_id()] = command.decode("utf-8", errors="replace")
        self._event(channel.get_id()).set()
        return True

    def check_channel_shell_request(self, channel):
        self._event(channel.get_id()).set()
        return True

    def check_channel_pty_request(self, channel, term, width, height, pixelwidth, pixelheight, modes):
        return True

    def check_channel_env_request(self, channel, name, value):
        return True


class SshSimulator:
    """Serve devices over SSH on loopback, one port per device; a context manager."""

    def __init__(self, device_dirs: list[Path], key_dir: Path | None = None, ports: dict[str, int] | None = None,
                 remediated: bool = False):
        self.devices: dict[str, SimDevice] = {}
        for folder in device_dirs:
            device = SimDevice.load(Path(folder), remediated=remediated)
            if device.name in self.devices:
                raise ValueError(f"two simulated devices are named {device.name!r}")
            self.devices[device.name] = device
        self.key_dir = key_dir
        self.wanted_ports = ports or {}
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.log: list[str] = []

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "SshSimulator":
        for device in self.devices.values():
            device.host_key = self._host_key(device)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, self.wanted_ports.get(device.name, 0)))
            sock.listen(16)
            sock.settimeout(0.2)
            device.port = sock.getsockname()[1]
            self._sockets.append(sock)
            thread = threading.Thread(target=self._accept_loop, args=(sock, device), daemon=True,
                                      name=f"sshsim-{device.name}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for sock in self._sockets:
            sock.close()
        for thread in self._threads:
            thread.join(1)

    def __enter__(self) -> "SshSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _host_key(self, device: SimDevice) -> paramiko.PKey:
        if self.key_dir is None:
            return paramiko.ECDSAKey.generate()
        path = self.key_dir / f"{device.name}.key"
        if path.exists():
            return paramiko.ECDSAKey.from_private_key_file(str(path))
        self.key_dir.mkdir(parents=True, exist_ok=True)
        key = paramiko.ECDSAKey.generate()
        key.write_private_key_file(str(path))
        return key

    # -- what tests and the lab need -------------------------------------------------------
    def port(self, name: str) -> int:
        return self.devices[name].port

    def known_hosts_line(self, name: str) -> str:
        device = self.devices[name]
        key = device.host_key
        return f"{known_hosts_name(LOOPBACK, device.port)} {key.get_name()} {key.get_base64()}"

    def fingerprint(self, name: str) -> str:
        return fingerprint(self.devices[name].host_key)

    def write_known_hosts(self, path: Path, names: list[str] | None = None) -> Path:
        lines = [self.known_hosts_line(n) for n in (names or list(self.devices))]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="ascii")
        return path

    # -- serving ---------------------------------------------------------------------------
    def _accept_loop(self, sock: socket.socket, device: SimDevice) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._serve_connection, args=(conn, device), daemon=True).start()

    def _serve_connection(self, conn: socket.socket, device: SimDevice) -> None:
        transport = paramiko.Transport(conn)
        transport.set_log_channel("controlcheck.sshsim")
        transport.add_server_key(device.host_key)
        server = _DeviceServer(device)
        try:
            transport.start_server(server=server)
        except (paramiko.SSHException, EOFError, OSError):
            transport.close()
            return
        try:
            while transport.is_active() and not self._stop.is_set():
                channel = transport.accept(0.5)
                if channel is None:
                    continue
                threading.Thread(target=self._serve_channel, args=(channel, server, device), daemon=True).start()
        finally:
            if self._stop.is_set():
                transport.close()

    def _serve_channel(self, channel: paramiko.Channel, server: _DeviceServer, device: SimDevice) -> None:
        event = server._event(channel.get_id())
        if not event.wait(10):
            channel.close()
            return
        command = server.exec_commands.get(channel.get_id())
        try:
            if command is not None:
                self._serve_exec(channel, device, command)
            else:
                _CliShell(channel, device, self._stop, self.log).run()
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            try:
                channel.close()
            except (OSError, EOFError, paramiko.SSHException):
                pass   # the client hung up first

    def _serve_exec(self, channel: paramiko.Channel, device: SimDevice, command: str) -> None:
        # Windows: powershell decodes -EncodedCommand; fixtures list the readable form
        command = readable_powershell(command) or command
        self.log.append(f"{device.name}: exec {command}")
        if device.hangs(command) or device.behaviour.get("hang_on_login"):
            self._stop.wait(3600)
            return
        delay = float(device.behaviour.get("delay", 0) or 0)
        if delay:
            time.sleep(delay)
        output = device.output(command)
        if output is not None and device.drops(command):
            channel.sendall(output[:len(output) // 2])
            channel.get_transport().close()
            return
        if output is None:
            channel.sendall_stderr(f"sh: 1: {command.split()[0] if command.split() else command}: not found\n".encode())
            channel.send_exit_status(127)
            return
        channel.sendall(output)
        channel.send_exit_status(device.exit_status.get(command, 0))


class _CliShell:
    """Just enough of a network CLI for netmiko (IOS, ASA, EOS, Junos, FortiOS, PAN-OS prompts):
    echo, enable, paging, config mode, the answers netmiko's session preparation waits for."""

    SILENT = {"terminal length 0", "terminal width 511", "terminal pager 0", "terminal no monitor"}

    def __init__(self, channel: paramiko.Channel, device: SimDevice, stop: threading.Event,
                 log: list[str] | None = None):
        self.channel = channel
        self.device = device
        self.stop = stop
        self.log = log if log is not None else []   # what was asked (tests await a command)
        self.privileged = device.login_privilege >= 15
        self.config_mode = False

    def prompt(self) -> str:
        style, name = self.device.cli_style, self.device.name
        if style in ("junos", "panos"):
            return f"{self.device.username}@{name}{'#' if self.config_mode else '>'} "
        if style == "fortios":
            return f"{name} # "
        if self.config_mode:
            return f"{name}(config)#"
        return f"{name}{'#' if self.privileged else '>'}"

    def send(self, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.channel.sendall(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    def read_line(self, echo: bool = True) -> str | None:
        buf = bytearray()
        while not self.stop.is_set():
            try:
                data = self.channel.recv(1)
            except (TimeoutError, socket.timeout):
                continue
            if not data:
                return None
            if data in (b"\r", b"\n"):
                if data == b"\r" and self.channel.recv_ready():
                    # swallow the \n of a \r\n pair
                    peek = self.channel.recv(1)
                    if peek != b"\n":
                        buf += peek
                if echo:
                    self.send("\n")
                return buf.decode("utf-8", errors="replace")
            buf += data
            if echo:
                self.channel.sendall(data)
        return None

    def run(self) -> None:
        if self.device.behaviour.get("hang_on_login"):
            self.stop.wait(3600)
            return
        banner = self.device.output("__banner__")
        if banner:
            self.send(banner)
        self.send("\n" + self.prompt())
        while True:
            line = self.read_line()
            if line is None:
                return
            command = line.strip()
            if command in ("exit", "quit", "logout") and not self.config_mode:
                return
            self.handle(command)
            if not self.channel.active:
                return
            self.send(self.prompt())

    def handle(self, command: str) -> None:
        if not command:
            return
        self.log.append(f"{self.device.name}: cli {command}")
        if self.device.hangs(command):
            self.stop.wait(3600)
            return
        delay = float(self.device.behaviour.get("delay", 0) or 0)
        if delay:
            time.sleep(delay)
        if command == "enable":
            if self.privileged:
                return
            self.send("Password: ")
            secret = self.read_line(echo=False)
            if secret is not None and secret == self.device.enable_secret:
                self.privileged = True
            else:
                self.send("% Access denied\n" if self.device.cli_style == "ios" else "Invalid password\n")
            return
        if command in ("configure terminal", "conf t"):
            if not self.privileged:
                self.send(self.invalid(command))
                return
            self.config_mode = True
            if self.device.cli_style == "ios":
                self.send("Enter configuration commands, one per line.  End with CNTL/Z.\n")
            return
        if command == "end" or (command == "exit" and self.config_mode):
            self.config_mode = False
            return
        canned = STYLE_ANSWERS.get(self.device.cli_style, {})
        if command in canned:
            self.send(canned[command])
            return
        if command in self.SILENT:
            return
        if " | grep " in command and self.device.cli_style in ("fortios", "eos"):
            base, _, needle = command.partition(" | grep ")
            whole = self.device.output(base.strip())
            if whole is not None:
                self.send("".join(line + "\n" for line in whole.decode().splitlines() if needle.strip() in line))
                return
        if command == "show curpriv" and self.device.cli_style == "asa":
            level = 15 if self.privileged else 1
            mode = "P_PRIV" if self.privileged else "P_UNPR"
            self.send(f"Username : enable_{level}\nCurrent privilege level : {level}\nCurrent Mode/s : {mode}\n")
            return
        if not self.privileged and command in self.device.privileged_commands:
            self.send(self.invalid(command))    # IOS: user EXEC does not know these commands
            return
        output = self.device.output(command)
        if output is not None and self.device.drops(command):
            self.send(output[:len(output) // 2])
            self.channel.get_transport().close()
            return
        if output is None:
            self.send(self.invalid(command))
            return
        self.send(output if output.endswith(b"\n") else output + b"\n")

    def invalid(self, command: str) -> str:
        if self.device.cli_style in STYLE_INVALID:
            return STYLE_INVALID[self.device.cli_style].format(command=command)
        if self.device.cli_style == "asa":
            return "                ^\nERROR: % Invalid input detected at '^' marker.\n"
        return f"{' ' * (len(self.prompt()) + 1)}^\n% Invalid input detected at '^' marker.\n\n"


def main(argv: list[str] | None = None) -> int:
    """Run the simulator in the foreground (the lab starts it this way); writes a state file
    with each device's port and host key line once it listens."""
    parser = argparse.ArgumentParser(prog="python -m controlcheck.lab.sshsim")
    parser.add_argument("devices", nargs="+", type=Path, help="device folders (with device.yaml)")
    parser.add_argument("--state", type=Path, required=True, help="JSON file to write ports and host keys to")
    parser.add_argument("--key-dir", type=Path, help="keep host keys here across restarts")
    args = parser.parse_args(argv)
    sim = SshSimulator(args.devices, key_dir=args.key_dir).start()
    state = {name: {"port": sim.port(name), "known_hosts": sim.known_hosts_line(name)} for name in sim.devices}
    write_json_atomic(args.state, state)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
