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
    done = _cli("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = (tmp_path / "controlcheck-demo").resolve()
    assert f"HTML report: {out / 'report.html'}" in done.stdout
    assert f"PDF report: {out / 'report.pdf'}" in done.stdout
    for name in ("report.html", "report.pdf", "report.xlsx", "findings.csv", "assessment-results.oscal.json",
                 "results.sarif", "results.xml", "results.json", "summary.md", "evidence-bundle.zip"):
        assert (out / name).stat().st_size > 0, name
    # every department owning an assessed risk gets its request, Operations included; one naming
    assert {p.name for p in (out / "treatment").glob("*.md")} >= {"treatment-it.md", "treatment-operations.md",
                                                                   "treatment-facilities.md"}
    # what is weak on purpose is said before the audit
    assert "weak or incomplete on purpose:" in done.stderr and "ups-branch-07: an APC rack PDU" in done.stderr
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


@pytest.mark.slow
def test_two_demo_runs_show_a_remediation_and_the_commands_work_without_flags(tmp_path):
    first = _cli("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "run 'controlcheck demo' again" in first.stdout
    for command in ("controlcheck trend", "controlcheck risks", "controlcheck report --format pdf"):
        assert command in first.stdout           # the next commands, without --db: they find the demo's history
    second = _cli("demo", cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "the lab has remediated rtr-branch-07" in second.stderr
    assert "  controlcheck diff\n" in second.stdout
    diff = _cli("diff", cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert "newly passing: 4" in diff.stdout and "rtr-branch-07  NET-SSH-001  (was fail)" in diff.stdout
    trend = _cli("trend", cwd=tmp_path)
    assert trend.returncode == 0 and "4 fixed, median time to remediate" in trend.stdout, trend.stdout
    for args in (("risks",), ("cai", "--by", "owner"), ("report", "--format", "pdf", "-o", "again.pdf")):
        done = _cli(*args, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stderr)
    text = subprocess.run(["pdftotext", str(tmp_path / "again.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "Example Contact Centre (demo lab)" in flat
    assert "Finding age and time to remediate" in flat and "4 findings were fixed" in flat
    assert "NET-SSH-001 on rtr-branch-07" in flat


@pytest.mark.slow
def test_a_broken_sshd_is_left_out_with_its_reason(tmp_path, monkeypatch):
    from controlcheck.lab import fleet as lab_fleet

    def broken(self):
        raise RuntimeError("sshd exited at start: Missing privilege separation directory: /run/sshd")

    monkeypatch.setattr(lab_fleet, "find_sshd", lambda: "/usr/sbin/sshd")
    monkeypatch.setattr(lab_fleet.RealSshd, "start", broken)
    with lab_fleet.Fleet(tmp_path / "lab", with_snmp=False) as fleet:
        inventory = (tmp_path / "lab" / "inventory.yaml").read_text()
        assert "rtr-hq-01" in inventory and "srv-linux-local" not in inventory
    assert any(n.startswith("left out: the real Linux server") and "privilege separation" in n for n in fleet.notes)
