"""One end-to-end ``audit`` of a mixed simulated fleet: stage timings and peak memory.

    python benchmarks/bench_audit.py [--ssh 600] [--ups 400] [--concurrency 48]

600 Cisco IOS routers served by our SSH device simulator (each its own port and host
key, login in user EXEC then enable, the collector's five commands) and 400 UPS agents
served by snmpsim (4 processes: one alone drops most requests at 384 in flight, for
every client alike, see bench_collect_snmp.py) with a real UPS-MIB recording under 400
communities, all on
127.0.0.1; the labs run in their own processes and are started before the clock. The
audit is ``audit.run_audit`` as ``controlcheck audit`` runs it (collect, store, check,
assess, every audit report, treatment requests), with each stage timed by wrapping the
functions ``run_audit`` calls.

Peak memory is sampled every 0.2 s as the sum of the proportional set sizes (PSS:
pages shared by forked processes counted once) of this process and its descendants
(collection workers and their fork server), the labs excluded.
Prints figures; no assertion (target on two cores: under 60 s and under 0.5 MiB per
asset for 600 SSH + 400 SNMP)."""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procmem import PeakSampler, breakdown  # noqa: E402
from simfleet import start_ios_fleet  # noqa: E402

from controlcheck import audit as audit_module  # noqa: E402
from controlcheck.lab.inventory import LabAsset, write_inventory, write_secret  # noqa: E402
from controlcheck.lab.snmplab import SnmpSim  # noqa: E402
from controlcheck.reports import parallel  # noqa: E402

RECORDING = "UPS/eaton-93e-80"


class MemorySampler(PeakSampler):
    """Peak memory of the tree, and by the audit stage running when sampled."""

    def __init__(self, exclude: set[int], clock: "StageClock"):
        super().__init__(exclude, interval=0.2)
        self.clock = clock

    def sample(self) -> float:
        self.phase = self.clock.current
        return super().sample()


