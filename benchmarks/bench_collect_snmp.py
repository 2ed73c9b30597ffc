"""SNMP collection speed: controlcheck vs a minimal pysnmp client vs net-snmp, same agents,
same requests, same parallelism, in one run.

    python benchmarks/bench_collect_snmp.py [--agents 200 500] [--recording UPS/eaton-93e-80]
                                            [--concurrency 8]

One snmpsim on 127.0.0.1 serves the same UPS-MIB recording under N communities (N agents
on one port). Each tool reads, for every agent:

* one GET of the system group (6 OIDs) and one GET of the 13 UPS-MIB scalars,
* walks of ifDescr, ifName, ifAdminStatus, ifOperStatus (IF-MIB).

That is the data controlcheck's ``ups_rfc1628`` collector reads from this recording (its
alarm table is empty, so no alarm walk). The peers:

* **pysnmp minimal**: the same GETs and GETBULK walks on pysnmp's v1arch asyncio API, no
  facts, no evidence, no probes — the floor of the library we use.
* **net-snmp**: per agent one ``snmpget`` (19 OIDs) and one ``snmpbulkwalk`` per IF-MIB
  column (net-snmp walks one subtree per process), agents run by a pool of the same size.

controlcheck does more: the version and default-community probes (GET with v1, and with
``public``/``private`` on v1 and v2c) and evidence for every value. Its probes' verdicts
belong to an endpoint and are asked once per run; here every agent shares one endpoint
(one simulator port), which flatters that saving, so it is measured twice: as shipped
(``shared``), and with a probe cache per asset (``per agent``: every probe asked for every
agent, as with N separate devices).

Parallelism: controlcheck runs ``concurrency x 8`` SNMP assets at once; the peers use the
same number. Prints figures and ratios; no assertion (target: within 1.5x of net-snmp).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.collect import collect_inventory  # noqa: E402
from controlcheck.collectors.snmp import probes  # noqa: E402
from controlcheck.inventory import load_inventory  # noqa: E402
from controlcheck.lab.snmplab import SnmpSim  # noqa: E402

SYSTEM = [f"1.3.6.1.2.1.1.{i}.0" for i in range(1, 7)]
UPS = ["1.3.6.1.2.1.33.1.1.1.0", "1.3.6.1.2.1.33.1.1.2.0", "1.3.6.1.2.1.33.1.1.3.0", "1.3.6.1.2.1.33.1.1.4.0",
       "1.3.6.1.2.1.33.1.2.1.0", "1.3.6.1.2.1.33.1.2.3.0", "1.3.6.1.2.1.33.1.2.4.0", "1.3.6.1.2.1.33.1.2.7.0",
       "1.3.6.1.2.1.33.1.3.1.0", "1.3.6.1.2.1.33.1.4.1.0", "1.3.6.1.2.1.33.1.6.1.0", "1.3.6.1.2.1.33.1.7.3.0",
       "1.3.6.1.2.1.33.1.7.5.0"]
WALKS = ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.2.2.1.7", "1.3.6.1.2.1.2.2.1.8"]
TIMEOUT, RETRIES = 5, 1


def community(i: int) -> str:
    return f"ups-{i:04d}"


def write_inventory(folder: Path, port: int, n: int) -> Path:
    secrets = folder / "secrets"
    secrets.mkdir(exist_ok=True)
    credentials, assets = {}, []
    for i in range(n):
        name = community(i)
        (secrets / name).write_text(name + "\n", encoding="utf-8")
        credentials[f"{name}-snmp"] = {"community_file": str(secrets / name)}
        assets.append({"id": name, "kind": "ups", "platform": "ups_rfc1628", "address": "127.0.0.1",
                       "snmp": {"port": port, "version": "2c", "credential": f"{name}-snmp",
                                "timeout": TIMEOUT, "retries": RETRIES}})
    path = folder / "inventory.yaml"
    path.write_text(yaml.safe_dump({"credentials": credentials, "assets": assets}), encoding="utf-8")
    return path


# -- controlcheck ------------------------------------------------------------------------------
def run_controlcheck(folder: Path, port: int, n: int, concurrency: int, shared: bool) -> tuple[float, float, str]:
    inventory = load_inventory(write_inventory(folder, port, n))
    original = probes.probe_cache
    if not shared:      # every agent its own endpoint: no probe verdict reused
        probes.probe_cache = lambda builder: probes.ProbeCache()
    try:
        cpu, started = time.process_time(), time.perf_counter()
        result = collect_inventory(inventory, folder / f"facts-{shared}", concurrency=concurrency)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        probes.probe_cache = original
    complete = sum(1 for d in result.documents if d["facts"].get("ups", {}).get("battery")
                   and d["facts"].get("snmp", {}).get("interfaces"))
    undetermined = sum(1 for d in result.documents if "versions_accepted" not in d["facts"].get("snmp", {}))
    timeouts = sum(1 for d in result.documents for e in d["errors"] if e["message"].startswith("no answer from"))
    return elapsed, cpu, f"complete {complete}/{n}, versions undetermined {undetermined}, timeouts {timeouts}"


# -- minimal pysnmp ----------------------------------------------------------------------------
async def pysnmp_agents(port: int, n: int, parallel: int) -> tuple[int, int]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from pysnmp.hlapi.v1arch.asyncio import CommunityData, SnmpDispatcher, UdpTransportTarget, bulk_cmd, get_cmd
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902

    dispatcher = SnmpDispatcher()
    semaphore = asyncio.Semaphore(parallel)
    ok = failed = 0

    def binds(oids):
        return [(rfc1902.ObjectName(o), univ.Null("")) for o in oids]

    async def walk(auth, target, prefix: str) -> int:
        root = tuple(int(x) for x in prefix.split("."))
        current, rows = prefix, 0
        while True:
            err, status, _index, returned = await bulk_cmd(dispatcher, auth, target, 0, 25, *binds([current]),
                                                           lookupMib=False)
            if err or status or not returned:
                return rows
            for name, _value in returned:
                numbers = tuple(name)
                if numbers[:len(root)] != root:
                    return rows
                rows += 1
                current = ".".join(str(x) for x in numbers)

    async def one(i: int) -> None:
        nonlocal ok, failed
        async with semaphore:
            auth = CommunityData(community(i), mpModel=1)
            target = await UdpTransportTarget.create(("127.0.0.1", port), timeout=TIMEOUT, retries=RETRIES)
            results = [await get_cmd(dispatcher, auth, target, *binds(SYSTEM), lookupMib=False),
                       await get_cmd(dispatcher, auth, target, *binds(UPS), lookupMib=False)]
            rows = await asyncio.gather(*(walk(auth, target, prefix) for prefix in WALKS))
            if all(not r[0] and not r[1] for r in results) and rows[0]:     # ifDescr has rows
                ok += 1
            else:
                failed += 1

    try:
        await asyncio.gather(*(one(i) for i in range(n)))
    finally:
        dispatcher.transport_dispatcher.close_dispatcher()
    return ok, failed


def run_pysnmp(port: int, n: int, parallel: int) -> tuple[float, float, str]:
    cpu, started = time.process_time(), time.perf_counter()
    ok, failed = asyncio.run(pysnmp_agents(port, n, parallel))
    return time.perf_counter() - started, time.process_time() - cpu, f"complete {ok}/{n}, failed {failed}"


# -- net-snmp ----------------------------------------------------------------------------------
def run_netsnmp(port: int, n: int, parallel: int) -> tuple[float, float, str]:
    base = ["-v2c", "-On", "-t", str(TIMEOUT), "-r", str(RETRIES)]

    def one(i: int) -> bool:
        target = f"127.0.0.1:{port}"
        ok = True
        out = subprocess.run(["snmpget", *base, "-c", community(i), target, *SYSTEM, *UPS],
                             capture_output=True, text=True)
        ok &= out.returncode == 0
        for prefix in WALKS:
            out = subprocess.run(["snmpbulkwalk", *base, "-Cr25", "-c", community(i), target, prefix],
                                 capture_output=True, text=True)
            ok &= out.returncode == 0 and (prefix != WALKS[0] or bool(out.stdout.strip()))
        return ok

    started = time.perf_counter()
    children = _children_cpu()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(one, range(n)))
    elapsed = time.perf_counter() - started
    return elapsed, _children_cpu() - children, f"complete {sum(results)}/{n} ({5 * n} processes)"


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- driver ------------------------------------------------------------------------------------
def run(n: int, recording: str, concurrency: int) -> None:
    parallel = concurrency * 8
    with tempfile.TemporaryDirectory(prefix="bench-snmp-") as tmp:
        folder = Path(tmp)
        sim = SnmpSim(workdir=folder / "sim")
        sim.add_copies(recording, [community(i) for i in range(n)])
        with sim:
            figures = {"controlcheck (probes shared per endpoint)": run_controlcheck(folder, sim.port, n, concurrency, True),
                       "controlcheck (probes per agent)": run_controlcheck(folder, sim.port, n, concurrency, False),
                       "pysnmp minimal, same GETs and walks": run_pysnmp(sim.port, n, parallel)}
            if shutil.which("snmpbulkwalk") and shutil.which("snmpget"):
                figures["net-snmp snmpget + snmpbulkwalk"] = run_netsnmp(sim.port, n, parallel)
    print(f"\n{n} UPS agents ({recording}), {parallel} at once, timeout {TIMEOUT}s x {RETRIES + 1}:")
    for name, (elapsed, cpu, note) in figures.items():
        print(f"  {name:45s} {elapsed:7.2f} s  {n / elapsed:7.1f} agents/s  CPU {cpu:6.2f} s  ({note})")
    ours = figures["controlcheck (probes shared per endpoint)"][0]
    ours_alone = figures["controlcheck (probes per agent)"][0]
    for name in ("pysnmp minimal, same GETs and walks", "net-snmp snmpget + snmpbulkwalk"):
        if name in figures:
            peer = figures[name][0]
            print(f"  controlcheck / {name}: {ours / peer:.2f}x the time (shared probes), "
                  f"{ours_alone / peer:.2f}x (probes per agent)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[200, 500])
    parser.add_argument("--recording", default="UPS/eaton-93e-80")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="as controlcheck collect --concurrency (x8 SNMP assets at once); the peers use "
                             "the same number of agents at once")
    args = parser.parse_args()
    for n in args.agents:
        run(n, args.recording, args.concurrency)


if __name__ == "__main__":
    main()
