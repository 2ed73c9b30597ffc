"""Render time and size of each report format, and store write/read time, for the 18-asset
policy library and a synthetic fleet (the library's assets replicated).

    python benchmarks/bench_reports.py [--assets 1000]

Prints figures; no assertion."""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.checks import load_facts, load_policies, run_check  # noqa: E402
from controlcheck.reports import ReportInput, get_format  # noqa: E402
from controlcheck.risk import assess, load_register  # noqa: E402
from controlcheck.store import RunStore  # noqa: E402

FORMATS = ["html", "xlsx", "csv", "oscal", "sarif", "markdown", "json", "junit"]
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
    policies = load_policies()
    results = run_check(documents, policies)
    assessment = assess(results, load_register(), policies)
    history = [{"id": i, "started_at": f"2026-11-{i + 1:02d}T08:00:00Z", "cai": 40 + i, "assets": len(documents),
                "counts": {"pass": 100 + i, "fail": 100 - i}} for i in range(1, 13)]
    data = ReportInput(results, assessment, history)
    findings = sum(1 for f in results["findings"] if f["status"] != "skip")
    print(f"\n{label}: {len(documents)} assets, {findings} listed findings")
    for name in FORMATS:
        t = time.perf_counter()
        out = get_format(name).render(data)
        dt = time.perf_counter() - t
        size = len(out.encode() if isinstance(out, str) else out)
        print(f"  {name:<9} {dt:7.2f} s  {size / 1e6:8.2f} MB")
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
