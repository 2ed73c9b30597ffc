"""The report stage of ``audit`` alone, without collecting: time, CPU and peak memory of
writing every format ``audit`` writes, as ``audit`` writes them (``audit.write_reports``),
then each format rendered on its own; and store write/read time.

    python benchmarks/bench_reports.py [--assets 1000] [--from OUT_DIR] [--formats pdf,xlsx]
                                       [--write DIR] [--profile FORMAT]

Inputs: the 18-asset policy library, and a synthetic fleet (the library's assets replicated
``--assets`` times, their facts documents written to disk so the evidence bundle packs
them); or, with ``--from``, the latest run of an audit's output folder (what
``bench_audit.py --keep OUT_DIR`` leaves: 600 IOS + 400 UPS, read back as ``controlcheck
report`` reads a stored run). ``--write DIR`` keeps each format's output (to compare two
versions of the code byte for byte); ``--profile FORMAT`` prints a cProfile of one format.

Memory is the PSS of this process and its descendants (the renderer processes), sampled
every 0.1 s (benchmarks/procmem.py; sampling costs CPU here too), printed as the peak, what
each process held then, and the rise above the input held before the stage. The stage of
the fleet (or the stored run) runs first, in a process that has imported no report library
yet, as in ``audit``. Floor, measured in the same run: ``json.dumps`` of the results and the
assessment (the least any report must do: walk and serialise the same data once). Target
(issue 16): the report stage under 5 s at 1,000 assets, the whole
audit under 0.5 MiB per asset. Prints figures; no assertion."""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procmem import PeakSampler, breakdown, tree_pss_mib  # noqa: E402

from controlcheck.audit import write_reports  # noqa: E402
from controlcheck.checks import load_facts, load_policies, run_check  # noqa: E402
from controlcheck.reports import ReportInput, format_names, get_format, parallel  # noqa: E402
from controlcheck.risk import assess, load_register  # noqa: E402
from controlcheck.risk.age import ages_from_store, finding_ages  # noqa: E402
from controlcheck.store import RunStore  # noqa: E402

FORMATS = format_names(audit=True)
LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def fleet(n: int) -> list[dict]:
    docs = load_facts(LIBRARY)
    out = []
    for i in range(n):
        doc = copy.deepcopy(docs[i % len(docs)])
        doc["asset"]["id"] = f"{doc['asset']['id']}-{i:05d}"
        doc["asset"]["site"] = f"Site-{i % 7}"
        doc.pop("_source", None)
        out.append(doc)
    return out


def synthetic_input(documents: list[dict], facts_dir: Path) -> tuple[ReportInput, float, list[dict]]:
    """The report input of one run of ``documents`` (facts written to ``facts_dir``), with a
    made-up history of 12 runs; and the seconds finding age took."""
    policies = load_policies()
    for doc in documents:
        doc = {k: v for k, v in doc.items() if not k.startswith("_")}
        (facts_dir / f"{doc['asset']['id']}.json").write_text(json.dumps(doc), encoding="utf-8")
    documents = load_facts(facts_dir)
    results = run_check(documents, policies)
    assessment = assess(results, load_register(), policies)
    history = [{"id": i, "started_at": f"2026-11-{i + 1:02d}T08:00:00Z", "cai": 40 + i, "assets": len(documents),
                "counts": {"pass": 100 + i, "fail": 100 - i}} for i in range(1, 13)]
    runs = [{"id": i, "started_at": h["started_at"], "findings": results["findings"], "assets": results["assets"]}
            for i, h in enumerate(history[-3:], 1)]
    t = time.perf_counter()
    ages = finding_ages(runs)
    age_time = time.perf_counter() - t
    return ReportInput(results, assessment, history, facts_dir=facts_dir, ages=ages), age_time, documents


def stored_input(out_dir: Path) -> tuple[ReportInput, float]:
    """The latest run of an audit's output folder, read as ``controlcheck report`` reads it;
    its facts folder is the copy under ``out_dir`` (the audit's own was a temporary one)."""
    with RunStore(out_dir / "controlcheck.db", create=False) as store:
        data = ReportInput(**store.report_data("latest"))
        run_id = data.history[-1]["id"]
        t = time.perf_counter()
        data.ages = ages_from_store(store, run_id)
        age_time = time.perf_counter() - t
    data.facts_dir = out_dir / "runs" / str(run_id) / "facts"
    return data, age_time


def fresh(data: ReportInput) -> ReportInput:
    """The same input without what an earlier render cached in it."""
    return ReportInput(data.results, data.assessment, data.history, facts_dir=data.facts_dir, ages=data.ages,
                       settings=data.settings)


class Timeline:
    """When each report of ``audit.write_reports`` was done (in this process: started and
    done), and when each renderer process was sent its input and answered."""

    def __init__(self, start: float):
        self.start, self.events = start, []

    def __enter__(self) -> "Timeline":
        self.saved = parallel._here, parallel._Renderer.send, parallel._Renderer._talk

        def here(name, data):
            began = time.perf_counter()
            try:
                return self.saved[0](name, data)
            finally:
                self.events.append(f"{name} {began - self.start:.1f}-{time.perf_counter() - self.start:.1f}")

        def send(renderer, payload, last=True):
            self.events.append(f"{renderer.kind} sent {time.perf_counter() - self.start:.1f}")
            self.saved[1](renderer, payload, last)

        def talk(renderer):
            self.saved[2](renderer)
            self.events.append(f"{renderer.kind} done {time.perf_counter() - self.start:.1f}")
        parallel._here, parallel._Renderer.send, parallel._Renderer._talk = here, send, talk
        return self

    def __exit__(self, *exc) -> None:
        parallel._here, parallel._Renderer.send, parallel._Renderer._talk = self.saved

    def __str__(self) -> str:
        return ", ".join(self.events)


