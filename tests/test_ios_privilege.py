"""Privilege levels like IOS: a login that lands in user EXEC (``>``) cannot show the
running-config until ``enable``. The simulator refuses it as IOS does, so a collector that
forgets ``enable`` fails here, not only on a real router."""

from __future__ import annotations

import json
import shutil

import pytest

from clihelp import run_cli
from helpers import FIXTURES
from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.collectors.ssh import cli_session, ssh_target
from controlcheck.inventory import load_inventory
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

pytestmark = pytest.mark.slow   # every test here starts the SSH simulator

BRANCH = FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07"


def _device(tmp_path, name: str, extra: str = "", enable_secret: str | None = None):
    case = tmp_path / "dev" / "cisco_ios" / name
    shutil.copytree(BRANCH, case)
    spec = (case / "device.yaml").read_text().replace("hostname: rtr-branch-07", f"hostname: {name}")
    (case / "device.yaml").write_text(spec + extra)
    return case


def _inventory(tmp_path, sim, enable_secret: str | None = "keep"):
    assets = sim_assets(sim, tmp_path)
    for asset in assets:
        if enable_secret is None:
            asset.credential.pop("enable_secret_file", None)
        elif enable_secret != "keep":
            wrong = tmp_path / "wrong.enable"
            wrong.write_text(enable_secret + "\n")
            asset.credential["enable_secret_file"] = str(wrong)
    return write_inventory(tmp_path / "inventory.yaml", assets,
                           known_hosts=sim.write_known_hosts(tmp_path / "known_hosts"))


def _collect(tmp_path, inventory):
    code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(tmp_path / "facts"))
    return code, [json.loads(p.read_text()) for p in sorted((tmp_path / "facts").glob("*.json"))]


def test_user_exec_cannot_show_the_running_config(tmp_path):
    """The simulator itself: at '>' the configuration is refused as IOS refuses it."""
    with SshSimulator([_device(tmp_path, "rtr-user")]) as sim:
        inventory = load_inventory(_inventory(tmp_path, sim))
        asset = inventory.assets[0]
        ctx = CollectionContext(inventory=inventory)
        builder = FactsBuilder(asset, ctx, "cisco_ios")
        with cli_session(ssh_target(asset, ctx), builder, "cisco_ios", privileged=False) as session:
            assert session.conn.find_prompt().endswith(">")
            refused = session.run("show running-config")
            version = session.run("show version")
            session.conn.enable()
            assert session.conn.find_prompt().endswith("#")
            allowed = session.run("show running-config")
    assert refused.exit_status == 1 and "% Invalid input detected" in refused.text
    assert version.ok and "12.4(15)T7" in version.text
    assert allowed.ok and "hostname rtr-branch-07" in allowed.text


def test_collector_enters_enable_when_login_lands_in_user_exec(tmp_path):
    with SshSimulator([_device(tmp_path, "rtr-user", "login_privilege: 1\n")]) as sim:
        code, docs = _collect(tmp_path, _inventory(tmp_path, sim))
    assert code == 0, docs[0]["errors"]
    assert docs[0]["facts"]["network"]["lines"]
    assert docs[0]["facts"]["network"]["services"]


def test_login_at_privilege_15_needs_no_enable_secret(tmp_path):
    with SshSimulator([_device(tmp_path, "rtr-priv", "login_privilege: 15\n")]) as sim:
        code, docs = _collect(tmp_path, _inventory(tmp_path, sim, enable_secret=None))
    assert code == 0, docs[0]["errors"]
    assert docs[0]["facts"]["network"]["lines"]


@pytest.mark.parametrize("secret, said", [(None, "names no enable_secret"), ("not-the-enable", "enable refused")])
def test_no_or_wrong_enable_secret_is_said_and_never_a_silent_pass(tmp_path, secret, said):
    with SshSimulator([_device(tmp_path, "rtr-user")]) as sim:
        code, docs = _collect(tmp_path, _inventory(tmp_path, sim, enable_secret=secret))
    assert code == 3
    messages = [e["message"] for e in docs[0]["errors"]]
    assert any(said in m for m in messages), messages
    assert any("no running configuration" in m for m in messages), messages
    assert docs[0]["facts"]["system"]["os_version"] == "12.4(15)T7"     # user EXEC may show the version
    assert "lines" not in docs[0]["facts"].get("network", {})
    assert "not-the-enable" not in json.dumps(docs)
