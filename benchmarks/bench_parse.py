"""IOS running-config parsing cost against config size: linear, and how far above a
plain one-pass indentation tree (the floor) and how far below ciscoconfparse2 building
its tree of the same text (the peer our reader replaced; a test dependency), both
measured in the same run.

    python benchmarks/bench_parse.py [--lines 1000 5000 15000]

Configs are real-shaped: the global part of a real public IOS config from the corpus
(../shared/corpus/network/configs/cisco_ios/ciscoconfparse_sample_01.ios, read at run
time, never copied), then its interface blocks repeated with new interface names and
numbered access-list entries until the wanted size, as a large access switch has.
Prints ms per parse, us per line, the growth factor against the smallest size (linear:
equal to the size factor) and the ratio to the floor; no assertion."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controlcheck.parsers import cisco_ios  # noqa: E402
from controlcheck.parsers.cisco_common import redact_config  # noqa: E402
from controlcheck.parsers.config_tree import indent_tree  # noqa: E402

try:
    from ciscoconfparse2 import CiscoConfParse
except ImportError:   # installed with the test extras only
    CiscoConfParse = None

SAMPLE = ROOT.parent / "shared" / "corpus" / "network" / "configs" / "cisco_ios" / "ciscoconfparse_sample_01.ios"


def blocks(text: str) -> tuple[list[str], list[list[str]]]:
    """Top-level blocks of a config: (global lines, interface blocks)."""
    globals_, interfaces, current = [], [], None
    for line in text.splitlines():
        if line.startswith("interface "):
            current = [line]
            interfaces.append(current)
        elif current is not None and line.startswith(" "):
            current.append(line)
        else:
            current = None
            globals_.append(line)
    return globals_, interfaces


def real_shaped(lines: int, sample: str) -> str:
    head, interfaces = blocks(sample)
    out = [line for line in head if not line.startswith("end")]
    i = 0
    while len(out) < lines - 1:
        block = interfaces[i % len(interfaces)]
        name = f"interface GigabitEthernet{1 + i // 48}/0/{i % 48}"
        out.append(name)
        out.extend(re.sub(r"ip address \S+ \S+", f"ip address 10.{i // 250 % 250}.{i % 250}.1 255.255.255.0", b)
                   for b in block[1:])
        out.append(f"access-list 199 permit tcp host 192.0.2.{i % 250} any eq {1024 + i % 60000}")
        i += 1
    out.append("end")
    return "\n".join(out[:lines - 1] + ["end"]) + "\n"


def best_of(fn, text: str, repeat: int) -> float:
    fn(text)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 5000, 15000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"the shared corpus is expected at {SAMPLE.parent}")
    sample = SAMPLE.read_text(encoding="utf-8", errors="replace")
    first = None
    for n in sorted(args.lines):
        text = redact_config(real_shaped(n, sample))
        ours = best_of(cisco_ios.parse_running_config, text, args.repeat)
        floor = best_of(indent_tree, text, args.repeat)
        peer = best_of(lambda t: CiscoConfParse(t.splitlines(), syntax="ios"), text, 1) if CiscoConfParse else None
        facts = cisco_ios.parse_running_config(text).values
        first = first or (n, ours)
        growth = ours / first[1]
        against_peer = f"ciscoconfparse2's tree alone {peer * 1000:7.1f} ms, {peer / ours:4.1f}x ours; " if peer else ""
        print(f"{n:6d} lines ({len(text) / 1024:5.0f} KiB): parse {ours * 1000:7.1f} ms "
              f"({ours / n * 1e6:5.1f} us/line, {ours / (len(text) / 1024) * 1000:.2f} ms/KiB), "
              f"{growth:5.1f}x the {first[0]}-line time for {n / first[0]:.0f}x the lines; "
              f"indent-tree floor {floor * 1000:6.1f} ms, ratio {ours / floor:4.1f}x; {against_peer}"
              f"{len(facts.get('network.interfaces', []))} interfaces", flush=True)


if __name__ == "__main__":
    main()
