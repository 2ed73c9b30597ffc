"""SSH collection throughput against its peers, measured in the same run on the same
simulated Cisco IOS routers (our SSH device simulator in its own process):

* controlcheck: ``collect_inventory`` (host keys verified, enable, 5 commands, redaction,
  parsing, evidence hashed and facts written);
* plain netmiko: the same login, ``enable`` and 5 commands with the same number of
  worker threads, output discarded, netmiko's defaults (host keys not checked);
* the floor: paramiko, one exec channel with one command per device, same workers.

    python benchmarks/bench_collect_ssh.py [--devices 200 1000] [--workers 16 48] [--rounds 1]

Prints devices/s, process CPU seconds and the ratio controlcheck / netmiko for each size
and worker count; no assertion (target: >= 0.8 of netmiko at 16 and 48 workers, and a
fleet 5x larger costing about 5x the time)."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from simfleet import ENABLE, IOS_COMMANDS, PASSWORD, start_ios_fleet  # noqa: E402

from controlcheck.collect import collect_inventory  # noqa: E402
from controlcheck.inventory import load_inventory  # noqa: E402
from controlcheck.lab.inventory import write_inventory  # noqa: E402


def timed(work) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process and its collection workers, failures)"""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    failed, worker_cpu = result if isinstance(result, tuple) else (result, 0.0)
    return time.perf_counter() - wall, time.process_time() - cpu + worker_cpu, failed


def with_controlcheck(inventory_path: Path, workers: int, out: Path):
    inventory = load_inventory(inventory_path)
    result = collect_inventory(inventory, out, concurrency=workers)
    return len(result.incomplete), result.worker_cpu_seconds


def with_netmiko(ports: list[int], workers: int):
    from netmiko import ConnectHandler

    def one(port: int) -> bool:
        conn = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=port, username="admin",
                              password=PASSWORD, secret=ENABLE, fast_cli=True)
        try:
            conn.enable()
            outputs = [conn.send_command(c) for c in IOS_COMMANDS]
            return "hostname" in outputs[1]      # the running-config came back
        finally:
            conn.disconnect()

    with ThreadPoolExecutor(workers) as pool:
        return sum(1 for ok in pool.map(one, ports) if not ok)


def with_paramiko(ports: list[int], workers: int):
    import paramiko

    def one(port: int) -> bool:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())   # noqa: S507 - the floor, on loopback
        client.connect("127.0.0.1", port=port, username="admin", password=PASSWORD, look_for_keys=False,
                       allow_agent=False)
        try:
            _, stdout, _ = client.exec_command("show version")
            return bool(stdout.read())
        finally:
            client.close()

    with ThreadPoolExecutor(workers) as pool:
        return sum(1 for ok in pool.map(one, ports) if not ok)


def run(count: int, worker_counts: list[int], rounds: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ssh-") as tmp:
        work = Path(tmp)
        fleet = start_ios_fleet(count, work)
        try:
            inventory = write_inventory(work / "inventory.yaml", fleet.assets(), known_hosts=fleet.known_hosts)
            ports = list(fleet.ports.values())
            with_paramiko(ports, 16)    # warm the simulator up (its first connection per device), untimed
            for workers in worker_counts:
                for r in range(rounds):
                    row = {"devices": count, "workers": workers}
                    runs = {"controlcheck": lambda: with_controlcheck(inventory, workers, work / f"facts-{r}"),  # noqa: B023
                            "netmiko": lambda: with_netmiko(ports, workers),  # noqa: B023
                            "paramiko": lambda: with_paramiko(ports, workers)}  # noqa: B023
                    order = list(runs) if r % 2 == 0 else ["netmiko", "controlcheck", "paramiko"]
                    for name in order:     # alternate who goes first, round by round
                        row[name] = timed(runs[name])
                    rows.append(row)
                    report(row)
        finally:
            fleet.stop()
    return rows


def report(row: dict) -> None:
    n = row["devices"]
    parts = []
    for name in ("controlcheck", "netmiko", "paramiko"):
        wall, cpu, failed = row[name]
        parts.append(f"{name} {n / wall:6.1f}/s ({wall:5.1f} s, CPU {cpu:5.1f} s{f', {failed} FAILED' if failed else ''})")
    ratio = row["netmiko"][0] / row["controlcheck"][0]
    floor = row["paramiko"][0] / row["controlcheck"][0]
    print(f"{n:5d} devices, {row['workers']:3d} workers: " + "; ".join(parts)
          + f" -> controlcheck/netmiko {ratio:.2f}, controlcheck/paramiko-floor {floor:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, nargs="+", default=[200])
    parser.add_argument("--workers", type=int, nargs="+", default=[16, 48])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with open("/proc/loadavg") as fh:
        print(f"load average at start: {fh.read().split()[:3]}")
    rows = [row for count in args.devices for row in run(count, args.workers, args.rounds)]
    by = {(r["devices"], r["workers"]): r for r in rows}
    sizes = sorted(args.devices)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for workers in args.workers:
            if (small, workers) in by and (large, workers) in by:
                t_small, t_large = by[(small, workers)]["controlcheck"][0], by[(large, workers)]["controlcheck"][0]
                p_small, p_large = by[(small, workers)]["netmiko"][0], by[(large, workers)]["netmiko"][0]
                print(f"scaling {small} -> {large} devices ({large / small:.0f}x), {workers} workers: controlcheck "
                      f"{t_large / t_small:.1f}x the time, netmiko {p_large / p_small:.1f}x")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
