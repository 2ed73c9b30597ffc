"""Collect the fixture devices of one platform over the SSH simulator (shared by the
Linux, Windows and Asterisk collector tests)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from clihelp import run_cli
from helpers import FIXTURES
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

UPDATE = os.environ.get("CONTROLCHECK_UPDATE_GOLDEN") == "1"


def cases(platform: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / "devices" / platform).iterdir() if (p / "device.yaml").exists())


def collect_platform(platform: str, folder: Path, monkeypatch=None) -> dict:
    """Collect every case of ``platform``; the password of each device is passed by
    environment variable (``password_env``) when ``monkeypatch`` is given."""
    with SshSimulator(cases(platform)) as sim:
        known_hosts = sim.write_known_hosts(folder / "known_hosts")
        assets = sim_assets(sim, folder)
        if monkeypatch is not None:
            for asset in assets:
                var = "CC_TEST_PW_" + asset.id.upper().replace("-", "_")
                monkeypatch.setenv(var, sim.devices[asset.id].password)
                asset.credential.pop("password_file", None)
                asset.credential["password_env"] = var
        inventory = write_inventory(folder / "inventory.yaml", assets, known_hosts=known_hosts)
        code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(folder / "facts"), "--concurrency", "4")
        names = {case.name: next(n for n, d in sim.devices.items() if d.folder == case) for case in cases(platform)}
    return {"code": code, "err": err, "out": out, "facts": folder / "facts", "folder": folder, "names": names}


def document(run: dict, case: Path) -> dict:
    return json.loads((run["facts"] / f"{run['names'][case.name]}.json").read_text())


def check_golden(run: dict, case: Path) -> None:
    facts = document(run, case)["facts"]
    golden = case / "expected_facts.json"
    if UPDATE:
        golden.write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")
    assert facts == json.loads(golden.read_text())


def findings(run: dict) -> dict[tuple[str, str], dict]:
    code, out, err = run_cli("check", "--facts", str(run["facts"]), "--format", "json")
    assert code in (0, 1), err
    return {(f["asset_id"], f["control_id"]): f for f in json.loads(out)["findings"]}


def assert_no_secret(run: dict, secrets: list[str]) -> None:
    assert secrets
    for path in run["folder"].joinpath("facts").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for secret in secrets:
                assert secret not in text, f"{secret!r} leaked into {path}"
    for secret in secrets:
        assert secret not in run["err"] and secret not in run["out"]
