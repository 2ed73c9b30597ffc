"""``controlcheck audit`` end to end over real SSH (the device simulator): reports, run
history, trend and diff, overlapping runs refused, interrupted runs kept and reported; the
report stage's renderer processes (on saved configurations)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from clihelp import run_cli
from helpers import FIXTURES, REPO
from controlcheck.checks import load_facts
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator
from controlcheck.store import RunStore

CASES = [FIXTURES / "devices" / "cisco_ios" / "rtr-hq-01", FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07",
         FIXTURES / "devices" / "cisco_asa" / "fw-lab-02"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit-lab")
    with SshSimulator(CASES) as sim:
        inventory = write_inventory(folder / "inventory.yaml", sim_assets(sim, folder),
                                    known_hosts=sim.write_known_hosts(folder / "known_hosts"))
        yield {"sim": sim, "inventory": inventory, "folder": folder}


@pytest.mark.slow
def test_audit_twice_gives_history_trend_and_diff(lab, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = run_cli("audit", "-i", str(lab["inventory"]), "--out", str(out), "--format", "json",
                                "--format", "junit")
    assert code == 1, err           # the weak devices fail controls
    assert "run 1: 3/3 assets collected without errors" in stdout
    assert "Compliance Adherence Index:" in stdout and "risks at High or above" in stdout
    assert (out / "results.json").exists() and (out / "results.xml").exists()
    assert sorted(p.name for p in (out / "runs" / "1" / "facts").glob("*.json")) == \
        ["fw-lab-02.json", "rtr-branch-07.json", "rtr-hq-01.json"]
    # the audit does not validate its own collectors' documents again: they must hold to the schema
    assert len(load_facts(out / "runs" / "1" / "facts", validate=True)) == 3
    assert list((out / "treatment").glob("*.md")), "risks at High or above must produce treatment requests"

    code, stdout, err = run_cli("audit", "-i", str(lab["inventory"]), "--out", str(out), "--format", "json")
    assert "run 2:" in stdout and "(+0.0 since run 1)" in stdout
    with RunStore(out / "controlcheck.db") as store:
        history = store.history()
        assert [h["id"] for h in history] == [1, 2]
        assert history[0]["cai"] == history[1]["cai"]
        diff = store.diff(1, 2)
    assert not diff.get("newly_failing") and not diff.get("new_assets")
    # the risk views read a stored run as well as a results file
    code, stdout, err = run_cli("cai", "--db", str(out / "controlcheck.db"), "--run", "1", "--format", "json")
    assert code == 0, err
    assert json.loads(stdout)["overall"]["value"] == history[0]["cai"]
    code, stdout, err = run_cli("risks", "--db", str(out / "controlcheck.db"))
    assert code == 0 and "RISK-NET-01" in stdout


@pytest.mark.slow
def test_a_second_audit_on_the_same_store_is_refused(lab, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with RunStore(out / "controlcheck.db") as store, store.lock("audit"):
        code, stdout, err = run_cli("audit", "-i", str(lab["inventory"]), "--out", str(out))
    assert code == 2
    assert "another audit is running against" in err and f"pid {os.getpid()}" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_a_killed_audit_is_reported_incomplete_by_the_next(lab, tmp_path):
    out = tmp_path / "out"
    # an audit process that dies (SIGKILL) while collecting: a hung device keeps it busy
    hung = tmp_path / "dev" / "cisco_ios" / "rtr-stuck"
    hung.mkdir(parents=True)
    spec = (CASES[1] / "device.yaml").read_text().replace("hostname: rtr-branch-07", "hostname: rtr-stuck")
    for f in CASES[1].iterdir():
        if f.name != "device.yaml":
            (hung / f.name).write_bytes(f.read_bytes())
    (hung / "device.yaml").write_text(spec + "behaviour:\n  hang: [\"show running-config\"]\n")
    with SshSimulator([hung]) as sim:
        inventory = write_inventory(tmp_path / "inv.yaml", sim_assets(sim, tmp_path),
                                    known_hosts=sim.write_known_hosts(tmp_path / "kh"))
        proc = subprocess.Popen([sys.executable, "-m", "controlcheck", "audit", "-i", str(inventory), "--out",
                                 str(out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # kill it once it is inside collection: the device has been asked the command it hangs on
        asked = "rtr-stuck: cli show running-config"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and asked not in sim.log and proc.poll() is None:
            time.sleep(0.1)
        assert asked in sim.log, "the audit never reached the hung device"
        proc.kill()
        proc.wait()
    code, stdout, err = run_cli("audit", "-i", str(lab["inventory"]), "--out", str(out), "--format", "json")
    assert "note: run 1" in stdout and "incomplete" in stdout
    assert "run 2:" in stdout
    with RunStore(out / "controlcheck.db") as store:
        assert [r["id"] for r in store.incomplete_runs(all_runs=True)] == [1]


@pytest.mark.slow
def test_sigterm_marks_the_run_incomplete_and_keeps_collected_facts(lab, tmp_path):
    out = tmp_path / "out"
    slow = tmp_path / "dev" / "cisco_ios" / "rtr-slow"
    slow.mkdir(parents=True)
    for f in CASES[0].iterdir():
        (slow / f.name).write_bytes(f.read_bytes())
    spec = (slow / "device.yaml").read_text().replace("hostname: rtr-hq-01", "hostname: rtr-slow")
    (slow / "device.yaml").write_text(spec + "behaviour:\n  hang: [\"show ip ssh\"]\n")
    with SshSimulator(CASES[1:2] + [slow]) as sim:
        inventory = write_inventory(tmp_path / "inv.yaml", sim_assets(sim, tmp_path),
                                    known_hosts=sim.write_known_hosts(tmp_path / "kh"))
        proc = subprocess.Popen([sys.executable, "-m", "controlcheck", "audit", "-i", str(inventory), "--out",
                                 str(out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        facts = out / "runs" / "1" / "facts" / "rtr-branch-07.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not facts.exists():
            time.sleep(0.1)
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    assert json.loads(facts.read_text())["facts"]["network"]
    with RunStore(out / "controlcheck.db") as store:
        run = store.incomplete_runs(all_runs=True)[0]
    assert run["status"] == "incomplete" and "interrupted" in run["reason"]


def test_bad_inventory_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "inv.yaml"
    bad.write_text("assets:\n  - id: x\n    kind: toaster\n    platform: linux\n    address: 127.0.0.1\n")
    code, stdout, err = run_cli("audit", "-i", str(bad), "--out", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1 and "inv.yaml:" in err
    assert not (tmp_path / "out" / "controlcheck.db").exists()


def test_a_run_the_environment_stops_is_marked_failed(tmp_path):
    """Facts cannot be written (``runs`` is a file, as on a full or read-only disk the write
    fails): one line, exit 4, and the run is recorded ``failed`` with the reason."""
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("assets:\n  - {id: h1, kind: server, platform: linux, address: 127.0.0.1}\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs").write_text("not a folder\n")
    code, stdout, err = run_cli("audit", "-i", str(inventory), "--out", str(out))
    assert code == 4, err
    assert err.count("\n") == 1 and "runs" in err and "Traceback" not in err
    with RunStore(out / "controlcheck.db") as store:
        [run] = store.incomplete_runs(all_runs=True)
        assert store.history() == []
    assert run["status"] == "failed" and "runs" in run["reason"]
    code, stdout, err = run_cli("trend", "--db", str(out / "controlcheck.db"))
    assert code == 0 and "run 1 " in stdout and "is failed:" in stdout


def _saved_config_fleet(tmp_path, n: int = 3):
    """An inventory of ``n`` routers read from a saved configuration (no server)."""
    import shutil

    from helpers import CORPUS

    lines = ["assets:"]
    for i in range(n):
        shutil.copy(CORPUS / "network" / "configs" / "cisco_ios" / "napalm_vagrant_initial.conf", tmp_path / f"r{i}.conf")
        lines.append(f"  - {{id: r{i}, kind: router, platform: cisco_ios, file: r{i}.conf}}")
    (tmp_path / "inv.yaml").write_text("\n".join(lines) + "\n")
    return tmp_path / "inv.yaml"


def _renderer_children() -> str:
    return subprocess.run(["ps", "-o", "args=", "--ppid", str(os.getpid())], capture_output=True, text=True).stdout


def test_renderers_started_for_the_report_stage_end_when_the_run_stops_before_it(tmp_path, monkeypatch):
    from controlcheck import audit
    from controlcheck.errors import EnvironmentStopped
    from controlcheck.reports import parallel

    monkeypatch.setattr(parallel, "MIN_FINDINGS", 0)        # a fleet's renderer processes for 3 routers
    started = []

    def start_renderers(*args, **kwargs):
        started.append(parallel.start_renderers(*args, **kwargs))
        return started[-1]
    monkeypatch.setattr(audit, "start_renderers", start_renderers)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(RunStore, "finish_run", disk_full)
    with pytest.raises(EnvironmentStopped):
        audit.run_audit(audit.AuditOptions(inventory=_saved_config_fleet(tmp_path), out_dir=tmp_path / "out"))
    assert started and set(started[0]) == {"pdf"}
    assert all(r.proc.poll() is not None for r in started[0].values())
    assert "controlcheck.reports.renderer" not in _renderer_children()


@pytest.mark.slow       # not a server, but a PDF takes seconds
def test_an_audit_renders_its_pdf_and_workbook_in_processes_of_their_own(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from controlcheck import audit
    from controlcheck.reports import parallel

    monkeypatch.setattr(parallel, "MIN_FINDINGS", 0)
    sent = []
    send = parallel._Renderer.send

    def send_and_note(self, payload, last=True):
        sent.append(self.kind)
        send(self, payload, last)
    monkeypatch.setattr(parallel._Renderer, "send", send_and_note)
    result = audit.run_audit(audit.AuditOptions(inventory=_saved_config_fleet(tmp_path), out_dir=tmp_path / "out"))
    assert sent == ["pdf", "pdf"]          # the document, then its cover
    assert result.reports["pdf"].read_bytes().startswith(b"%PDF")
    findings = load_workbook(result.reports["xlsx"])["Findings"]
    assert findings.max_row == 1 + len(result.results["findings"])
    assert "controlcheck.reports.renderer" not in _renderer_children()
