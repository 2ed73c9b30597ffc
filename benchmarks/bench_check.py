"""Control evaluations per second and peak memory: 10,000 assets x 100 controls, with
the floor measured in the same run, JUnit writing (ours vs the junit-xml library) and the
results JSON, both streamed to a file.

    python benchmarks/bench_check.py [--assets 10000] [--controls 100] [--junit-xml-assets 1000]

* evaluation: ``run_check`` (findings with messages, observed values and evidence)
  vs ``hand_written``, a plain Python function doing the same ten checks on the same
  facts and returning (asset, control, verdict) — the floor, measured first, on a heap
  holding only the facts; the ratio is printed.
* JUnit: our streaming writer for every finding; then, for the first
  ``--junit-xml-assets`` assets, our writer vs junit-xml (``to_xml_report_file``),
  each validated against ../shared/corpus/schemas/junit-10.xsd when lxml and the
  corpus are there.

* results JSON: ``write_results_json`` for every finding, with the growth of peak RSS.

Prints figures, CPU time beside wall time; no assertion (targets: 1,000,000 evaluations
< 5 s and JUnit for them < 5 s on two cores, < 1 GiB)."""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlcheck.checks import load_policies, run_check  # noqa: E402
from controlcheck.checks.operators import version_key  # noqa: E402
from controlcheck.reports.json_results import write_results_json  # noqa: E402
from controlcheck.reports.junit import write_junit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
JUNIT_XSD = ROOT.parent / "shared" / "corpus" / "schemas" / "junit-10.xsd"

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


def hand_written(docs: list[dict], controls: int) -> list[tuple]:
    """The floor: each control of TEMPLATES as a plain Python function, called once per
    (asset, control) on the same facts; returns (asset, control, verdict), no messages."""
    minimum = version_key("15.2")
    hostname = re.compile("[a-z]+-[a-z]+-[0-9]+")

    def verdict(ok):
        return "error" if ok is None else ("pass" if ok else "fail")

    def net(f, key):
        return f.get("network", {}).get(key, {})

    def vty_ssh_only(f):
        vty = [line for line in net(f, "lines") or [] if line.get("type") == "vty"]
        return bool(vty) and all(line.get("transport_input") == ["ssh"] for line in vty)

    def ntp(f):
        servers, auth = net(f, "ntp").get("servers"), net(f, "ntp").get("authenticate")
        if servers is not None and len(servers) == 0:
            return False
        return None if servers is None or auth is None else auth is True

    def version_ok(f):
        version = f.get("system", {}).get("os_version")
        return None if version is None else version_key(version) >= minimum

    def name_ok(f):
        name = f.get("system", {}).get("hostname")
        return None if name is None else hostname.fullmatch(name) is not None

    def value(f, key, field):
        return net(f, key).get(field)

    checks = [
        lambda f: value(f, "ssh", "version") == "2" if value(f, "ssh", "version") is not None else None,
        lambda f: value(f, "services", "http_server") is False
        if value(f, "services", "http_server") is not None else None,
        lambda f: len(value(f, "logging", "hosts")) > 0 if value(f, "logging", "hosts") is not None else None,
        lambda f: value(f, "enable", "secret_type") in (8, 9) if value(f, "enable", "secret_type") is not None
        else None,
        version_ok, name_ok, vty_ssh_only, ntp,
        lambda f: not [c for c in net(f, "snmp").get("communities", []) if c.get("is_default")],
        lambda f: None,
    ]
    out = []
    for doc in docs:
        asset_id, facts = doc["asset"]["id"], doc["facts"]
        for i in range(controls):
            out.append((asset_id, i, verdict(checks[i % len(checks)](facts))))
    return out


def junit_with_library(results: dict, path: Path) -> None:
    """The same document through junit-xml (ElementTree, then minidom pretty-printing)."""
    from junit_xml import TestCase, TestSuite, to_xml_report_file

    by_asset: dict[str, list] = {}
    for f in results["findings"]:
        case = TestCase(f"{f['control_id']} {f['title']}", classname=f["asset_id"], elapsed_sec=0)
        if f["status"] == "fail":
            case.add_failure_info(message=f["message"], failure_type=f["severity"])
        elif f["status"] == "error":
            case.add_error_info(message=f["message"], error_type=f.get("error_kind", "error"))
        by_asset.setdefault(f["asset_id"], []).append(case)
    suites = [TestSuite(asset_id, cases, timestamp=results["run"]["started_at"].rstrip("Z"))
              for asset_id, cases in by_asset.items()]
    with path.open("w", encoding="utf-8") as fh:
        to_xml_report_file(fh, suites, prettyprint=True)


