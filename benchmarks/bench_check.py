"""Control evaluations per second and peak memory: 10,000 assets x 100 controls.

    python benchmarks/bench_check.py [--assets 10000] [--controls 100]

Prints figures; no assertion (targets: 1,000,000 evaluations < 10 s, < 1 GiB)."""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.checks import load_policies, run_check  # noqa: E402
from controlcheck.reports.junit import write_junit  # noqa: E402

TEMPLATES = [
    {"fact": "network.ssh.version", "op": "eq", "value": "2"},
    {"fact": "network.services.http_server", "op": "eq", "value": False},
    {"fact": "network.logging.hosts", "op": "not-empty"},
    {"fact": "network.enable.secret_type", "op": "in", "value": [8, 9]},
    {"fact": "system.os_version", "op": "version-ge", "value": "15.2"},
    {"fact": "system.hostname", "op": "regex", "value": "[a-z]+-[a-z]+-[0-9]+"},
    {"each": {"over": "network.lines[?type=='vty']", "label": "name",
              "require": {"fact": "transport_input", "op": "eq", "value": ["ssh"]}}},
    {"all": [{"fact": "network.ntp.servers", "op": "not-empty"}, {"fact": "network.ntp.authenticate", "op": "eq",
                                                                  "value": True}]},
    {"not": {"fact": "network.snmp.communities[?is_default]", "op": "not-empty"}},
    {"fact": "network.missing.fact", "op": "eq", "value": 1},
]


def make_policies(n: int, directory: Path) -> Path:
    controls = []
    for i in range(n):
        controls.append({"id": f"BENCH-{i:04d}", "title": f"bench control {i}", "severity":
                         ["low", "medium", "high", "critical"][i % 4], "applies_to": {"kinds": ["router", "switch"]},
                         "check": TEMPLATES[i % len(TEMPLATES)], "frameworks": {"cis-v8": ["4.1"]},
                         "mitigates": ["RISK-NET-01"]})
    path = directory / "bench.yaml"
    path.write_text(yaml.safe_dump({"controls": controls}))
    return path


def make_facts(n: int) -> list[dict]:
    rnd = random.Random(7)
    docs = []
    for i in range(n):
        weak = rnd.random() < 0.3
        docs.append({
            "asset": {"id": f"rtr-{i:05d}", "kind": "router", "platform": "cisco_ios", "site": f"S{i % 20}",
                      "owner": "IT", "tags": []},
            "collected_at": "2026-11-20T08:00:00Z", "collector": {"name": "bench", "version": "0"},
            "facts": {
                "system": {"hostname": f"rtr-site-{i}", "os_version": "12.4(15)T7" if weak else "17.9.4a"},
                "network": {
                    "ssh": {"version": "1.99" if weak else "2"},
                    "services": {"http_server": weak},
                    "logging": {"hosts": [] if weak else ["10.0.0.5"]},
                    "enable": {"secret_type": 5 if weak else 9},
                    "lines": [{"name": "vty 0 4", "type": "vty", "transport_input": ["telnet", "ssh"] if weak else ["ssh"]},
                              {"name": "vty 5 15", "type": "vty", "transport_input": ["ssh"]}],
                    "ntp": {"servers": ["10.0.0.1"], "authenticate": not weak},
                    "snmp": {"communities": [{"access": "RO", "is_default": weak}]},
                },
            },
            "provenance": {}, "evidence": [{"id": "ev-001", "source": "ssh:show running-config",
                                            "sha256": "0" * 64, "collected_at": "2026-11-20T08:00:00Z"}],
            "errors": [],
        })
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=10_000)
    ap.add_argument("--controls", type=int, default=100)
    args = ap.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        policy_set = load_policies([make_policies(args.controls, Path(tmp))])
        docs = make_facts(args.assets)
        evaluations = args.assets * args.controls
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        results = run_check(docs, policy_set)
        t1 = time.perf_counter()
        rss_eval = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = Path(tmp) / "results.xml"
        t2 = time.perf_counter()
        with out.open("w", encoding="utf-8") as sink:
            write_junit(results, sink)
        t3 = time.perf_counter()
        rss_junit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        xml_mib = out.stat().st_size / 2**20
    s = results["summary"]["by_status"]
    print(f"assets={args.assets} controls={args.controls} evaluations={evaluations:,}")
    print(f"peak RSS before evaluation (facts in memory): {rss_before / 1024:.0f} MiB")
    print(f"evaluation: {t1 - t0:.2f} s, {evaluations / (t1 - t0):,.0f} evaluations/s, "
          f"peak RSS {rss_eval / 1024:.0f} MiB")
    print(f"junit to file: {t3 - t2:.2f} s, {xml_mib:.0f} MiB of XML, peak RSS {rss_junit / 1024:.0f} MiB")
    print(f"findings: pass={s['pass']} fail={s['fail']} error={s['error']}")


if __name__ == "__main__":
    main()
