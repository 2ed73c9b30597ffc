"""Benchmark support: N simulated Cisco IOS routers served by our SSH device simulator in
its own process (as the demo lab runs it), with their known_hosts and an inventory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controlcheck.lab.inventory import LabAsset, write_secret  # noqa: E402

TEMPLATE = ROOT / "fixtures" / "devices" / "cisco_ios" / "rtr-branch-07"
PASSWORD = "lab-only-rtr-branch-07"
ENABLE = "lab-only-enable-br07"
# what the IOS collector sends after login, in order (the peers send the same)
IOS_COMMANDS = ["show version", "show running-config", "show ip ssh", "show ip interface brief", "show snmp user"]


@dataclass
class SimFleet:
    ports: dict[str, int]
    known_hosts: Path
    password_file: Path
    enable_file: Path
    process: subprocess.Popen

    def assets(self) -> list[LabAsset]:
        return [LabAsset(id=name, kind="router", platform="cisco_ios", ssh={"port": port},
                         credential={"username": "admin", "password_file": str(self.password_file),
                                     "enable_secret_file": str(self.enable_file)})
                for name, port in self.ports.items()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def start_ios_fleet(count: int, work: Path, prefix: str = "rtr-bench") -> SimFleet:
    """``count`` copies of the rtr-branch-07 fixture (login lands in user EXEC, enable secret),
    each with its own hostname, port and host key."""
    devices = []
    for i in range(count):
        name = f"{prefix}-{i:04d}"
        folder = work / "devices" / name
        shutil.copytree(TEMPLATE, folder)
        spec = (folder / "device.yaml").read_text().replace("hostname: rtr-branch-07", f"hostname: {name}")
        (folder / "device.yaml").write_text(spec)
        devices.append(folder)
    state = work / "sim-state.json"
    process = subprocess.Popen([sys.executable, "-m", "controlcheck.lab.sshsim", *map(str, devices),  # noqa: S603
                                "--state", str(state)], cwd=ROOT)
    deadline = time.monotonic() + 300
    while not state.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the SSH simulator did not start")
        time.sleep(0.1)
    info = json.loads(state.read_text())
    known_hosts = work / "known_hosts"
    known_hosts.write_text("\n".join(v["known_hosts"] for v in info.values()) + "\n")
    return SimFleet(ports={name: v["port"] for name, v in info.items()}, known_hosts=known_hosts,
                    password_file=write_secret(work / "secrets", "pw", PASSWORD),
                    enable_file=write_secret(work / "secrets", "en", ENABLE), process=process)
