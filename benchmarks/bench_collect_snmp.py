"""UPS collections per second over SNMP: 100 and 500 simulated agents.

    python benchmarks/bench_collect_snmp.py [--agents 100 500] [--recording UPS/eaton-93e-80]

One snmpsim on 127.0.0.1 serves the same UPS-MIB recording under N communities (N agents
on one port); the inventory names N UPS assets, each with its own community by file, and
``collect_inventory`` collects them as ``controlcheck collect`` does (facts and evidence
written to a temporary directory). Every collection does what a real one does: system
group, UPS-MIB, and the version and default-community probes (which wait for their
timeout, since nothing answers ``public`` here).

Prints figures; no assertion (target: 500 UPS collections in under 30 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.collect import collect_inventory  # noqa: E402
from controlcheck.inventory import load_inventory  # noqa: E402
from controlcheck.lab.snmplab import SnmpSim  # noqa: E402


def community(i: int) -> str:
    return f"ups-{i:04d}"


def write_inventory(folder: Path, port: int, n: int) -> Path:
    secrets = folder / "secrets"
    secrets.mkdir()
    credentials, assets = {}, []
    for i in range(n):
        name = community(i)
        (secrets / name).write_text(name + "\n", encoding="utf-8")
        credentials[f"{name}-snmp"] = {"community_file": str(secrets / name)}
        assets.append({"id": name, "kind": "ups", "platform": "ups_rfc1628", "address": "127.0.0.1",
                       "snmp": {"port": port, "version": "2c", "credential": f"{name}-snmp",
                                "timeout": 5, "retries": 1}})
    path = folder / "inventory.yaml"
    path.write_text(yaml.safe_dump({"credentials": credentials, "assets": assets}), encoding="utf-8")
    return path


def run(n: int, recording: str, concurrency: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-snmp-") as tmp:
        folder = Path(tmp)
        sim = SnmpSim(workdir=folder / "sim")
        sim.add_copies(recording, [community(i) for i in range(n)])
        started = time.perf_counter()
        with sim:
            ready = time.perf_counter() - started
            inventory = load_inventory(write_inventory(folder, sim.port, n))
            started = time.perf_counter()
            result = collect_inventory(inventory, folder / "facts", concurrency=concurrency)
            elapsed = time.perf_counter() - started
        complete = sum(1 for d in result.documents if d["facts"].get("ups", {}).get("battery"))
        timeouts = sum(1 for d in result.documents for e in d["errors"] if "no answer" in e["message"])
        print(f"{n:5d} UPS agents: {elapsed:6.2f} s, {n / elapsed:7.1f} agents/s "
              f"(battery facts for {complete}/{n}, timeouts {timeouts}; snmpsim ready in {ready:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--recording", default="UPS/eaton-93e-80")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="as controlcheck collect --concurrency (x8 SNMP assets at once); one snmpsim process "
                             "serves every agent here, so more only queues (and drops) packets at the simulator")
    args = parser.parse_args()
    for n in args.agents:
        run(n, args.recording, args.concurrency)


if __name__ == "__main__":
    main()
