"""The demo lab: a simulated contact-centre fleet on 127.0.0.1.

* the SSH device simulator serving every device folder under ``fixtures/devices``
  (routers, firewalls, the Asterisk PBX, Windows and Linux workstations; some hardened,
  some weak);
* snmpsim serving real UPS recordings of the ``snmpsim-data`` package (and an APC rack
  PDU filed as a UPS, which the collector must recognise);
* where OpenSSH ``sshd`` is installed, a real Linux workstation: this machine, filed as an
  application server.

``Fleet(folder).start()`` writes ``folder/inventory.yaml`` (secrets in ``folder/secrets``,
host keys in ``folder/known_hosts``). ``python -m controlcheck.lab.fleet --dir D`` runs
it in the foreground until SIGTERM; ``controlcheck lab start`` starts that in the
background and ``controlcheck lab stop`` ends it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..files import write_json_atomic
from ..forking import pid_alive
from .inventory import LabAsset, sim_assets, write_inventory, write_secret
from .sshd import RealSshd, find_sshd
from .sshsim import LOOPBACK, SshSimulator

LAB_DATA = Path(__file__).resolve().parent / "data" / "snmp"
# community (= asset id) -> (recording, platform, kind, site, agent). Two snmpsim agents: on
# "exposed" the default community 'public' is answered too (a branch left on defaults).
SNMP_DEVICES = {
    "ups-hq-01": ("UPS/eaton-93e-80", "ups_rfc1628", "ups", "HQ", "secure"),
    "prn-hq-floor2": (LAB_DATA / "prn-hq-floor2.snmprec", "snmp_generic", "printer", "HQ", "secure"),
    "ups-hq-02": ("UPS/huawei-gse200m", "ups_rfc1628", "ups", "HQ", "exposed"),
    "ups-branch-07": ("UPS/apc-7902b", "ups_apc", "ups", "Branch-07", "exposed"),
    "prn-branch-07": (LAB_DATA / "prn-branch-07.snmprec", "snmp_generic", "printer", "Branch-07", "exposed"),
}
STATE_FILE = "state.json"

# What the demo fleet gets wrong on purpose (the demo prints it, so nobody mistakes it for a
# fault of the tool or of this machine). Asset id -> why.
ON_PURPOSE = {
    "rtr-branch-07": "a neglected branch router (telnet, SSH 1, default SNMP communities, cleartext passwords); "
                     "from the second demo run the lab has fixed SSH and SNMP on it, the passwords stay",
    "fw-lab-02": "a training-room ASA left open (telnet and ASDM from anywhere, permit ip any any)",
    "pbx-branch-02": "a weak Asterisk PBX (guest SIP calls, default secrets, open international dialling)",
    "lnx-wks-weak": "a weak Linux kiosk whose audit account may not run sudo: some facts cannot be read "
                    "(error findings, never passes)",
    "WKS-AGENT-117": "a weak Windows workstation audited without elevation: secedit and auditpol are refused "
                     "(error findings)",
    "ups-branch-07": "an APC rack PDU filed in the inventory as a UPS: it has no battery, so its UPS facts are "
                     "errors (the collector recognises the PDU and says so)",
    "ups-hq-02": "a UPS on an agent that also answers the default community 'public', recorded from a real unit "
                 "whose values are partly out of range (not recorded, an error says so)",
    "prn-branch-07": "a branch printer answering the default community 'public'",
}
# An asset that is this machine (the real sshd): its gaps come from the machine, not the lab.
THIS_MACHINE = {"srv-linux-local": "this machine, reached through a real OpenSSH sshd on 127.0.0.1"}


def default_devices_root() -> Path:
    """The simulated devices: shipped as ``controlcheck.lab.devices`` (``fixtures/devices``
    of the repository), else found beside a source checkout."""
    from importlib import resources

    try:
        shipped = Path(str(resources.files("controlcheck.lab.devices")))
        if any(shipped.glob("*/*/device.yaml")):
            return shipped
    except (ModuleNotFoundError, TypeError):
        pass
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "fixtures" / "devices"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("fixtures/devices not found: the demo lab runs from a controlcheck source checkout")


def _site(name: str) -> str:
    return "Branch-07" if "branch" in name or name.endswith("-07") else "HQ"


class Fleet:
    def __init__(self, folder: Path, devices_root: Path | None = None, with_snmp: bool = True,
                 with_sshd: bool = True, remediated: bool = False):
        self.folder = Path(folder).resolve()
        self.devices_root = devices_root or default_devices_root()
        self.with_snmp = with_snmp
        self.with_sshd = with_sshd and find_sshd() is not None
        self.remediated = remediated
        self.sim: SshSimulator | None = None
        self.snmp_agents: dict = {}
        self.sshd: RealSshd | None = None
        self.inventory: Path = self.folder / "inventory.yaml"
        self.notes: list[str] = []

    def device_dirs(self) -> list[Path]:
        return sorted(p.parent for p in self.devices_root.glob("*/*/device.yaml"))

    def start(self) -> "Fleet":
        from ..errors import ControlcheckError

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            return self._start()
        except (RuntimeError, OSError, ValueError) as exc:   # LabError is a RuntimeError
            self.stop()
            raise ControlcheckError(f"the lab could not start: {exc}") from None
        except BaseException:
            self.stop()
            raise

    def _start(self) -> "Fleet":
        self.sim = SshSimulator(self.device_dirs(), key_dir=self.folder / "hostkeys", remediated=self.remediated).start()
        known_hosts = self.folder / "known_hosts"
        lines = [self.sim.known_hosts_line(n) for n in self.sim.devices]
        assets: list[LabAsset] = sim_assets(self.sim, self.folder, sites={n: _site(n) for n in self.sim.devices})
        for asset in assets:
            asset.owner = "IT"
        if self.with_sshd:
            sshd = RealSshd(self.folder / "sshd")
            try:
                self.sshd = sshd.start()
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                # a half-installed sshd (no host keys, no privilege separation user...) must not
                # stop the rest of the demo: it runs without the real server and says why
                sshd.stop()
                self.sshd = None
                self.notes.append(f"left out: the real Linux server (OpenSSH sshd is installed but did not start: "
                                  f"{' '.join(str(exc).split())[:300]})")
        else:
            self.notes.append("left out: the real Linux server (OpenSSH sshd is not installed on this machine)")
        if self.sshd is not None:
            lines.append(self.sshd.known_hosts.read_text().strip())
            assets.append(LabAsset(
                id="srv-linux-local", kind="server", platform="linux", ssh={"port": self.sshd.port},
                credential={"username": self.sshd.username, "key_file": str(self.sshd.client_key)},
                site="HQ", owner="IT", tags=["real-host"]))
        if self.with_snmp:
            try:
                self._start_snmp(assets)
            except (RuntimeError, OSError, ImportError) as exc:
                for agent in self.snmp_agents.values():
                    agent.cleanup()
                self.snmp_agents = {}
                assets[:] = [a for a in assets if a.id not in SNMP_DEVICES]
                self.notes.append(f"left out: the SNMP UPS and printers (snmpsim did not start: "
                                  f"{' '.join(str(exc).split())[:300]})")
        known_hosts.write_text("\n".join(lines) + "\n", encoding="ascii")
        write_inventory(self.inventory, assets, known_hosts=known_hosts,
                        settings={"organisation": "Example Contact Centre (demo lab)"})
        return self

    def _start_snmp(self, assets: list[LabAsset]) -> None:
        from .snmplab import SnmpSim

        for agent in ("secure", "exposed"):
            members = {n: spec[0] for n, spec in SNMP_DEVICES.items() if spec[4] == agent}
            if agent == "exposed":
                members["public"] = LAB_DATA / "prn-branch-07.snmprec"
            (self.folder / f"snmpsim-{agent}").mkdir(exist_ok=True)
            self.snmp_agents[agent] = SnmpSim(members, workdir=self.folder / f"snmpsim-{agent}").start()
        for name, (_, platform, kind, site, agent) in SNMP_DEVICES.items():
            secret = write_secret(self.folder / "secrets", f"{name}.community", name)
            assets.append(LabAsset(id=name, kind=kind, platform=platform, snmp={
                "port": self.snmp_agents[agent].port, "version": "2c", "timeout": 2, "retries": 1},
                snmp_credential={"community_file": str(secret)}, site=site,
                owner="Facilities" if kind == "ups" else "IT"))

    def stop(self) -> None:
        if self.sim is not None:
            self.sim.stop()
            self.sim = None
        if self.sshd is not None:
            self.sshd.stop()
            self.sshd = None
        for agent in self.snmp_agents.values():
            agent.cleanup()
        self.snmp_agents = {}

    def __enter__(self) -> "Fleet":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def describe(self) -> dict:
        devices = {}
        if self.sim:
            devices.update({n: f"ssh {LOOPBACK}:{self.sim.port(n)}" for n in self.sim.devices})
        if self.sshd:
            devices["srv-linux-local"] = f"ssh {LOOPBACK}:{self.sshd.port} (real OpenSSH)"
        for name, spec in SNMP_DEVICES.items():
            if spec[4] in self.snmp_agents:
                devices[name] = f"snmp {LOOPBACK}:{self.snmp_agents[spec[4]].port}"
        return {"pid": os.getpid(), "inventory": str(self.inventory), "devices": devices, "notes": self.notes}


# -- background control (``controlcheck lab start|stop|status``) ---------------------------

def read_state(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def start_background(folder: Path, timeout: float = 90.0) -> dict:
    """Start the lab in a detached process; returns its state once every device listens."""
    import subprocess  # noqa: S404 - fixed argument list

    from ..errors import ControlcheckError

    folder = Path(folder).resolve()
    state = read_state(folder)
    if state and pid_alive(state["pid"]):
        raise ControlcheckError(f"the lab in {folder} is already running (pid {state['pid']}); "
                                "'controlcheck lab stop' first")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATE_FILE).unlink(missing_ok=True)
    log = (folder / "lab.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "controlcheck.lab.fleet", "--dir", str(folder)],  # noqa: S603
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(folder)
        if state:
            return state
        if proc.poll() is not None:
            tail = (folder / "lab.log").read_text(errors="replace").strip().splitlines()[-1:]
            raise ControlcheckError(f"the lab did not start: {tail[0] if tail else 'see ' + str(folder / 'lab.log')}")
        time.sleep(0.2)
    proc.terminate()
    raise ControlcheckError(f"the lab did not start within {timeout:g}s; see {folder / 'lab.log'}")


def stop_background(folder: Path, timeout: float = 15.0) -> bool:
    """Stop the lab of ``folder``; False when none was running."""
    state = read_state(folder)
    if not state or not pid_alive(state["pid"]):
        (Path(folder) / STATE_FILE).unlink(missing_ok=True)
        return False
    os.kill(state["pid"], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(state["pid"]):
        time.sleep(0.1)
    if pid_alive(state["pid"]):
        os.kill(state["pid"], signal.SIGKILL)
    (Path(folder) / STATE_FILE).unlink(missing_ok=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m controlcheck.lab.fleet")
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    stop = {"now": False}

    def on_term(signum, frame):
        stop["now"] = True
    signal.signal(signal.SIGTERM, on_term)
    with Fleet(args.dir) as fleet:
        state = fleet.describe()
        write_json_atomic(args.dir / STATE_FILE, state)
        try:
            while not stop["now"]:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
    (args.dir / STATE_FILE).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
