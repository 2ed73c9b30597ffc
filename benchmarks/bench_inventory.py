"""Loading a large inventory: seconds and peak memory for 100,000 assets, with the floor
(libyaml parsing the same text into plain Python objects, nothing else) measured in the
same run, and the ratio.

    python benchmarks/bench_inventory.py [--assets 100000]

Each measurement runs in a child process of its own so its peak RSS is its own
(``ru_maxrss`` of that child) and CPU time is reported beside wall time (a shared
machine's load stretches wall time, not CPU time). Prints figures; no assertion (target: 100,000 assets in
under 10 s and 500 MB on two cores; issue 12 measured 80 s and 1.45 GB before)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
path, what = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if what == "floor":
    import yaml
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh.read(), Loader=yaml.CSafeLoader)
    n = len(data["assets"])
else:
    from controlcheck.inventory import load_inventory
    n = len(load_inventory(path).assets)
seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"assets": n, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def write_inventory(path: Path, assets: int) -> None:
    kinds = [("router", "cisco_ios"), ("firewall", "cisco_asa"), ("workstation", "linux"), ("ups", "ups_rfc1628"),
             ("server", "windows"), ("pbx", "asterisk")]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("settings:\n  known_hosts: /etc/controlcheck/known_hosts\n  concurrency: 64\n")
        fh.write("credentials:\n  netops: {username: audit, password_env: CC_NETOPS}\n"
                 "  snmp: {user: monitor, auth_protocol: sha256, auth_key_env: CC_AUTH}\nassets:\n")
        for i in range(assets):
            kind, platform = kinds[i % len(kinds)]
            transport = "snmp: {credential: snmp, version: '3'}" if platform.startswith("ups") else \
                "ssh: {credential: netops}"
            fh.write(f"  - id: asset-{i:06d}\n    kind: {kind}\n    platform: {platform}\n"
                     f"    address: 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}\n    {transport}\n"
                     f"    site: SITE-{i % 40:02d}\n    owner: IT\n    tags: [floor-{i % 7}, pci]\n")


def measure(path: Path, what: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path), what],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assets", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.yaml"
        write_inventory(path, args.assets)
        size_mb = path.stat().st_size / 1e6
        floor = measure(path, "floor")
        ours = measure(path, "load_inventory")
    print(f"inventory: {args.assets:,} assets, {size_mb:.1f} MB of YAML")
    for label, m in (("floor (libyaml CSafeLoader, plain objects)", floor),
                     ("load_inventory (lines, schema, checks)    ", ours)):
        print(f"{label}: {m['seconds']:.2f} s wall, {m['cpu']:.2f} s CPU, peak {m['peak_mb']:.0f} MB")
    print(f"ratio to the floor: {ours['cpu'] / floor['cpu']:.2f}x CPU time, "
          f"{ours['peak_mb'] / floor['peak_mb']:.2f}x memory (wall time depends on the machine's load)")


if __name__ == "__main__":
    main()
