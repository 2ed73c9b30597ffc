"""Linux collection over a REAL OpenSSH sshd on loopback (this machine's real facts), and
over the device simulator for fixture hosts (golden facts, policies, sshd fallback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from clihelp import run_cli
from controlcheck.lab.sshd import RealSshd, find_sshd
from controlcheck.parsers.linux import parse_os_release
from hostsim import cases, check_golden, collect_platform, document, findings

pytestmark = [pytest.mark.skipif(find_sshd() is None, reason="OpenSSH sshd not installed"),
              pytest.mark.slow]   # every test here starts sshd or the simulator


class ExtraFirstSshd(RealSshd):
    """sshd keeps the FIRST value of a keyword: put the test's lines before the defaults."""

    def write_config(self) -> None:
        super().write_config()
        lines = self.config.read_text().splitlines()
        extra = [line for line in lines if line in self.extra_config]
        rest = [line for line in lines if line not in self.extra_config]
        self.config.write_text("\n".join(extra + rest) + "\n")


def _collect(sshd: RealSshd, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    inventory = folder / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({
        "settings": {"known_hosts": str(sshd.known_hosts)},
        "credentials": {"lab": {"username": sshd.username, "key_file": str(sshd.client_key)}},
        "assets": [{"id": "this-host", "kind": "server", "platform": "linux", "address": "127.0.0.1",
                    "ssh": {"credential": "lab", "port": sshd.port}}],
    }))
    code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(folder / "facts"))
    assert code in (0, 3), err
    return json.loads((folder / "facts" / "this-host.json").read_text())


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real-linux")
    with ExtraFirstSshd(folder / "sshd") as sshd:
        first = _collect(sshd, folder / "one")
        sshd.restart(["PermitRootLogin yes", "MaxAuthTries 3", "X11Forwarding yes",
                      "Ciphers aes256-gcm@openssh.com,aes128-ctr"])
        second = _collect(sshd, folder / "two")
    return first, second


def test_real_os_release_matches_this_machine(real):
    doc, _ = real
    mine = parse_os_release(Path("/etc/os-release").read_text())
    assert doc["facts"]["system"]["os_name"] == mine["system.os_name"][0]
    assert doc["facts"]["host"]["os"]["family"] == "linux"
    if "system.os_version" in mine:
        assert doc["facts"]["system"]["os_version"] == mine["system.os_version"][0]
    import os
    assert doc["facts"]["host"]["os"]["kernel"] == os.uname().release
    assert doc["facts"]["system"]["hostname"] == os.uname().nodename


def test_real_sshd_settings_are_the_serving_daemons(real):
    doc, _ = real
    sshd = doc["facts"]["host"]["sshd"]
    # the test daemon's config, found from the session's own process tree
    assert sshd["listenaddress"] == f"127.0.0.1:{sshd['port']}"
    assert sshd["passwordauthentication"] == "no"
    assert sshd["permitrootlogin"] in ("without-password", "prohibit-password")
    assert not any(e["source"] == "ssh:sshd" for e in doc["errors"]), doc["errors"]
    sources = [e["source"] for e in doc["evidence"]]
    assert any(s.startswith("ssh:/usr/sbin/sshd -T -f ") for s in sources), sources


def test_real_sshd_config_change_changes_facts(real):
    before, after = real
    assert before["facts"]["host"]["sshd"]["maxauthtries"] == "6"
    assert after["facts"]["host"]["sshd"]["maxauthtries"] == "3"
    assert after["facts"]["host"]["sshd"]["permitrootlogin"] == "yes"
    assert after["facts"]["host"]["sshd"]["x11forwarding"] == "yes"
    assert after["facts"]["host"]["sshd_list"]["ciphers"] == ["aes256-gcm@openssh.com", "aes128-ctr"]


def test_real_facts_are_typed_and_errors_named(real):
    doc, _ = real
    host = doc["facts"]["host"]
    assert isinstance(host["accounts"]["uid0"], list) and "root" in host["accounts"]["uid0"]
    for err in doc["errors"]:
        assert err["source"] and err["message"]
    # facts either present with the right type or absent (never null)
    text = json.dumps(doc["facts"])
    assert "null" not in text


