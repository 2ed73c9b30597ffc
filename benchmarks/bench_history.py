"""Finding age as the run history grows: what each audit pays for it, run after run.

    python benchmarks/bench_history.py [--assets 1000] [--runs 60] [--every 10] [--db PATH]

A fleet of --assets assets (fixtures/library copied) is checked once; --runs runs of it are
stored one day apart, each with about 2% of its findings flipped between pass and fail (so
findings open, get fixed and reopen). Every --every runs it prints, for the newest run:
  store   finish_run (storing the run, the finding episodes included)
  ages    ages_from_store, as an audit or 'controlcheck report' computes finding age
  walk    the peer: finding_ages over every stored run read back (what ages_from_store did
          before the episodes table), and whether both give the same answer.
Prints figures; no assertion."""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from controlcheck.checks import load_facts, load_policies, run_check  # noqa: E402
from controlcheck.risk.age import ages_from_store, finding_ages, history_runs  # noqa: E402
from controlcheck.store import RunStore, runs_t  # noqa: E402

LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"


def fleet_results(n: int) -> dict:
    docs = load_facts(LIBRARY)
    out = []
    for i in range(n):
        doc = copy.deepcopy(docs[i % len(docs)])
        doc["asset"]["id"] = f"{doc['asset']['id']}-{i:05d}"
        doc["asset"]["owner"] = ("IT", "HR", "Operations", "Facilities")[i % 4]
        out.append(doc)
    return run_check(out, load_policies())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--db", type=Path, help="the history to write (default: a temporary file)")
    args = parser.parse_args()
    with open("/proc/loadavg") as fh:
        print("load average at start:", fh.read().split()[:3])
    results = fleet_results(args.assets)
    decisive = [f for f in results["findings"] if f["status"] in ("pass", "fail")]
    print(f"{args.assets} assets, {len(results['findings'])} findings a run ({len(decisive)} pass or fail)")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "controlcheck.db"
        with RunStore(db) as store:
            for n in range(1, args.runs + 1):
                for f in rng.sample(decisive, max(1, len(decisive) // 50)):
                    f["status"] = "pass" if f["status"] == "fail" else "fail"
                run_id = store.begin_run("inv.yaml")
                with store._engine.begin() as conn:       # one run a day
                    conn.execute(runs_t.update().where(runs_t.c.id == run_id).values(
                        started_at=time.strftime("%Y-%m-%dT08:00:00Z", time.gmtime(1767225600 + 86400 * n))))
                t = time.perf_counter()
                store.finish_run(run_id, results)
                stored = time.perf_counter() - t
                if n % args.every and n != 1:
                    continue
                t = time.perf_counter()
                ages = ages_from_store(store)
                from_episodes = time.perf_counter() - t
                t = time.perf_counter()
                walked = finding_ages(list(history_runs(store)))
                walking = time.perf_counter() - t
                with store._engine.connect() as conn:
                    episodes = conn.execute(sa.text("SELECT COUNT(*) FROM finding_episodes")).scalar()
                print(f"runs {n:4d}: store {stored:5.2f} s  ages {from_episodes:5.2f} s  walk {walking:6.2f} s "
                      f"(walk/ages {walking / from_episodes:5.1f}x)  same answer: {ages == walked}  "
                      f"failing {len(ages['failing'])}, fixed {len(ages['fixed'])}, episodes {episodes}", flush=True)


if __name__ == "__main__":
    main()
