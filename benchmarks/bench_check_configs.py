"""Saved configurations checked offline: 1,000 configs of realistic size, six platforms.

    python benchmarks/bench_check_configs.py [--files 1000] [--jobs 2] [--big 10]

Each config is one of our fixtures (fixtures/devices/<platform>/...; the Arista one is the
real AVD config of the corpus, read at run time) grown to a few thousand lines the way a
large device grows: interface blocks, ACL entries, firewall policies or security rules
with new names. ``--big`` of them are 15,000 lines (the large routers), which must not
cost more per line than the others. Files are spread over the six platforms in turn.

Prints: wall time for the whole ``check --configs`` (collection, the built-in policies and
the results document) against the 20 s target; the I/O floor (reading and hashing every
file) measured in the same run and the ratio; parse cost per KiB per platform at 3,000 and
15,000 lines (linear: equal); peak memory of the parent and of a worker for a quarter and
for all of the files (flat in the number of files: the documents are streamed). No
assertion: figures to compare across changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controlcheck.checks import load_policies  # noqa: E402
from controlcheck.collectors.configfile import network_platform  # noqa: E402
from controlcheck.configs import check_configs  # noqa: E402

DEVICES = ROOT / "fixtures" / "devices"
EOS_REAL = ROOT.parent / "shared" / "corpus" / "network" / "configs" / "arista_eos" / "avd_campus-fabric_LEAF1A.cfg"


def _add(out: list[str], *parts: str) -> int:
    out.extend(parts)
    return sum(p.count("\n") for p in parts)


def _grow_ios(base: str, lines: int, i: int) -> str:
    out = [base.replace("hostname rtr-hq-01", f"hostname rtr-{i:05d}").rstrip().removesuffix("end")]
    n, count = 0, out[0].count("\n")
    while count < lines:
        n += 1
        count += _add(out, f"interface GigabitEthernet1/{n // 48}/{n % 48}\n description agent desk {n}\n"
                   f" switchport access vlan {100 + n % 20}\n switchport mode access\n spanning-tree portfast\n"
                   f" no shutdown\n!\n")
        count += _add(out, f"ip access-list extended AGENTS-{n % 50}\n permit tcp 10.{n % 200}.0.0 0.0.255.255 any eq 443\n"
                   f" deny ip any any log\n!\n")
    return "".join(out) + "end\n"


def _grow_asa(base: str, lines: int, i: int) -> str:
    out = [base.replace("hostname fw-", f"hostname fw-{i:05d}-").rstrip().removesuffix(": end")]
    n, count = 0, out[0].count("\n")
    while count < lines:
        n += 1
        count += _add(out, f"object network AGENT-{n}\n host 10.{n % 250}.{n % 200}.{n % 100}\n"
                   f"access-list INSIDE-IN extended permit tcp object AGENT-{n} any eq 443\n")
    return "".join(out) + ": end\n"


def _grow_eos(base: str, lines: int, i: int) -> str:
    out = [base.replace("hostname LEAF1A", f"hostname leaf-{i:05d}").rstrip().removesuffix("end")]
    n, count = 0, out[0].count("\n")
    while count < lines:
        n += 1
        count += _add(out, f"interface Ethernet{n + 100}\n   description IDF Standard Port {n}\n   no shutdown\n"
                   f"   switchport access vlan 110\n   switchport mode access\n   switchport\n"
                   f"   spanning-tree portfast\n!\n")
    return "".join(out) + "end\n"


def _grow_junos(base: str, lines: int, i: int) -> str:
    out = [base.replace("set system host-name rtr-srx-branch-04", f"set system host-name srx-{i:05d}")]
    n, count = 0, out[0].count("\n")
    while count < lines:
        n += 1
        count += _add(out, f"set interfaces ge-0/{n // 48}/{n % 48} description \"desk {n}\"\n"
                   f"set interfaces ge-0/{n // 48}/{n % 48} unit 0 family inet address 10.{n % 250}.{n % 200}.1/24\n"
                   f"set security policies from-zone trust to-zone untrust policy p{n} match source-address any\n"
                   f"set security policies from-zone trust to-zone untrust policy p{n} match destination-address "
                   f"crm-{n}\n"
                   f"set security policies from-zone trust to-zone untrust policy p{n} match application junos-https\n"
                   f"set security policies from-zone trust to-zone untrust policy p{n} then permit\n")
    return "".join(out)


def _grow_fortios(base: str, lines: int, i: int) -> str:
    head, _, _ = base.partition("config firewall policy\n")
    out = [head.replace('set hostname "fw-fgt-hq-01"', f'set hostname "fgt-{i:05d}"'), "config firewall policy\n"]
    n, count = 0, out[0].count("\n")
    while count < lines:
        n += 1
        count += _add(out, f'    edit {n}\n        set name "rule-{n}"\n        set srcintf "internal"\n'
                   f'        set dstintf "wan1"\n        set action accept\n        set srcaddr "AGENTS-{n % 40}"\n'
                   f'        set dstaddr "SAAS-{n % 30}"\n        set schedule "always"\n'
                   f'        set service "HTTPS"\n        set logtraffic all\n    next\n')
    return "".join(out) + "end\n"


def _grow_panos(base: str, lines: int, i: int) -> str:
    base = base.replace("<hostname>fw-pan-dc-01</hostname>", f"<hostname>pan-{i:05d}</hostname>")
    head, sep, tail = base.partition("              <rules>\n")
    out = [head, sep]
    n, count = 0, head.count("\n")
    while count < lines:
        n += 1
        count += _add(out, f'                <entry name="rule-{n}">\n'
                   f"                  <from><member>agents</member></from>\n"
                   f"                  <to><member>untrust</member></to>\n"
                   f"                  <source><member>AGENTS-{n % 40}</member></source>\n"
                   f"                  <destination><member>SAAS-{n % 30}</member></destination>\n"
                   f"                  <application><member>ssl</member></application>\n"
                   f"                  <service><member>application-default</member></service>\n"
                   f"                  <action>allow</action>\n                </entry>\n")
    return "".join(out) + tail


PLATFORMS = {
    "cisco_ios": (DEVICES / "cisco_ios" / "rtr-hq-01" / "show_running-config.txt", _grow_ios, ".cfg"),
    "cisco_asa": (next((DEVICES / "cisco_asa").glob("*/show_running-config.txt")), _grow_asa, ".cfg"),
    "arista_eos": (EOS_REAL, _grow_eos, ".cfg"),
    "juniper_junos": (DEVICES / "juniper_junos" / "rtr-srx-branch-04" / "show_configuration_display_set.txt",
                      _grow_junos, ".set"),
    "fortios": (DEVICES / "fortios" / "fw-fgt-hq-01" / "show_full-configuration.txt", _grow_fortios, ".conf"),
    "paloalto_panos": (DEVICES / "paloalto_panos" / "fw-pan-dc-01" / "running-config.xml", _grow_panos, ".xml"),
}


def make_fleet(folder: Path, files: int, big: int, lines: int) -> int:
    total = 0
    names = list(PLATFORMS)
    for i in range(files):
        platform = names[i % len(names)]
        source, grow, suffix = PLATFORMS[platform]
        size = 15000 if i < big else lines
        text = grow(source.read_text(), size + (i * 37) % 900, i)
        path = folder / platform / f"dev-{i:05d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        total += len(text.encode())
    return total


def floor(folder: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hashlib.sha256(path.read_bytes()).hexdigest()
    return time.perf_counter() - start


def parse_cost(platform: str, lines: int) -> tuple[float, float]:
    """(ms per parse, us per KiB) of redaction + parsing one config of ``lines`` lines."""
    source, grow, _ = PLATFORMS[platform]
    text = grow(source.read_text(), lines, 0)
    parsers = network_platform(platform).parsers
    runs = 3 if lines > 5000 else 8
    # CPU time of this process, not wall time: other work on the machine does not count
    start = time.process_time()
    for _ in range(runs):
        parsers.parse_running_config(parsers.redact_config(text))
    per = (time.process_time() - start) / runs
    return per * 1000, per * 1e6 / (len(text.encode()) / 1024)


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(folder: Path, jobs: int) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of this process and its workers, results)."""
    policies = load_policies(None)
    cpu, start = _cpu(), time.perf_counter()
    results, _ = check_configs(folder, policies, jobs=jobs)
    return time.perf_counter() - start, _cpu() - cpu, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--big", type=int, default=10, help="configs of 15,000 lines")
    parser.add_argument("--lines", type=int, default=3000, help="size of the others")
    args = parser.parse_args()

    print("parse cost (redaction + parser), CPU time of one process:")
    print(f"  {'platform':16} {'3k lines':>10} {'us/KiB':>8} {'15k lines':>10} {'us/KiB':>8}  growth/line")
    for platform in PLATFORMS:
        small_ms, small_kib = parse_cost(platform, 3000)
        big_ms, big_kib = parse_cost(platform, 15000)
        print(f"  {platform:16} {small_ms:8.1f}ms {small_kib:8.1f} {big_ms:8.1f}ms {big_kib:8.1f}  "
              f"{big_kib / small_kib:5.2f}x")

    with tempfile.TemporaryDirectory() as tmp:
        quarter = Path(tmp) / "quarter"
        fleet = Path(tmp) / "fleet"
        size_q = make_fleet(quarter, args.files // 4, max(args.big // 4, 1), args.lines)
        size = make_fleet(fleet, args.files, args.big, args.lines)
        io = floor(fleet)
        secs_q, _, res_q = run(quarter, args.jobs)
        rss_q = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        shutil.rmtree(quarter)
        secs, cpu, results = run(fleet, args.jobs)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    s = results["summary"]["by_status"]
    print(f"\n{args.files} configs ({size / 2**20:.0f} MiB, {args.big} of 15,000 lines) checked offline "
          f"with {args.jobs} parsing processes:")
    print(f"  wall {secs:6.1f} s   target < 20 s: {'met' if secs < 20 else 'NOT met'}   "
          f"({secs * 1000 / args.files:.1f} ms per config, {secs * 1e6 / (size / 1024):.0f} us per KiB)")
    print(f"  CPU {cpu:6.1f} s in all (parent + workers): on {args.jobs} otherwise idle cores at least "
          f"{cpu / args.jobs:5.1f} s wall; load average now {os.getloadavg()[0]:.1f} (other work shares the cores)")
    print(f"  findings: {s['pass']} pass, {s['fail']} fail, {s['error']} error; "
          f"{len(results['summary']['unrecognised_files'])} unrecognised")
    print(f"  floor (read + sha256 every file): {io:5.2f} s   ratio {secs / io:5.0f}x")
    print(f"  {args.files // 4} configs ({size_q / 2**20:.0f} MiB): wall {secs_q:5.1f} s, "
          f"{res_q['summary']['assets']} assets")
    print(f"  peak RSS parent: {rss_q / 1024:.0f} MiB after {args.files // 4} files, {rss / 1024:.0f} MiB after "
          f"{args.files} (the documents are streamed; what grows is the results' findings)")


if __name__ == "__main__":
    main()
