"""Risk assessment speed: the built-in library and register over a large fleet.

    python benchmarks/bench_assess.py [--assets 10000]

The fleet is fixtures/library (a compliant and a non-compliant asset of every kind)
copied until it has --assets assets. Prints figures; no assertion."""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.checks import load_facts, load_policies, run_check  # noqa: E402
from controlcheck.risk import assess, load_register, treatment_plans  # noqa: E402

LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10000)
    args = parser.parse_args()
    templates = load_facts(LIBRARY)
    sites = ["HQ", "Branch-01", "Branch-02", "Branch-07"]
    docs = []
    for i in range(args.assets):
        doc = copy.deepcopy(templates[i % len(templates)])
        doc["asset"]["id"] = f"{doc['asset']['id']}-{i:06d}"
        doc["asset"]["site"] = sites[i % len(sites)]
        doc.pop("_source", None)
        docs.append(doc)
    policy_set = load_policies(None)
    register = load_register()

    t0 = time.perf_counter()
    results = run_check(docs, policy_set)
    t1 = time.perf_counter()
    assessment = assess(results, register, policy_set)
    t2 = time.perf_counter()
    plans = treatment_plans(assessment, threshold="Medium", today=dt.date(2026, 11, 22))
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"assets: {args.assets}, findings: {len(results['findings'])}, risks: {len(register['risks'])}")
    print(f"check:           {t1 - t0:7.2f} s")
    print(f"assess (CAI, residual): {t2 - t1:7.2f} s  ({len(results['findings']) / max(t2 - t1, 1e-9):,.0f} findings/s)")
    print(f"treatment plans: {t3 - t2:7.2f} s  ({sum(len(p) for p in plans.values()) / 1e6:.1f} MB of Markdown, "
          f"{len(plans)} departments)")
    print(f"peak RSS:        {peak:7.0f} MiB")


if __name__ == "__main__":
    main()
