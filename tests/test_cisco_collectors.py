"""Cisco IOS and ASA collection over real SSH (our device simulator, netmiko on the client
side): golden facts per fixture, policies judging them, and the connection failures a
user meets (unknown/changed host key, wrong password, refused port, hung CLI)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from clihelp import run_cli
from helpers import FIXTURES
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

pytestmark = pytest.mark.slow   # every test here starts a server

CISCO_CASES = sorted(p for plat in ("cisco_ios", "cisco_asa") for p in (FIXTURES / "devices" / plat).iterdir()
                     if (p / "device.yaml").exists())
UPDATE = os.environ.get("CONTROLCHECK_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def cisco_run(tmp_path_factory):
    """Collect every Cisco fixture device once, concurrently, over SSH."""
    folder = tmp_path_factory.mktemp("cisco")
    with SshSimulator(CISCO_CASES) as sim:
        known_hosts = sim.write_known_hosts(folder / "known_hosts")
        inventory = write_inventory(folder / "inventory.yaml", sim_assets(sim, folder), known_hosts=known_hosts)
        code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(folder / "facts"), "--concurrency", "4")
    return {"code": code, "err": err, "facts": folder / "facts", "folder": folder}


def _facts(run, name):
    return json.loads((run["facts"] / f"{name}.json").read_text())


def test_all_cisco_devices_collected_without_errors(cisco_run):
    assert cisco_run["code"] == 0, cisco_run["err"]
    for case in CISCO_CASES:
        doc = _facts(cisco_run, case.name)
        assert doc["errors"] == [], (case.name, doc["errors"])
        assert doc["collector"]["name"] == case.parent.name


@pytest.mark.parametrize("case", CISCO_CASES, ids=lambda p: p.name)
def test_golden_facts(cisco_run, case):
    facts = _facts(cisco_run, case.name)["facts"]
    golden = case / "expected_facts.json"
    if UPDATE:
        golden.write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")
    assert facts == json.loads(golden.read_text())


def test_provenance_points_at_config_lines(cisco_run):
    doc = _facts(cisco_run, "rtr-branch-07")
    prov = doc["provenance"]["network.lines"]
    evidence = {e["id"]: e for e in doc["evidence"]}
    assert evidence[prov["evidence"]]["source"] == "ssh:show running-config"
    assert "line vty 0 4" in prov["lines"]
    raw = (cisco_run["facts"] / evidence[prov["evidence"]]["path"]).read_text().splitlines()
    # the recorded line numbers are those of the running-config as collected
    for text, number in zip(prov["lines"], prov["line_numbers"], strict=True):
        assert raw[number - 1].rstrip() == text


def test_evidence_hashes_match_files(cisco_run):
    import hashlib
    doc = _facts(cisco_run, "fw-edge-01")
    for ev in doc["evidence"]:
        data = (cisco_run["facts"] / ev["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == ev["sha256"]
        assert ev["size"] == len(data)


def test_no_secret_leaves_the_device(cisco_run):
    """Passwords, enable secrets, hashes, keys and non-default communities appear nowhere."""
    secrets = []
    for case in CISCO_CASES:
        spec = (case / "device.yaml").read_text()
        for key in ("password:", "enable_secret:"):
            secrets += [line.split(":", 1)[1].strip() for line in spec.splitlines() if line.startswith(key)]
    secrets += ["Branch07!", "br07enable", "0822455D0A16", "$9$nhEmQVczB7dqsO", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
                "8Ry2YjIyt7RRXU24", "f3UhLvUj1QsXsuK7", "02050D480809", "ab:cd:ef", "104D000A0618"]
    assert len(secrets) > 15
    for path in cisco_run["folder"].joinpath("facts").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for secret in secrets:
                assert secret not in text, f"{secret!r} leaked into {path}"
    for secret in secrets:
        assert secret not in cisco_run["err"]


def test_policies_judge_collected_facts(cisco_run):
    code, out, err = run_cli("check", "--facts", str(cisco_run["facts"]), "--format", "json")
    results = json.loads(out)
    status = {(f["asset_id"], f["control_id"]): f["status"] for f in results["findings"]}
    for control in ("NET-SNMP-001", "NET-LOG-001"):
        assert status[("rtr-hq-01", control)] == "pass"
        assert status[("rtr-branch-07", control)] == "fail"
    assert status[("fw-edge-01", "FW-MGMT-001")] == "pass"
    assert status[("fw-lab-02", "FW-MGMT-001")] == "fail"
    hq = [f for f in results["findings"] if f["asset_id"] == "rtr-hq-01"]
    branch = [f for f in results["findings"] if f["asset_id"] == "rtr-branch-07"]
    assert sum(f["status"] == "fail" for f in branch) > sum(f["status"] == "fail" for f in hq)
    assert not [f for f in results["findings"] if f["status"] == "error"], \
        [(f["asset_id"], f["control_id"], f["message"]) for f in results["findings"] if f["status"] == "error"]
    telnet = next(f for f in branch if f["control_id"] == "NET-LINE-001")
    assert "telnet" in telnet["message"]


# -- connection failures ------------------------------------------------------------------

def _one_device_inventory(tmp_path, sim, name, known_hosts=True, **overrides):
    assets = [a for a in sim_assets(sim, tmp_path) if a.id == name]
    for key, value in overrides.items():
        if key == "password_file":
            assets[0].credential["password_file"] = value
        else:
            assets[0].ssh[key] = value
    kh = tmp_path / "known_hosts"
    if known_hosts:
        sim.write_known_hosts(kh)
    return write_inventory(tmp_path / "inventory.yaml", assets, known_hosts=kh)


def _collect_errors(tmp_path, inventory, *extra):
    code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(tmp_path / "facts"), *extra)
    docs = [json.loads(p.read_text()) for p in sorted((tmp_path / "facts").glob("*.json"))]
    return code, err, docs


@pytest.fixture
def branch_sim():
    with SshSimulator([FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07"]) as sim:
        yield sim


def test_unknown_host_key_is_refused_with_its_fingerprint(tmp_path, branch_sim):
    inventory = _one_device_inventory(tmp_path, branch_sim, "rtr-branch-07", known_hosts=False)
    code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 3
    message = docs[0]["errors"][0]["message"]
    assert "unknown SSH host key" in message and branch_sim.fingerprint("rtr-branch-07") in message
    assert "facts" not in docs[0] or "network" not in docs[0]["facts"]


def test_trust_on_first_use_records_the_key_then_verifies_it(tmp_path, branch_sim):
    inventory = _one_device_inventory(tmp_path, branch_sim, "rtr-branch-07", known_hosts=False)
    code, err, docs = _collect_errors(tmp_path, inventory, "--trust-on-first-use")
    assert "recorded host key" in docs[0]["errors"][0]["message"]
    assert docs[0]["facts"]["network"]["lines"]
    recorded = (tmp_path / "known_hosts").read_text()
    assert branch_sim.known_hosts_line("rtr-branch-07").split()[2] in recorded
    shutil.rmtree(tmp_path / "facts")
    code, err, docs = _collect_errors(tmp_path, inventory)   # now known: no option needed
    assert code == 0 and docs[0]["errors"] == []


def test_changed_host_key_is_refused(tmp_path, branch_sim):
    inventory = _one_device_inventory(tmp_path, branch_sim, "rtr-branch-07")
    with SshSimulator([FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07"]) as impostor:
        line = impostor.known_hosts_line("rtr-branch-07").split()
        port = branch_sim.port("rtr-branch-07")
        (tmp_path / "known_hosts").write_text(f"[127.0.0.1]:{port} {line[1]} {line[2]}\n")
    code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 3
    message = docs[0]["errors"][0]["message"]
    assert "CHANGED" in message and branch_sim.fingerprint("rtr-branch-07") in message


def test_wrong_password_is_an_authentication_error(tmp_path, branch_sim):
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    inventory = _one_device_inventory(tmp_path, branch_sim, "rtr-branch-07", password_file=str(wrong))
    code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 3
    assert "authentication failed for user 'admin'" in docs[0]["errors"][0]["message"]
    assert "not-the-password" not in err + json.dumps(docs)


def test_refused_port_and_other_devices_go_on(tmp_path):
    cases = [FIXTURES / "devices" / "cisco_ios" / "rtr-hq-01", FIXTURES / "devices" / "cisco_asa" / "fw-lab-02"]
    with SshSimulator(cases) as sim:
        assets = sim_assets(sim, tmp_path)
        from controlcheck.lab.sshd import free_port
        assets[0].ssh["port"] = free_port()       # nothing listens there
        inventory = write_inventory(tmp_path / "inv.yaml", assets, known_hosts=sim.write_known_hosts(tmp_path / "kh"))
        code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 3
    by_id = {d["asset"]["id"]: d for d in docs}
    assert "refused" in by_id["rtr-hq-01"]["errors"][0]["message"]
    assert by_id["fw-lab-02"]["errors"] == [] and by_id["fw-lab-02"]["facts"]["network"]
    assert "rtr-hq-01: ssh:" in err


def test_hung_cli_becomes_an_error_and_keeps_what_was_collected(tmp_path):
    case = tmp_path / "dev" / "cisco_ios" / "rtr-hung"
    shutil.copytree(FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07", case)
    spec = (case / "device.yaml").read_text().replace("hostname: rtr-branch-07", "hostname: rtr-hung")
    (case / "device.yaml").write_text(spec + "behaviour:\n  hang: [\"show ip ssh\"]\n")
    with SshSimulator([case]) as sim:
        inventory = _one_device_inventory(tmp_path, sim, "rtr-hung", command_timeout=2)
        code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 3
    assert any("no prompt" in e["message"] and "show ip ssh" in e["message"] for e in docs[0]["errors"])
    # what came before the hang is kept
    assert docs[0]["facts"]["system"]["os_version"] == "12.4(15)T7"
    assert docs[0]["facts"]["network"]["lines"]


def test_cli_connection_dropped_mid_command_keeps_earlier_facts(tmp_path):
    case = tmp_path / "dev" / "cisco_ios" / "rtr-drop"
    shutil.copytree(FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07", case)
    spec = (case / "device.yaml").read_text().replace("hostname: rtr-branch-07", "hostname: rtr-drop")
    (case / "device.yaml").write_text(spec + "behaviour:\n  drop: [\"show running-config\"]\n")
    with SshSimulator([case]) as sim:
        inventory = _one_device_inventory(tmp_path, sim, "rtr-drop", command_timeout=5)
        code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 3
    assert any("show running-config" in e["message"] for e in docs[0]["errors"]), docs[0]["errors"]
    assert docs[0]["facts"]["system"]["os_version"] == "12.4(15)T7"
    assert "lines" not in docs[0]["facts"].get("network", {})


def test_debug_output_never_shows_a_secret(tmp_path, branch_sim):
    """--debug shows tracebacks for bugs, never a credential: password by environment
    variable, enable secret by file; a good run and an authentication failure."""
    assets = [a for a in sim_assets(branch_sim, tmp_path) if a.id == "rtr-branch-07"]
    assets[0].credential.pop("password_file")
    assets[0].credential["password_env"] = "CC_TEST_RTR_PASSWORD"
    inventory = write_inventory(tmp_path / "inventory.yaml", assets,
                                known_hosts=branch_sim.write_known_hosts(tmp_path / "known_hosts"))
    device = branch_sim.devices["rtr-branch-07"]
    outputs = []
    for password in (device.password, "Wr0ng-but-secret-too"):
        code, out, err = run_cli("--debug", "collect", "-i", str(inventory), "-o", str(tmp_path / "facts"),
                                 env={"CC_TEST_RTR_PASSWORD": password})
        outputs.append((password, out + err + "".join(p.read_text(errors="replace")
                                                      for p in (tmp_path / "facts").rglob("*") if p.is_file())))
    assert "authentication failed" in outputs[1][1]
    for password, text in outputs:
        assert password not in text
        assert device.enable_secret not in text


def test_a_slow_device_is_collected_completely(tmp_path):
    """A CLI answering each command after a pause still yields every fact (netmiko waits for
    the prompt, not for a fixed delay)."""
    case = tmp_path / "dev" / "cisco_asa" / "fw-slow"
    shutil.copytree(FIXTURES / "devices" / "cisco_asa" / "fw-edge-01", case)
    spec = (case / "device.yaml").read_text().replace("hostname: fw-edge-01", "hostname: fw-slow")
    (case / "device.yaml").write_text(spec + "behaviour:\n  delay: 1.5\n")
    with SshSimulator([case]) as sim:
        inventory = _one_device_inventory(tmp_path, sim, "fw-slow")
        code, err, docs = _collect_errors(tmp_path, inventory)
    assert code == 0, docs[0]["errors"]
    expected = json.loads((FIXTURES / "devices" / "cisco_asa" / "fw-edge-01" / "expected_facts.json").read_text())
    expected["system"]["hostname"] = docs[0]["facts"]["system"]["hostname"]
    assert docs[0]["facts"] == expected
