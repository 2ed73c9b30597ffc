"""Devices that misbehave after login, over real SSH (the device simulator): a source that
did not answer never lets a fallback decide a fact; a device that hangs costs a bounded
time; a connection the device drops is named as such."""

from __future__ import annotations

import json
import shutil

import pytest

from clihelp import run_cli
from helpers import FIXTURES, wait_until
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

pytestmark = pytest.mark.slow


def _device(tmp_path, platform: str, case: str, name: str, behaviour: str, files: dict | None = None):
    folder = tmp_path / "dev" / platform / name
    shutil.copytree(FIXTURES / "devices" / platform / case, folder)
    spec = (folder / "device.yaml").read_text()
    spec = "\n".join(line for line in spec.splitlines() if not line.startswith("hostname:"))
    (folder / "device.yaml").write_text(f"hostname: {name}\n{spec}\nbehaviour:\n{behaviour}\n")
    for file, text in (files or {}).items():
        (folder / file).write_text(text)
    return folder


def _collect(tmp_path, sim, ssh: dict | None = None, settings: dict | None = None):
    assets = sim_assets(sim, tmp_path)
    for asset in assets:
        asset.ssh.update(ssh or {})
    inventory = write_inventory(tmp_path / "inventory.yaml", assets, settings=settings,
                                known_hosts=sim.write_known_hosts(tmp_path / "known_hosts"))
    code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(tmp_path / "facts"))
    docs = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "facts").glob("*.json")}
    return code, err, docs


def test_usb_storage_is_not_judged_from_modprobe_config_when_the_module_list_hangs(tmp_path):
    """usb_storage is loaded, the modprobe configuration blocks it (for the next boot), and
    'cat /proc/modules' never answers: the fact stays undetermined, never 'blocked'."""
    case = _device(tmp_path, "linux", "hardened", "lnx-usb", '  hang: ["cat /proc/modules"]',
                   {"proc_modules.txt": "usb_storage 81920 0 - Live 0x0000000000000000\n"})
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim, ssh={"command_timeout": 2})
    doc = docs["lnx-usb"]
    assert "usb_storage" not in doc["facts"].get("host", {}), doc["facts"]["host"].get("usb_storage")
    assert any("USB storage blocking not determined" in e["message"] for e in doc["errors"])
    code, out, err = run_cli("check", "--facts", str(tmp_path / "facts"), "--format", "json")
    usb = [f for f in json.loads(out)["findings"] if f["control_id"] == "HOST-USB-001"]
    assert usb and usb[0]["status"] == "error"


def test_a_device_that_hangs_after_login_is_given_up_after_two_silent_commands(tmp_path):
    case = _device(tmp_path, "linux", "weak", "lnx-hang", "  hang_on_login: true")
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim, ssh={"command_timeout": 1})
        sent = [line for line in sim.log if line.startswith("lnx-hang: exec")]
    assert code == 3
    assert len(sent) == 2, sent          # the rest were never sent (was: every command, each a full timeout)
    errors = [e["message"] for e in docs["lnx-hang"]["errors"]]
    assert any("further command(s) not run" in m and "stopped answering" in m for m in errors), errors


def test_the_asset_deadline_bounds_a_slow_device(tmp_path):
    """Each answer takes 0.4 s; the inventory gives the asset 1.5 s in all."""
    case = _device(tmp_path, "linux", "hardened", "lnx-slow", "  delay: 0.4")
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim, settings={"asset_deadline": 1.5})
        sent = [line for line in sim.log if line.startswith("lnx-slow: exec")]
    assert code == 3
    assert len(sent) < 10, sent
    errors = [e["message"] for e in docs["lnx-slow"]["errors"]]
    assert any("deadline of 1.5s passed" in m for m in errors), errors
    assert docs["lnx-slow"]["facts"]["host"]["os"]       # what came before the deadline is kept


def test_a_per_asset_deadline_overrides_the_settings(tmp_path):
    case = _device(tmp_path, "linux", "hardened", "lnx-slow2", "  delay: 0.4")
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim, ssh={"deadline": 1}, settings={"asset_deadline": 600})
    assert any("deadline of 1s passed" in e["message"] for e in docs["lnx-slow2"]["errors"])


