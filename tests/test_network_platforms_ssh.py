"""Arista EOS, Junos, FortiOS and PAN-OS collected over real SSH: our device simulator's
personalities on one side, netmiko's own device types (arista_eos, juniper_junos, fortinet,
paloalto_panos) on the other, through the network CLI base. The facts equal the reviewed
golden facts, and a refused command is an error, never an empty answer."""

from __future__ import annotations

import json

import pytest
from clihelp import run_cli
from helpers import FIXTURES

from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

pytestmark = pytest.mark.slow   # starts the SSH simulator

PLATFORMS = ("arista_eos", "juniper_junos", "fortios", "paloalto_panos")
CASES = sorted(p.parent for plat in PLATFORMS for p in (FIXTURES / "devices" / plat).glob("*/device.yaml"))


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nos")
    with SshSimulator(CASES) as sim:
        known_hosts = sim.write_known_hosts(folder / "known_hosts")
        inventory = write_inventory(folder / "inventory.yaml", sim_assets(sim, folder), known_hosts=known_hosts)
        code, _, err = run_cli("collect", "-i", str(inventory), "-o", str(folder / "facts"), "--concurrency", "4")
    return code, err, folder / "facts"


def test_one_device_of_each_new_platform_is_served():
    assert sorted(c.parent.name for c in CASES) == sorted(PLATFORMS)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_collected_over_ssh_equals_the_golden_facts(collected, case):
    code, err, facts = collected
    doc = json.loads((facts / f"{case.name}.json").read_text())
    assert doc["errors"] == [], doc["errors"]
    assert doc["facts"] == json.loads((case / "expected_facts.json").read_text())
    sources = [e["source"] for e in doc["evidence"]]
    assert len(sources) == 2 and all(s.startswith("ssh:") for s in sources)
    assert code == 0, err