def test_real_no_hash_in_evidence(real):
    doc, _ = real
    for ev in doc["evidence"]:
        assert "/etc/shadow" not in ev["source"] or ev["source"].startswith(("ssh:awk", "ssh:sudo -n awk"))


def test_real_facts_are_judged_by_the_policies(real, tmp_path):
    doc, _ = real
    (tmp_path / "this-host.json").write_text(json.dumps(doc))
    code, out, err = run_cli("check", "--facts", str(tmp_path), "--format", "json")
    assert code in (0, 1), err
    status = {f["control_id"]: f["status"] for f in json.loads(out)["findings"]}
    assert status["HOST-SSH-002"] == "pass"          # the test sshd: PasswordAuthentication no
    assert status["HOST-ACC-001"] in ("pass", "fail")


# -- simulated fixture hosts ----------------------------------------------------------------------
CASES = cases("linux")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        return collect_platform("linux", tmp_path_factory.mktemp("linux-sim"), monkeypatch=mp)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_facts(sim, case):
    check_golden(sim, case)


def test_hardened_has_no_errors(sim):
    assert document(sim, next(c for c in CASES if c.name == "hardened"))["errors"] == []


def test_weak_sshd_falls_back_to_configured_values_and_says_so(sim):
    doc = document(sim, next(c for c in CASES if c.name == "weak"))
    assert doc["facts"]["host"]["sshd"]["permitrootlogin"] == "yes"
    notes = [e["message"] for e in doc["errors"] if e["source"] == "ssh:sshd"]
    assert any("CONFIGURED" in n for n in notes), notes
    # Debian 11's OpenSSH 8.4 (from sshd's usage answer to -G): its defaults are used, but
    # not for KexAlgorithms, whose default list controlcheck knows from 9.0 only
    prov = doc["provenance"]
    assert prov["host.sshd.permitemptypasswords"]["origin"] == "default"
    assert "OpenSSH 8.4" in prov["host.sshd.permitemptypasswords"]["rule"]
    assert any(n.startswith("kexalgorithms: not set") and "OpenSSH 8.4" in n for n in notes), notes
    # the drop-in's Ciphers line is cited in the drop-in, with its line number
    assert prov["host.sshd.ciphers"]["lines"] == [
        "/etc/ssh/sshd_config.d/50-kiosk.conf:2: Ciphers aes128-cbc,aes256-ctr,3des-cbc"]


def test_installed_packages_from_dpkg(sim):
    # fixtures/devices/linux/hardened/dpkg_list.txt: 3 installed (ii), 1 held (hi), 1 removed (rc)
    doc = document(sim, next(c for c in CASES if c.name == "hardened"))
    host = doc["facts"]["host"]
    assert host["software_count"] == 4
    assert {"name": "openssh-server", "version": "1:9.6p1-3ubuntu13.5"} in host["software"]
    assert not any(p["name"].startswith("linux-image") for p in host["software"])


def test_shadow_evidence_holds_names_only(sim):
    for case in CASES:
        doc = document(sim, case)
        for ev in doc["evidence"]:
            if "/etc/shadow" in ev["source"]:
                text = (sim["facts"] / ev["path"]).read_text()
                assert "$" not in text and ":" not in text


def test_policies(sim):
    status = {k: f["status"] for k, f in findings(sim).items()}
    controls = ["HOST-SSH-001", "HOST-SSH-002", "HOST-SSH-003", "HOST-SSH-004", "HOST-SSH-005", "HOST-PWD-001",
                "HOST-PWD-002", "HOST-PWD-003", "HOST-ACC-001", "HOST-ACC-002", "HOST-FW-001", "HOST-ENC-001",
                "HOST-UPD-001", "HOST-UPD-002", "HOST-TIME-001", "HOST-AUD-001", "HOST-AV-001", "HOST-USB-001",
                "HOST-LOCK-001"]
    for control in controls:
        assert status[("lnx-wks-hardened", control)] == "pass", control
        assert status[("lnx-wks-weak", control)] == "fail", control
