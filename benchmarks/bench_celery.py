"""The celery engine's cost: N simulated devices dispatched through Celery versus the local engine.

    python benchmarks/bench_celery.py [--devices 1000] [--workers 1 2] [--concurrency 4]

Each simulated device is an IOS router read from a saved configuration (``file:``), so the
collection itself is real (read, redact, parse, evidence) but needs no network device. The
figures:

- local engine: wall time and CPU per asset of ``collect_inventory`` (this process and the
  parsing processes it starts; the peer);
- celery engine, per worker count: wall time, throughput per worker (assets/s), and the
  coordinator's overhead per asset: CPU time of this process during ``CeleryEngine.collect``
  (dispatch, waiting, unpacking, writing facts and evidence) divided by N. Target: < 5 ms.

A real redis-server and real ``controlcheck worker`` processes are started on 127.0.0.1.
No assertion: the figures go into docs/scaling.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controlcheck.collect import collect_inventory  # noqa: E402
from controlcheck.engines.celery_engine import CeleryEngine  # noqa: E402
from controlcheck.inventory import load_inventory  # noqa: E402

CONFIG = ROOT / "fixtures" / "devices" / "cisco_ios" / "rtr-hq-01" / "show_running-config.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_inventory(work: Path, count: int) -> Path:
    (work / "configs").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONFIG, work / "configs" / "rtr.cfg")
    assets = [{"id": f"rtr-sim-{i:04d}", "kind": "router", "platform": "cisco_ios", "address": f"10.9.{i // 250}.{i % 250}",
               "site": "HQ", "file": "configs/rtr.cfg"} for i in range(count)]
    path = work / "inventory.yaml"
    path.write_text(yaml.safe_dump({"credentials": {}, "assets": assets}, sort_keys=False))
    return path


def start_worker(broker: str, concurrency: int, n: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "controlcheck", "worker", "--site", "HQ", "--broker", broker,  # noqa: S603
                             "--concurrency", str(concurrency), "--name", f"bench{n}@localhost", "--loglevel", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    return proc


def wait_ready(engine: CeleryEngine, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = engine.app.control.inspect(timeout=1.0).active_queues() or {}
        if len(replies) >= count:
            return
    raise RuntimeError(f"{count} workers not ready after {timeout} s")


def measure_celery(inventory_path: Path, work: Path, workers: int, concurrency: int, count: int) -> dict:
    port = free_port()
    redis_dir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    redis_proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",  # noqa: S603,S607
                                   "--appendonly", "no", "--dir", str(redis_dir)], stdout=subprocess.DEVNULL)
    broker = f"redis://127.0.0.1:{port}/0"
    procs = []
    try:
        engine = CeleryEngine(broker, site_timeout=600)
        deadline = time.monotonic() + 30
        while True:
            try:
                engine.check()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        procs = [start_worker(broker, concurrency, n) for n in range(workers)]
        wait_ready(engine, workers)
        inventory = load_inventory(inventory_path)
        out = work / f"celery-{workers}"
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = engine.collect(inventory, out)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        errors = sum(1 for d in result.documents if d.get("errors"))
        return {"wall": wall, "cpu": cpu, "errors": errors, "documents": len(result.documents)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(redis_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=4, help="threads per worker (and of the local engine)")
    args = parser.parse_args()
    n = args.devices
    print(f"{n} simulated IOS routers from a saved configuration; {os.cpu_count()} CPUs on this machine")
    with tempfile.TemporaryDirectory(prefix="bench-celery-") as tmp:
        work = Path(tmp)
        inventory_path = write_inventory(work, n)
        inventory = load_inventory(inventory_path)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        local = collect_inventory(inventory, work / "local", concurrency=args.concurrency)
        local_wall, local_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        local_cpu += getattr(local, "worker_cpu_seconds", 0.0)     # its parsing processes, if it used any
        local_errors = sum(1 for d in local.documents if d.get("errors"))
        print(f"local engine ({args.concurrency} threads, parsing processes as it chooses): {local_wall:.1f} s, {n / local_wall:.0f} assets/s, "
              f"CPU {1000 * local_cpu / n:.2f} ms/asset, {local_errors} with errors")
        for workers in args.workers:
            r = measure_celery(inventory_path, work, workers, args.concurrency, n)
            overhead = 1000 * r["cpu"] / n
            print(f"celery, {workers} worker(s) x {args.concurrency} threads: {r['wall']:.1f} s, "
                  f"{n / r['wall']:.0f} assets/s ({n / r['wall'] / workers:.0f} per worker), "
                  f"{r['documents']} facts documents, {r['errors']} with errors")
            print(f"  coordinator overhead: {overhead:.2f} ms/asset CPU "
                  f"(target < 5 ms; {overhead / (1000 * local_cpu / n):.2f} x the local engine's CPU per asset)")
        same = sorted(p.name for p in (work / "local").glob("*.json")) == \
            sorted(p.name for p in (work / f"celery-{args.workers[0]}").glob("*.json"))
        print(f"same facts files from both engines: {same}")


if __name__ == "__main__":
    main()