def test_a_dropped_cli_connection_is_named_as_dropped_not_hung(tmp_path):
    case = _device(tmp_path, "cisco_ios", "rtr-branch-07", "rtr-drop", '  drop: ["show running-config"]')
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim, ssh={"command_timeout": 5})
    messages = [e["message"] for e in docs["rtr-drop"]["errors"]]
    assert any("connection dropped by" in m and "show running-config" in m for m in messages), messages
    assert not any("hung CLI" in m for m in messages)


def test_device_text_in_error_lines_reaches_the_terminal_escaped(tmp_path):
    """A device answers a failed command with OSC/CSI escapes (set the window title, clear
    the screen): 'collect' prints the error line with the escapes shown, not obeyed."""
    case = _device(tmp_path, "linux", "hardened", "lnx-ansi", "  delay: 0",
                   {"login.defs": "\x1b]0;owned\x07\x1b[2Jlogin.defs: permission denied\n"})
    spec = (case / "device.yaml").read_text().replace("exit_status:\n", "exit_status:\n  cat /etc/login.defs: 1\n")
    (case / "device.yaml").write_text(spec)
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim)
    assert "password ageing not read" in err
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b]0;owned\\x07\\x1b[2J" in err


def test_a_killed_audit_counts_the_facts_it_kept(tmp_path):
    """SIGKILL while one device hangs and another is done: the next audit and 'trend' say
    how many assets the killed run collected (its facts files), not 0."""
    import subprocess
    import sys

    from helpers import REPO

    done = _device(tmp_path, "cisco_ios", "rtr-branch-07", "rtr-done", "  delay: 0")
    stuck = _device(tmp_path, "cisco_ios", "rtr-branch-07", "rtr-stuck", '  hang: ["show running-config"]')
    out = tmp_path / "out"
    with SshSimulator([done, stuck]) as sim:
        assets = sim_assets(sim, tmp_path)
        inventory = write_inventory(tmp_path / "inv.yaml", assets,
                                    known_hosts=sim.write_known_hosts(tmp_path / "kh"))
        proc = subprocess.Popen([sys.executable, "-m", "controlcheck", "audit", "-i", str(inventory), "--out",
                                 str(out)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kept = out / "runs" / "1" / "facts" / "rtr-done.json"
        wait_until(kept.exists, "the first device's facts written")
        proc.kill()
        proc.wait()
        assert kept.exists()
        done_only = write_inventory(tmp_path / "inv2.yaml", [a for a in assets if a.id == "rtr-done"],
                                    known_hosts=tmp_path / "kh")
        code, stdout, err = run_cli("audit", "-i", str(done_only), "--out", str(out), "--format", "json")
    assert "note: run 1" in stdout and "1 assets were collected" in stdout, stdout
    code, stdout, err = run_cli("trend", "--db", str(out / "controlcheck.db"))
    assert "run 1 " in stdout and "1 assets were collected" in stdout, stdout


def test_silent_primary_sources_leave_their_facts_undetermined(tmp_path):
    """The PAM stack and the auditd unit state never answer: password length/complexity and
    the audit daemon state stay undetermined; pwquality.conf / login.defs and the process
    list do not decide in their place."""
    case = _device(tmp_path, "linux", "hardened", "lnx-silent",
                   '  hang: ["cat /etc/pam.d/common-password", "systemctl is-active auditd"]')
    with SshSimulator([case]) as sim:
        code, err, docs = _collect(tmp_path, sim, ssh={"command_timeout": 1})
    host = docs["lnx-silent"]["facts"]["host"]
    assert "min_length" not in host.get("password_policy", {}), host.get("password_policy")
    assert "complexity" not in host.get("password_policy", {})
    assert "enabled" not in host.get("audit", {}), host.get("audit")
    messages = " ".join(e["message"] for e in docs["lnx-silent"]["errors"])
    assert "PAM password stack gave no answer" in messages