def bench(label: str, data: ReportInput, age_time: float, formats: list[str], keep: Path | None,
          profile: str | None) -> None:
    results = data.results
    listed = sum(1 for f in results["findings"] if f["status"] != "skip")
    print(f"\n{label}: {len(results.get('assets') or [])} assets, {len(results['findings'])} findings "
          f"({listed} not skipped); load average {load()}")
    t = time.perf_counter()
    json.dumps({"results": results, "assessment": data.assessment})
    floor = time.perf_counter() - t
    before = tree_pss_mib(os.getpid())
    with tempfile.TemporaryDirectory() as tmp, PeakSampler(interval=0.1) as sampler:
        out = keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        sampler.phase = "stage"
        cpu, children, t = time.process_time(), os.times(), time.perf_counter()
        with Timeline(t) as timeline:
            write_reports(out, formats, fresh(data))
        wall = time.perf_counter() - t + age_time
        own = time.process_time() - cpu + age_time
        after = os.times()
        separate = (after.children_user - children.children_user) + (after.children_system - children.children_system)
        sampler.phase = None
        sampler.sample()
        stage_peak = sampler.by_phase["stage"]
        print(f"  report stage as audit writes it (audit.write_reports, {os.cpu_count()} cores), finding age "
              f"{age_time:.2f} s included: {wall:.2f} s wall (target < 5 s at 1,000 assets), CPU {own:.2f} s here "
              f"+ {separate:.2f} s in renderer processes; peak {stage_peak:.0f} MiB PSS, {stage_peak - before:+.0f} MiB "
              f"above the {before:.0f} MiB held before it; {wall / floor if floor else float('nan'):.1f}x the floor "
              f"(json.dumps {floor:.2f} s)")
        print(f"  at the stage's peak (MiB): {breakdown(sampler.at_phase_peak.get('stage', {}))}")
        print(f"  timeline (s from the stage's start): {timeline}")
        total = total_cpu = age_time
        for name in formats:
            sampler.phase = name
            base = tree_pss_mib(os.getpid())
            one = fresh(data)
            cpu, t = time.process_time(), time.perf_counter()
            rendered = get_format(name).render(one)
            dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
            sampler.sample()            # a render shorter than the interval is seen too
            sampler.phase = None
            total += dt
            total_cpu += dcpu
            size = len(rendered.encode() if isinstance(rendered, str) else rendered)
            del rendered, one
            print(f"  {name:<9} {dt:6.2f} s wall, {dcpu:6.2f} s CPU  {size / 1e6:8.2f} MB  "
                  f"peak {sampler.by_phase[name] - base:+5.0f} MiB")
        print(f"  one format after another: {total:.2f} s wall, {total_cpu:.2f} s CPU (finding age included)")
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(get_format(profile).render, fresh(data))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def bench_store(documents: list[dict], data: ReportInput) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp) / "controlcheck.db")
        t = time.perf_counter()
        run_id = store.begin_run("bench")
        for doc in documents:
            store.add_facts(run_id, doc, None)
        store.finish_run(run_id, data.results, data.assessment)
        write = time.perf_counter() - t
        t = time.perf_counter()
        store.report_data(run_id)
        store.history()
        read = time.perf_counter() - t
        size = (Path(tmp) / "controlcheck.db").stat().st_size
        store.close()
    print(f"  store     write {write:.2f} s, read {read:.2f} s, {size / 1e6:.2f} MB per run")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--from", dest="source", type=Path, metavar="OUT_DIR",
                        help="an audit's output folder (bench_audit.py --keep): its latest run instead of the "
                             "library and the synthetic fleet")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated (default: every audit format)")
    parser.add_argument("--write", type=Path, metavar="DIR", help="keep each input's outputs in DIR/<input>/")
    parser.add_argument("--profile", metavar="FORMAT", help="cProfile one format's render (last input)")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    keep = (lambda name: args.write / name) if args.write else (lambda name: None)
    if args.write:
        shutil.rmtree(args.write, ignore_errors=True)
    if args.source:
        data, age_time = stored_input(args.source)
        bench(f"stored run of {args.source}", data, age_time, formats, keep("stored"), args.profile)
        return
    # the fleet first: its stage runs in a process that has imported no report library yet
    for label, name, documents in (("synthetic fleet", "synthetic", fleet(args.assets)),
                                   ("policy library", "library", load_facts(LIBRARY))):
        with tempfile.TemporaryDirectory() as facts_tmp:
            data, age_time, documents = synthetic_input(documents, Path(facts_tmp))
            bench(label, data, age_time, formats, keep(name), args.profile if name == "synthetic" else None)
            bench_store(documents, data)


if __name__ == "__main__":
    main()
