"""A `pip install .` user gets the built-in policy library, risk register and schemas."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from helpers import REPO


@pytest.mark.slow
def test_wheel_ships_policies_risks_and_schemas(tmp_path):
    # build from a clean copy: setuptools reuses a stale build/ folder in the source tree
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__",
                                                             "controlcheck-demo", ".pytest_cache"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("controlcheck-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    policies = {n for n in names if n.startswith("controlcheck/policies/") and n.endswith(".yaml")}
    repo_policies = {f"controlcheck/policies/{p.relative_to(REPO / 'policies').as_posix()}"
                     for p in (REPO / "policies").rglob("*.yaml")}
    assert policies == repo_policies and policies
    assert {"controlcheck/schemas/policy.json", "controlcheck/schemas/facts.json",
            "controlcheck/schemas/inventory.json", "controlcheck/schemas/waivers.json"} <= names
    risks = {f"controlcheck/risks/{p.name}" for p in (REPO / "risks").glob("*.yaml")}
    assert risks <= names
    assert "controlcheck/cli/main.py" in names
    # the demo fleet works from a wheel: simulated devices and our printer recordings ship
    devices = {f"controlcheck/lab/devices/{p.relative_to(REPO / 'fixtures' / 'devices').as_posix()}"
               for p in (REPO / "fixtures" / "devices").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert devices <= names and "controlcheck/lab/devices/cisco_ios/rtr-hq-01/device.yaml" in names
    assert "controlcheck/lab/data/snmp/prn-hq-floor2.snmprec" in names
    # the run history's migrations run from the wheel (no alembic.ini needed)
    migrations = {f"controlcheck/migrations/{p.relative_to(REPO / 'controlcheck' / 'migrations').as_posix()}"
                  for p in (REPO / "controlcheck" / "migrations").rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts}
    assert migrations <= names and "controlcheck/migrations/versions/0001_schema_v1.py" in names
