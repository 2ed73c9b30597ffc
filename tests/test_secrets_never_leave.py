"""No secret reaches any output: an audit over every secret form of the six network
platforms (fixtures/redaction: each secret a unique marker) — IOS and ASA live over SSH from
the device simulator, all six as saved configs — and every file it leaves is searched for
the markers: facts, evidence files, every report format (inside the XLSX, PDF and the evidence
bundle too), treatment requests and the run store."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
import zlib

import pytest
import yaml

from clihelp import run_cli
from helpers import FIXTURES
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

pytestmark = pytest.mark.slow

CONFIGS = FIXTURES / "redaction"
MARKER = re.compile(rb"mk-[a-z]+-\d\d")
FILES = [("rtr-file", "router", "cisco_ios", "cisco_ios.cfg"), ("fw-file", "firewall", "cisco_asa", "cisco_asa.cfg"),
         ("leaf-file", "switch", "arista_eos", "arista_eos.cfg"),
         ("junos-file", "router", "juniper_junos", "juniper_junos.cfg"),
         ("forti-file", "firewall", "fortios", "fortios.cfg"),
         ("pan-file", "firewall", "paloalto_panos", "paloalto_panos.xml")]


def _live_device(tmp_path, platform: str, case: str, name: str, config: str):
    folder = tmp_path / "dev" / platform / name
    shutil.copytree(FIXTURES / "devices" / platform / case, folder)
    spec = (folder / "device.yaml").read_text().replace(f"hostname: {case}", f"hostname: {name}")
    (folder / "device.yaml").write_text(spec)
    (folder / "show_running-config.txt").write_text((CONFIGS / config).read_text())
    return folder


def _texts(path):
    """The bytes of a file as a reader would see them: zip members unpacked, PDF streams inflated."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                yield f"{path.name}:{name}", zf.read(name)
        return
    if data.startswith(b"%PDF"):
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
            try:
                yield f"{path.name}:stream", zlib.decompress(stream)
            except zlib.error:
                yield f"{path.name}:stream", stream
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, timeout=120).stdout
            yield f"{path.name}:text", text
    yield path.name, data


def test_no_marker_reaches_any_output(tmp_path):
    markers = set()
    for *_, config in FILES:
        markers |= set(MARKER.findall((CONFIGS / config).read_bytes()))
    assert len(markers) > 100
    live = [_live_device(tmp_path, "cisco_ios", "rtr-hq-01", "rtr-live", "cisco_ios.cfg"),
            _live_device(tmp_path, "cisco_asa", "fw-edge-01", "fw-live", "cisco_asa.cfg")]
    out = tmp_path / "out"
    with SshSimulator(live) as sim:
        inventory = write_inventory(tmp_path / "inv.yaml", sim_assets(sim, tmp_path),
                                    known_hosts=sim.write_known_hosts(tmp_path / "known_hosts"))
        data = yaml.safe_load(inventory.read_text())
        data["assets"] += [{"id": i, "kind": k, "platform": p, "address": "192.0.2.1", "file": str(CONFIGS / f)}
                           for i, k, p, f in FILES]
        inventory.write_text(yaml.safe_dump(data))
        code, stdout, err = run_cli("audit", "-i", str(inventory), "--out", str(out))
    assert code in (1, 3), err
    outputs = [p for p in out.rglob("*") if p.is_file()]
    names = {p.name for p in outputs}
    for expected in ("results.json", "report.html", "report.xlsx", "findings.csv", "evidence-bundle.zip",
                     "results.xml", "results.sarif", "summary.md", "controlcheck.db"):
        assert expected in names, sorted(names)
    assert any(p.parent.name == "treatment" for p in outputs)
    evidence = [p for p in outputs if "evidence" in p.parts]
    assert len(evidence) >= 8                     # the live show running-config and every saved file
    assert any(b"<removed>" in p.read_bytes() for p in evidence)
    leaks = {}
    for path in outputs:
        for where, blob in _texts(path):
            found = set(MARKER.findall(blob))
            if found:
                leaks[where] = sorted(found)
    assert leaks == {}, leaks
    code, stdout, err = run_cli("verify", str(out / "evidence-bundle.zip"))
    assert code == 0, stdout + err
