"""Inputs built to exhaust: an alias bomb, nesting 100 (YAML) and 100,000 (JSON) levels deep.
Each is one line and exit 2, refused before any schema validation or evaluation walks it."""

from __future__ import annotations

import json

from clihelp import run_cli
from helpers import FIXTURES


def _bomb(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghijk"[:levels - 1]:
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join("  " + line for line in lines)


def test_an_alias_bomb_in_an_inventory_is_refused_before_validation(tmp_path):
    """Six levels (531,441 strings from 300 bytes); the issue's nine levels cost 97 s and
    3.1 GB before exit 2, this refusal is immediate at any level."""
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("assets:\n  - id: a1\n    kind: server\n    platform: linux\n    address: 10.0.0.1\n"
                         "    tags:\n" + "\n".join("  " + line for line in _bomb(6).splitlines()) + "\n")
    code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(tmp_path / "facts"))
    assert code == 2 and err.count("\n") == 1, err
    assert "alias bomb" in err and "inv.yaml:" in err


def test_merge_keys_stay_allowed(tmp_path):
    from controlcheck.inventory import load_inventory
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("assets:\n  - &base {id: a0, kind: server, platform: linux, address: 10.0.0.250, site: HQ}\n"
                         + "".join(f"  - {{<<: *base, id: a{i}, address: 10.0.0.{i}}}\n" for i in range(1, 200)))
    assets = load_inventory(inventory).assets
    assert len(assets) == 200 and {a.site for a in assets} == {"HQ"} and assets[5].address == "10.0.0.5"


def test_a_policy_nested_100_deep_is_one_line_exit_2(tmp_path):
    check = {"fact": "system.hostname", "op": "present"}
    for _ in range(100):
        check = {"not": check}
    policy = tmp_path / "deep.yaml"
    policy.write_text("controls:\n  - id: DEEP-001\n    title: deep\n    description: deep\n    severity: low\n"
                      "    applies_to: {kinds: [router]}\n    check: " + json.dumps(check) + "\n")
    code, out, err = run_cli("policy", "validate", str(policy))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "deep.yaml:" in err and "nested deeper than" in err


def test_facts_100000_deep_are_one_line_exit_2(tmp_path):
    doc = json.loads((FIXTURES / "facts" / "rtr-hq-01.json").read_text())
    facts = tmp_path / "facts"
    facts.mkdir()
    text = json.dumps(doc)
    (facts / "deep.json").write_text(text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, out, err = run_cli("check", "--facts", str(facts))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "deep.json" in err and "nested deeper than" in err


def _policy(tmp_path, pattern: str):
    policy = tmp_path / "re.yaml"
    policy.write_text("controls:\n  - id: RE-001\n    title: hostname pattern\n    description: d\n    severity: low\n"
                      "    applies_to: {kinds: [router]}\n"
                      f"    check: {{fact: system.hostname, op: regex, value: {json.dumps(pattern)}}}\n")
    return policy


def test_a_catastrophic_regex_is_judged_in_linear_time(tmp_path):
    """'(a+)+$' against a 40-character hostname: Python's re backtracks for hours; RE2 answers
    at once. Run in a child process so a regression fails on the timeout instead of hanging."""
    import subprocess
    import sys

    from helpers import REPO
    doc = json.loads((FIXTURES / "facts" / "rtr-hq-01.json").read_text())
    doc["facts"]["system"]["hostname"] = "a" * 40 + "!"
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "rtr.json").write_text(json.dumps(doc))
    proc = subprocess.run([sys.executable, "-m", "controlcheck", "check", "--facts", str(facts), "--policies",
                           str(_policy(tmp_path, "(a+)+$")), "--format", "json"], cwd=REPO, capture_output=True,
                          timeout=60)
    finding = json.loads(proc.stdout)["findings"][0]
    assert finding["control_id"] == "RE-001" and finding["status"] == "fail"


def test_a_regex_that_needs_backtracking_is_refused_at_load(tmp_path):
    code, out, err = run_cli("policy", "validate", str(_policy(tmp_path, r"(rtr)-\1")))
    assert code == 2 and err.count("\n") == 1, err
    assert "re.yaml:" in err and "RE-001" in err and "linear time" in err
