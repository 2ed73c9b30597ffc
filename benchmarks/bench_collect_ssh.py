"""SSH collection throughput: N simulated Cisco IOS routers (netmiko over real SSH).

    python benchmarks/bench_collect_ssh.py [--devices 20 100] [--concurrency 16]

The device simulator runs in its own process (as the demo lab does), so the figures
are those of the collector. Prints assets/second and peak RSS; no assertion."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controlcheck.collect import collect_inventory  # noqa: E402
from controlcheck.inventory import load_inventory  # noqa: E402
from controlcheck.lab.inventory import LabAsset, write_inventory, write_secret  # noqa: E402

TEMPLATE = ROOT / "fixtures" / "devices" / "cisco_ios" / "rtr-branch-07"


def run(count: int, concurrency: int, work: Path) -> None:
    devices = []
    for i in range(count):
        name = f"rtr-bench-{i:04d}"
        folder = work / "devices" / name
        shutil.copytree(TEMPLATE, folder)
        spec = (folder / "device.yaml").read_text().replace("hostname: rtr-branch-07", f"hostname: {name}")
        (folder / "device.yaml").write_text(spec)
        devices.append(folder)
    state = work / "state.json"
    sim = subprocess.Popen([sys.executable, "-m", "controlcheck.lab.sshsim", *map(str, devices), "--state",  # noqa: S603
                            str(state)], cwd=ROOT)
    try:
        while not state.exists():
            time.sleep(0.1)
        info = json.loads(state.read_text())
        known_hosts = work / "known_hosts"
        known_hosts.write_text("\n".join(v["known_hosts"] for v in info.values()) + "\n")
        secret = write_secret(work / "secrets", "pw", "lab-only-rtr-branch-07")
        enable = write_secret(work / "secrets", "en", "lab-only-enable-br07")
        assets = [LabAsset(id=name, kind="router", platform="cisco_ios", ssh={"port": v["port"]},
                           credential={"username": "admin", "password_file": str(secret),
                                       "enable_secret_file": str(enable)}) for name, v in info.items()]
        inventory = load_inventory(write_inventory(work / "inventory.yaml", assets, known_hosts=known_hosts))
        start = time.perf_counter()
        result = collect_inventory(inventory, work / "facts", concurrency=concurrency)
        elapsed = time.perf_counter() - start
    finally:
        sim.terminate()
        sim.wait()
    errors = len(result.incomplete)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{count:5d} devices, concurrency {concurrency:3d}: {elapsed:6.1f} s, {count / elapsed:6.1f} assets/s, "
          f"{errors} with errors, peak RSS {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    for count in args.devices:
        with tempfile.TemporaryDirectory() as tmp:
            run(count, args.concurrency, Path(tmp))


if __name__ == "__main__":
    main()
