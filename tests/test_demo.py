"""The README's first command: ``controlcheck demo`` on the simulated fleet, and the lab
in the background (``lab start|status|stop``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from helpers import REPO
from controlcheck.lab.sshd import find_sshd


def _cli(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "controlcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_demo_audits_every_hardware_class_and_writes_every_report(tmp_path):
    done = _cli("demo", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "demo"
    assert f"HTML report: {out / 'report.html'}" in done.stdout
    for name in ("report.html", "report.xlsx", "findings.csv", "assessment-results.oscal.json", "results.sarif",
                 "results.xml", "results.json", "summary.md", "evidence-bundle.zip"):
        assert (out / name).stat().st_size > 0, name
    assert list((out / "treatment").glob("*.md"))
    results = json.loads((out / "results.json").read_text())
    kinds = {a["id"]: a["kind"] for a in results["assets"]}
    counts = Counter((kinds[f["asset_id"]], f["status"]) for f in results["findings"])
    expected = {"workstation", "router", "firewall", "pbx", "ups", "printer"} | ({"server"} if find_sshd() else set())
    for kind in expected:
        assert counts[(kind, "pass")] and counts[(kind, "fail")], (kind, counts)
    # the APC rack PDU filed as a UPS: no invented battery facts, and the run says why
    pdu = json.loads((out / "runs" / "1" / "facts" / "ups-branch-07.json").read_text())
    assert "battery" not in pdu["facts"].get("ups", {})
    assert any("PDU" in e["message"] for e in pdu["errors"])
    verify = _cli("verify", str(out / "evidence-bundle.zip"), cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # no lab secret in any report
    secrets = [p.read_text().strip() for p in (out / "lab" / "secrets").glob("*.password")]
    assert secrets
    for name in ("report.html", "results.json", "assessment-results.oscal.json", "findings.csv", "summary.md"):
        text = (out / name).read_text(errors="replace")
        assert not [s for s in secrets if s in text], name


@pytest.mark.slow
def test_lab_start_status_stop(tmp_path):
    folder = tmp_path / "lab"
    started = _cli("lab", "start", "--dir", str(folder), cwd=tmp_path)
    try:
        assert started.returncode == 0, started.stderr
        assert "lab running" in started.stdout and "inventory:" in started.stdout
        again = _cli("lab", "start", "--dir", str(folder), cwd=tmp_path)
        assert again.returncode == 2 and "already running" in again.stderr
        status = _cli("lab", "status", "--dir", str(folder), cwd=tmp_path)
        assert status.returncode == 0 and "rtr-hq-01" in status.stdout and "ups-hq-01" in status.stdout
        collected = _cli("collect", "-i", str(folder / "inventory.yaml"), "-o", str(tmp_path / "facts"),
                         "--concurrency", "8", cwd=tmp_path)
        assert collected.returncode in (0, 3), collected.stderr
        assert (tmp_path / "facts" / "fw-edge-01.json").exists()
    finally:
        stopped = _cli("lab", "stop", "--dir", str(folder), cwd=tmp_path)
    assert stopped.returncode == 0 and "lab stopped" in stopped.stdout
    assert _cli("lab", "status", "--dir", str(folder), cwd=tmp_path).returncode == 1


def test_demo_runs_from_the_repository_root_help():
    assert "demo" in _cli("--help", cwd=REPO).stdout