class StageClock:
    """Wraps the functions run_audit calls, so each stage's wall time is known."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.formats: dict[str, float] = defaultdict(float)
        self.current: str | None = None

    def wrap(self, name: str, fn, into: dict | None = None):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            outer, self.current = self.current, (self.current if into is not None else name)
            try:
                return fn(*args, **kwargs)
            finally:
                self.current = outer
                (self.seconds if into is None else into)[name] += time.perf_counter() - start
        return timed

    def install(self) -> None:
        for attr, stage in (("_store_collected", "store facts"), ("run_check", "check"), ("assess", "assess"),
                            ("write_reports", "reports"), ("write_treatment", "treatment")):
            setattr(audit_module, attr, self.wrap(stage, getattr(audit_module, attr)))
        get_format = audit_module.get_format

        def timed_format(name: str):
            fmt = get_format(name)
            fmt.render = self.wrap(name, fmt.render, into=self.formats)
            fmt.write = self.wrap(name, fmt.write, into=self.formats)     # the streamed ones
            return fmt
        audit_module.get_format = timed_format
        parallel.get_format = timed_format      # the formats rendered in this process (the rest: separate)
        make_engine = audit_module.make_engine

        def timed_engine(*args, **kwargs):
            engine = make_engine(*args, **kwargs)
            engine.collect = self.wrap("collect", engine.collect)
            return engine
        audit_module.make_engine = timed_engine
        self.renderers: dict[str, list[float]] = {}     # kind -> [sent, done] (s after the report stage began)
        send, talk, write_reports = parallel._Renderer.send, parallel._Renderer._talk, audit_module.write_reports

        def stage_started(*args, **kwargs):
            self.reports_began = time.perf_counter()
            cpu, children = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                return write_reports(*args, **kwargs)
            finally:
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                self.reports_cpu = (time.process_time() - cpu, after.ru_utime + after.ru_stime
                                    - children.ru_utime - children.ru_stime)

        def timed_send(renderer, payload, last=True):
            self.renderers.setdefault(renderer.kind, []).append(time.perf_counter() - self.reports_began)
            send(renderer, payload, last)

        def timed_talk(renderer):
            talk(renderer)
            self.renderers[renderer.kind].append(time.perf_counter() - self.reports_began)
        audit_module.write_reports = stage_started
        parallel._Renderer.send, parallel._Renderer._talk = timed_send, timed_talk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ssh", type=int, default=600)
    parser.add_argument("--ups", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--snmpsim", type=int, default=4,
                        help="snmpsim processes serving the UPS agents (one process cannot answer hundreds at once)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="copy the audit's output folder here (bench_reports.py --from reads its stored run)")
    args = parser.parse_args()
    total = args.ssh + args.ups
    with open("/proc/loadavg") as fh:
        print(f"load average at start: {fh.read().split()[:3]}; cores: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        fleet = start_ios_fleet(args.ssh, work, prefix="rtr")
        communities = [f"ups-{i:04d}" for i in range(args.ups)]
        sims = [SnmpSim(workdir=work / f"snmpsim-{n}") for n in range(args.snmpsim)]
        for n, sim in enumerate(sims):
            sim.add_copies(RECORDING, communities[n::args.snmpsim])
        try:
            with contextlib.ExitStack() as labs:
                for sim in sims:
                    labs.enter_context(sim)
                print(f"labs ready in {time.perf_counter() - t0:.1f} s ({args.ssh} SSH devices, "
                      f"{args.ups} SNMP agents on {args.snmpsim} snmpsim processes)", flush=True)
                assets = fleet.assets()
                for i, community in enumerate(communities):
                    secret = write_secret(work / "secrets", community, community)
                    port = sims[i % args.snmpsim].port
                    assets.append(LabAsset(id=community, kind="ups", platform="ups_rfc1628",
                                           snmp={"port": port, "version": "2c", "timeout": 5, "retries": 1},
                                           snmp_credential={"community_file": str(secret)},
                                           site=f"S{i % 5}"))
                inventory = write_inventory(work / "inventory.yaml", assets, known_hosts=fleet.known_hosts)
                clock = StageClock()
                clock.install()
                sampler = MemorySampler(exclude={fleet.process.pid, *(p for sim in sims for p in sim_pids(sim))},
                                        clock=clock)
                sampler.start()
                start = time.perf_counter()
                cpu = os.times()
                result = audit_module.run_audit(audit_module.AuditOptions(
                    inventory=inventory, out_dir=work / "out", concurrency=args.concurrency))
                elapsed = time.perf_counter() - start
                cpu_end = os.times()
                sampler.stop.set()
                sampler.join()
                if args.keep:
                    shutil.copytree(work / "out", args.keep, dirs_exist_ok=True)
        finally:
            fleet.stop()
    s = result.results["summary"]
    own_cpu = (cpu_end.user - cpu.user) + (cpu_end.system - cpu.system)
    print(f"audit of {total} assets ({args.ssh} SSH + {args.ups} SNMP, concurrency {args.concurrency}): "
          f"{elapsed:.1f} s, {total / elapsed:.1f} assets/s; {s['findings']} findings "
          f"({s['by_status']}); {len(result.assets_with_errors)} assets with collection errors")
    for stage, seconds in clock.seconds.items():
        print(f"  {stage:12s} {seconds:6.1f} s ({seconds / elapsed:5.1%}), peak memory in it "
              f"{sampler.by_phase.get(stage, 0):.0f} MiB")
    if clock.formats:
        print("  reports by format (those rendered in this process): " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in
                                                  sorted(clock.formats.items(), key=lambda kv: -kv[1])))
    if clock.renderers:
        print(f"  report stage CPU: {clock.reports_cpu[0]:.1f} s in this process (and its other threads), "
              f"{clock.reports_cpu[1]:.1f} s in the renderer processes (their imports before the stage included)")
        print("  renderer processes: " + ", ".join(
            f"{kind} sent its input at {', '.join(f'{t:.1f}' for t in times[:-1])} s, done at {times[-1]:.1f} s"
            for kind, times in clock.renderers.items()))
    print(f"  CPU of this process {own_cpu:.1f} s (workers not included)")
    print(f"peak memory (this process + collection workers + report renderers): {sampler.peak:.0f} MiB, "
          f"{sampler.peak / total:.2f} MiB per asset; at the peak (MiB): {breakdown(sampler.at_peak)}")
    if "reports" in sampler.at_phase_peak:
        print(f"  at the report stage's peak (MiB): {breakdown(sampler.at_phase_peak['reports'])}")
    if result.assets_with_errors:
        sample = sorted(result.collection_errors.items())[:3]
        print(f"first collection errors: {sample}")
    with open("/proc/loadavg") as fh:
        print(f"load average at end: {fh.read().split()[:3]}")


def sim_pids(sim) -> set[int]:
    proc = getattr(sim, "proc", None) or getattr(sim, "_proc", None)
    return {proc.pid} if proc is not None else set()


if __name__ == "__main__":
    main()