def xsd_verdict(path: Path) -> str:
    try:
        from lxml import etree
    except ImportError:
        return "not validated (no lxml)"
    if not JUNIT_XSD.is_file():
        return "not validated (no corpus)"
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    ok = schema.validate(etree.parse(str(path)))
    return "valid against junit-10.xsd" if ok else f"INVALID against junit-10.xsd: {schema.error_log.last_error}"


def compare_junit_writers(results: dict, assets: int, tmp: Path) -> None:
    keep = {a["id"] for a in results["assets"][:assets]}
    subset = dict(results, assets=results["assets"][:assets],
                  findings=[f for f in results["findings"] if f["asset_id"] in keep])
    ours, theirs = tmp / "ours.xml", tmp / "junit_xml.xml"
    t0 = time.perf_counter()
    with ours.open("w", encoding="utf-8") as sink:
        write_junit(subset, sink)
    t1 = time.perf_counter()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        junit_with_library(subset, theirs)
    except ImportError:
        print("junit-xml not installed: comparison skipped")
        return
    t2 = time.perf_counter()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n = len(subset["findings"])
    print(f"JUnit for {assets:,} assets ({n:,} test cases): streaming writer {t1 - t0:.2f} s "
          f"({xsd_verdict(ours)}); junit-xml {t2 - t1:.2f} s, peak RSS +{(rss1 - rss0) / 1024:.0f} MiB "
          f"({xsd_verdict(theirs)}); junit-xml / streaming = {(t2 - t1) / (t1 - t0):.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=10_000)
    ap.add_argument("--controls", type=int, default=100)
    ap.add_argument("--junit-xml-assets", type=int, default=1000,
                    help="assets for the junit-xml comparison (0: skip)")
    args = ap.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        policy_set = load_policies([make_policies(args.controls, Path(tmp))])
        docs = make_facts(args.assets)
        evaluations = args.assets * args.controls
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tf, cf = time.perf_counter(), time.process_time()
        floor = [v for _, _, v in hand_written(docs, args.controls)]
        t_floor, c_floor = time.perf_counter() - tf, time.process_time() - cf
        t0, c0 = time.perf_counter(), time.process_time()
        results = run_check(docs, policy_set)
        t1, c1 = time.perf_counter(), time.process_time()
        rss_eval = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        agree = [f["status"] for f in results["findings"]] == floor
        del floor
        out = Path(tmp) / "results.xml"
        t2, c2 = time.perf_counter(), time.process_time()
        with out.open("w", encoding="utf-8") as sink:
            write_junit(results, sink)
        t3, c3 = time.perf_counter(), time.process_time()
        rss_junit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        xml_mib = out.stat().st_size / 2**20
        json_path = Path(tmp) / "results.json"
        t4, c4 = time.perf_counter(), time.process_time()
        with json_path.open("w", encoding="utf-8") as sink:
            write_results_json(results, sink)
        t5, c5 = time.perf_counter(), time.process_time()
        rss_json = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        json_mib = json_path.stat().st_size / 2**20
        s = results["summary"]["by_status"]
        print(f"assets={args.assets} controls={args.controls} evaluations={evaluations:,}")
        print(f"peak RSS before evaluation (facts in memory): {rss_before / 1024:.0f} MiB")
        print(f"evaluation: {t1 - t0:.2f} s, CPU {c1 - c0:.2f} s ({(t1 - t0) / evaluations * 1e6:.2f} us each), "
              f"{evaluations / (t1 - t0):,.0f} evaluations/s, peak RSS {rss_eval / 1024:.0f} MiB")
        print(f"hand-written floor, same run: {t_floor:.2f} s, CPU {c_floor:.2f} s "
              f"({t_floor / evaluations * 1e6:.2f} us each); controlcheck / floor = {(t1 - t0) / t_floor:.1f}x "
              f"(CPU {(c1 - c0) / c_floor:.1f}x); verdicts agree: {agree}")
        print(f"junit to file: {t3 - t2:.2f} s, CPU {c3 - c2:.2f} s, {xml_mib:.0f} MiB of XML, "
              f"{xml_mib / (t3 - t2):.0f} MiB/s, peak RSS {rss_junit / 1024:.0f} MiB")
        print(f"results JSON to file: {t5 - t4:.2f} s, CPU {c5 - c4:.2f} s, {json_mib:.0f} MiB, "
              f"{json_mib / (t5 - t4):.0f} MiB/s, peak RSS {rss_json / 1024:.0f} MiB "
              f"(+{(rss_json - rss_junit) / 1024:.0f} MiB)")
        print(f"findings: pass={s['pass']} fail={s['fail']} error={s['error']}")
        if args.junit_xml_assets:
            compare_junit_writers(results, min(args.junit_xml_assets, args.assets), Path(tmp))


if __name__ == "__main__":
    main()
