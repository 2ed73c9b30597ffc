"""Render time and size of each report format ``audit`` writes (the report stage), and store
write/read time, for the 18-asset policy library and a synthetic fleet (the library's assets
replicated, their facts documents written to disk so the evidence bundle packs them).

    python benchmarks/bench_reports.py [--assets 1000]

Floor, measured in the same run: ``json.dumps`` of the results and the assessment (the
least any report must do: walk and serialise the same data once). Target (issue 16): the
report stage under 5 s at 1,000 assets. Prints figures; no assertion."""

from __future__ import annotations

import argparse
import os
import copy
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.checks import load_facts, load_policies, run_check  # noqa: E402
from controlcheck.reports import ReportInput, format_names, get_format  # noqa: E402
from controlcheck.reports.parallel import render_all  # noqa: E402
from controlcheck.risk import assess, load_register  # noqa: E402
from controlcheck.store import RunStore  # noqa: E402

FORMATS = format_names(audit=True)
LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"


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


def bench(label: str, documents: list[dict]) -> None:
    import json

    from controlcheck.risk.age import finding_ages

    policies = load_policies()
    with tempfile.TemporaryDirectory() as facts_tmp:
        facts_dir = Path(facts_tmp)
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
        data = ReportInput(results, assessment, history, facts_dir=facts_dir, ages=ages)
        findings = sum(1 for f in results["findings"] if f["status"] != "skip")
        print(f"\n{label}: {len(documents)} assets, {findings} listed findings")
        t = time.perf_counter()
        json.dumps({"results": results, "assessment": assessment})
        floor = time.perf_counter() - t
        total = age_time
        print(f"  {'age':<9} {age_time:7.2f} s  (finding age over 3 runs)")
        for name in FORMATS:
            t = time.perf_counter()
            out = get_format(name).render(data)
            dt = time.perf_counter() - t
            total += dt
            size = len(out.encode() if isinstance(out, str) else out)
            print(f"  {name:<9} {dt:7.2f} s  {size / 1e6:8.2f} MB")
        print(f"  report stage, one format after another: {total:.2f} s; floor json.dumps {floor:.2f} s; "
              f"ratio {total / floor if floor else float('nan'):.1f}x the floor")
        t = time.perf_counter()
        render_all(FORMATS, ReportInput(results, assessment, history, facts_dir=facts_dir, ages=ages))
        wall = time.perf_counter() - t + age_time
        print(f"  report stage as audit runs it (reports.parallel, {os.cpu_count()} cores): {wall:.2f} s "
              f"(target < 5 s at 1,000 assets); {wall / floor if floor else float('nan'):.1f}x the floor")
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp) / "controlcheck.db")
        t = time.perf_counter()
        run_id = store.begin_run("bench")
        for doc in documents:
            store.add_facts(run_id, doc, None)
        store.finish_run(run_id, results, assessment)
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
    args = parser.parse_args()
    bench("policy library", load_facts(LIBRARY))
    bench("synthetic fleet", fleet(args.assets))


if __name__ == "__main__":
    main()
