"""The CI job definitions of docs/ci.md, run as written on a small git repository of configs.

The commands are read from the page itself (the ``run:`` steps of the GitHub Actions workflow
and the ``script:`` of the GitLab job), so the documentation and this test cannot drift. Only
``pip install`` is left out (the controlcheck under test is already installed). A pull-request
branch that adds one failure must fail the job on that failure alone (the baseline hides the
failures already on the target branch), with a SARIF that validates and points at the line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import CORPUS, FIXTURES, REPO

pytestmark = pytest.mark.slow   # many real subprocesses (git, controlcheck): the full lane

DOC = REPO / "docs" / "ci.md"


def yaml_blocks() -> list[dict]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)]


def github_steps() -> list[str]:
    workflow = next(b for b in yaml_blocks() if isinstance(b, dict) and "jobs" in b)
    steps = next(iter(workflow["jobs"].values()))["steps"]
    return [s["run"] for s in steps if "run" in s and not s["run"].startswith("pip install")]


def gitlab_script() -> list[str]:
    job = next(b for b in yaml_blocks() if isinstance(b, dict) and "controlcheck" in b
               and "script" in b["controlcheck"])
    return [s for s in job["controlcheck"]["script"] if not s.startswith("pip install")]


def sh(cmd: list[str] | str, cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, check=check, capture_output=True, text=True, timeout=300,
                          shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None)


@pytest.fixture
def config_repo(tmp_path) -> tuple[Path, Path]:
    """origin (bare) with main holding two configs; a clone on branch 'change' that makes the
    hardened FortiGate accept any-to-any (one new failure) and leaves the weak one as it was."""
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    origin = tmp_path / "origin.git"
    sh(["git", "init", "-q", "--bare", "-b", "main", str(origin)], tmp_path, env)
    work = tmp_path / "work"
    sh(["git", "clone", "-q", str(origin), str(work)], tmp_path, env)
    sh(["git", "checkout", "-q", "-b", "main"], work, env, check=False)
    configs = work / "configs"
    configs.mkdir()
    devices = FIXTURES / "devices" / "fortios"
    shutil.copy(devices / "fw-fgt-hq-01" / "show_full-configuration.txt", configs / "fw-fgt-hq-01.conf")
    shutil.copy(devices / "fw-fgt-branch-02" / "show_full-configuration.txt", configs / "fw-fgt-branch-02.conf")
    shutil.copy(CORPUS / "network" / "configs" / "arista_eos" / "avd_campus-fabric_LEAF1A.cfg", configs / "leaf1a.cfg")
    (configs / "README.md").write_text("Oxidized backups\n")
    sh(["git", "add", "-A"], work, env)
    sh(["git", "commit", "-q", "-m", "backups"], work, env)
    sh(["git", "push", "-q", "origin", "main"], work, env)
    sh(["git", "checkout", "-q", "-b", "change"], work, env)
    hq = configs / "fw-fgt-hq-01.conf"
    hq.write_text(hq.read_text().replace('set dstaddr "CRM-SAAS"', 'set dstaddr "all"')
                  .replace('set srcaddr "AGENT-VLANS"', 'set srcaddr "all"').replace('set service "HTTPS"',
                                                                                     'set service "ALL"'))
    sh(["git", "commit", "-q", "-am", "open the CRM rule"], work, env)
    return work, tmp_path


def _env(extra: dict) -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _check_results(work: Path) -> None:
    sarif = json.loads((work / "controlcheck.sarif").read_text())
    import jsonschema
    jsonschema.Draft4Validator(json.loads((CORPUS / "schemas" / "sarif-schema-2.1.0.json").read_text())).validate(sarif)
    results = sarif["runs"][0]["results"]
    # only the new failure is reported, at its line of the changed file
    assert [(r["ruleId"], r["baselineState"]) for r in results] == [("FW-ACL-001", "new")]
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "configs/fw-fgt-hq-01.conf"
    line = (work / "configs" / "fw-fgt-hq-01.conf").read_text().splitlines()[loc["region"]["startLine"] - 1]
    assert line.strip() == "set action accept"
    junit = (work / "controlcheck.xml").read_text()
    assert junit.count("<failure") == 1 and 'file="configs/fw-fgt-hq-01.conf"' in junit


def test_github_actions_job_as_documented(config_repo):
    work, tmp = config_repo
    env_file = tmp / "github_env"
    env_file.write_text("")
    env = _env({"GITHUB_BASE_REF": "main", "GITHUB_WORKSPACE": str(work), "GITHUB_ENV": str(env_file)})
    outcomes = []
    for step in github_steps():
        for line in env_file.read_text().splitlines():   # what a step wrote to $GITHUB_ENV, as Actions does
            key, _, value = line.partition("=")
            env[key] = value
        outcomes.append(sh(step, work, env, check=False))
    *steps, last = outcomes
    assert all(o.returncode == 0 for o in steps), [(o.args, o.stderr) for o in steps if o.returncode]
    assert last.returncode != 0            # 'Fail on new findings': the job fails on the new failure
    assert "status=1" in env_file.read_text()
    assert (work / "baseline.json").stat().st_size > 0
    _check_results(work)


def test_gitlab_job_as_documented(config_repo):
    work, _ = config_repo
    env = _env({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_PROJECT_DIR": str(work)})
    *setup, junit_step = gitlab_script()
    for step in setup:
        out = sh(step, work, env, check=False)
        assert out.returncode == 0, (step, out.stderr)
    out = sh(junit_step, work, env, check=False)
    assert out.returncode == 1               # the job fails on the new finding
    _check_results(work)


def test_gitlab_job_passes_when_a_change_adds_no_failure(config_repo):
    work, _ = config_repo
    sh(["git", "checkout", "-q", "main"], work)
    sh(["git", "checkout", "-q", "-b", "harmless"], work)
    env = _env({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_PROJECT_DIR": str(work)})
    outs = [sh(step, work, env, check=False) for step in gitlab_script()]
    assert [o.returncode for o in outs][-1] == 3   # nothing new fails; the README is named, not guessed
    assert "configs/README.md: not a configuration" in outs[-1].stderr


def test_pre_commit_hook_entry_on_the_changed_files(config_repo):
    work, _ = config_repo
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    changed = sh(["git", "diff", "--name-only", "HEAD~1"], work).stdout.split()
    out = sh(hook["entry"] + " " + " ".join(changed), work, _env({}), check=False)
    assert changed == ["configs/fw-fgt-hq-01.conf"]
    assert out.returncode == 1 and "FW-ACL-001" in out.stdout and "fw-fgt-hq-01" in out.stdout
    assert "fw-fgt-branch-02" not in out.stdout    # only the files the commit changed
