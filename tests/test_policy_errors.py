"""Bad input gives one line naming the file, the line and the problem; exit 2; no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from clihelp import run_cli

GOOD = """\
controls:
  - id: T-SSH-001
    title: SSH v2
    severity: high
    check: {fact: network.ssh.version, op: eq, value: "2"}
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def assert_one_line_error(code, out, err, *needles):
    assert code == 2, (code, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("body,needles", [
    ("controls:\n  - id: T-1\n    title: [unclosed\n", ["invalid YAML", ":4:", "started on line 3"]),
    (GOOD.replace("check:", "checks:"), ["unknown key 'checks'", "T-SSH-001", ":2:"]),
    (GOOD.replace("op: eq", "op: equals"), ["'equals' is not one of", "T-SSH-001"]),
    (GOOD.replace("severity: high", "severity: severe"), ["'severe' is not one of", ":4:"]),
    (GOOD.replace("title: SSH v2", "title: 7\n    title2: x"), ["unknown key 'title2'"]),
    (GOOD.replace('network.ssh.version', "\"network.lines[?type==\""), ["invalid JMESPath", "T-SSH-001", ":5:"]),
    (GOOD + "    applies_to: {kinds: [toaster]}\n", ["'toaster' is not one of", "T-SSH-001"]),
    (GOOD.replace('op: eq, value: "2"', 'op: regex, value: "([a"'), ["invalid regex", "T-SSH-001"]),
    ("controls:\n  - id: T-1\n    id: T-2\n", ["duplicate key 'id'", ":3:"]),
    ("", ["empty policy file"]),
])
def test_bad_policy_file(tmp_path, body, needles):
    p = write(tmp_path, "bad.yaml", body)
    code, out, err = run_cli("policy", "validate", str(p))
    assert_one_line_error(code, out, err, str(p), *needles)


def test_duplicate_control_id_across_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    code, out, err = run_cli("policy", "validate", str(tmp_path))
    assert_one_line_error(code, out, err, "duplicate control id T-SSH-001", "a.yaml:2", "b.yaml:2")


def test_missing_policy_directory_is_an_error_not_all_compliant(tmp_path, facts_dir):
    code, out, err = run_cli("check", "--facts", str(facts_dir), "--policies", str(tmp_path / "nope"))
    assert_one_line_error(code, out, err, "policy path does not exist")
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run_cli("check", "--facts", str(facts_dir), "--policies", str(empty))
    assert_one_line_error(code, out, err, "no policy files")


def test_facts_file_that_is_not_json(tmp_path):
    p = write(tmp_path, "rtr.json", '{"asset": {"id": "x",\n  oops}\n')
    code, out, err = run_cli("check", "--facts", str(p))
    assert_one_line_error(code, out, err, str(p), "not valid JSON", ":2:")


def test_facts_document_of_the_wrong_shape(tmp_path):
    p = write(tmp_path, "rtr.json", json.dumps({"asset": {"id": "x"}}))
    code, out, err = run_cli("check", "--facts", str(p))
    assert_one_line_error(code, out, err, str(p), "not a facts document")


def test_missing_facts_path(tmp_path):
    code, out, err = run_cli("check", "--facts", str(tmp_path / "nope"))
    assert_one_line_error(code, out, err, "facts path does not exist")


def test_bad_waivers_file(tmp_path, facts_dir):
    p = write(tmp_path, "w.yaml", """\
        waivers:
          - control: NET-SSH-001
            assets: {ids: [rtr-branch-07]}
            justification: replacement ordered
            approver: CISO
            expires: 2027-02-30
        """)
    code, out, err = run_cli("check", "--facts", str(facts_dir), "--waivers", str(p))
    assert_one_line_error(code, out, err, str(p), "not a real date", ":6:")
    p = write(tmp_path, "w2.yaml", "waivers:\n  - control: X\n    assets: {ids: [a]}\n    justification: j\n")
    code, out, err = run_cli("check", "--facts", str(facts_dir), "--waivers", str(p))
    assert_one_line_error(code, out, err, "is required")


def test_debug_shows_a_traceback(tmp_path):
    p = write(tmp_path, "bad.yaml", GOOD.replace("check:", "checks:"))
    proc = subprocess.run([sys.executable, "-m", "controlcheck", "--debug", "policy", "validate", str(p)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "controlcheck", "policy", "validate", str(p)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
