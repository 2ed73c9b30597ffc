"""The built-in hardware risk register and the validation of a user's register."""

from __future__ import annotations

from collections import Counter

import pytest
from clihelp import run_cli
from risk_helpers import CONTROL_IDS, REGISTER_YAML, write

from controlcheck.checks import load_policies
from controlcheck.errors import InputError
from controlcheck.risk import load_register

CLASSES = {"workstations", "telephony", "servers", "network devices", "mobile devices",
           "printers, scanners and fax", "power backup"}


def test_builtin_register_covers_every_hardware_class():
    register = load_register()
    per_class = Counter(r["asset_class"] for r in register["risks"])
    assert set(per_class) == CLASSES
    assert all(n >= 3 for n in per_class.values()), per_class


def test_builtin_register_every_risk_controlled_or_marked():
    register = load_register()
    for r in register["risks"]:
        assert r["controls"] or r["automated_evidence"] is False, r["id"]
        assert 1 <= r["likelihood"] <= 5 and 1 <= r["impact"] <= 5
        assert r["owner"] in ("IT", "Operations", "Facilities", "HR")


def test_builtin_register_and_library_agree_on_mitigation():
    """A control that says it mitigates a risk is one of that risk's controls, and back."""
    risks = {r["id"]: r for r in load_register()["risks"]}
    controls = load_policies(None).controls
    for c in controls:
        for rid in c.mitigates:
            assert rid in risks, f"{c.id} mitigates unknown risk {rid}"
            assert c.id in risks[rid]["controls"], f"{c.id} mitigates {rid} but {rid} does not list it"
    by_id = {c.id: c for c in controls}
    for r in risks.values():
        for cid in r["controls"]:
            assert r["id"] in by_id[cid].mitigates, f"{r['id']} lists {cid} but {cid} does not mitigate it"
            # a control only evidences a risk on the kinds it applies to
            kinds = by_id[cid].applies_to.get("kinds")
            assert kinds is None or set(kinds) & set(r["kinds"]), f"{cid} never applies to {r['id']}'s kinds"


def test_unknown_control_id_names_file_and_line(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(REGISTER_YAML.replace("controls: [C-PBX-1]", "controls: [C-PBX-1, C-NOPE-9]"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_register(path, known_controls=CONTROL_IDS)
    err = info.value
    assert "unknown control id 'C-NOPE-9'" in err.message and "RISK-G-01" in err.message
    assert err.file == str(path)
    assert path.read_text().splitlines()[err.line - 1].strip().startswith("controls: [C-PBX-1, C-NOPE-9]")


def test_unknown_control_id_exits_2_from_the_cli(tmp_path):
    reg, res = write(tmp_path, REGISTER_YAML.replace("controls: [C-PBX-1]", "controls: [NET-NOPE-001]"))
    code, out, err = run_cli("risks", "--results", str(res), "--risks", str(reg))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{reg}:" in err and "unknown control id 'NET-NOPE-001'" in err


@pytest.mark.parametrize("old, new, message", [
    ("likelihood: 5", "likelihood: 6", "6 is greater than the maximum of 5"),
    ("owner: HR", "owner: Sales", "is not one of IT, Operations, Facilities, HR"),
    ("kinds: [ups]\n    risk_source: Battery", "kinds: [toaster]\n    risk_source: Battery", "'toaster' is not one of"),
    ("    rationale: Small.\n", "", "'rationale' is required"),
    ("    threat: Outage\n", "    threat: Outage\n    threats: more\n", "unknown key 'threats'"),
    ("id: RISK-E-01", "id: RISK-A-01", "RISK-A-01: defined twice"),
    ("controls: [C-UPS-1]", "controls: []", "RISK-C-01: no controls"),
    ("controls: [C-UPS-1]", "controls: [C-UPS-1, C-UPS-1]", "listed twice"),
    ("risks:", "risks: !!python/object/apply:os.system ['true']\nx:", "invalid YAML"),
])
def test_invalid_register_is_one_input_error_with_a_line(tmp_path, old, new, message):
    assert old in REGISTER_YAML
    path = tmp_path / "r.yaml"
    path.write_text(REGISTER_YAML.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_register(path, known_controls=CONTROL_IDS)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}:")
    assert info.value.line is not None


def test_empty_and_missing_register(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty risk register"):
        load_register(empty, known_controls=CONTROL_IDS)
    with pytest.raises(InputError, match="file not found"):
        load_register(tmp_path / "nope.yaml", known_controls=CONTROL_IDS)


def test_a_register_can_extend_the_builtin_one(tmp_path):
    builtin = load_register()
    path = tmp_path / "extra.yaml"
    path.write_text("""extends: builtin
risks:
  - id: RISK-NET-01
    title: Takeover of the network management plane (rated up after an incident)
    asset_class: network devices
    kinds: [router, switch, firewall]
    risk_source: Attacker on an internal segment
    vulnerability: Telnet management
    threat: Reconfiguration
    likelihood: 5
    impact: 5
    rationale: Happened in March.
    owner: IT
    controls: [NET-LINE-001]
  - id: RISK-CUS-01
    title: Headsets with Bluetooth pairing open
    asset_class: telephony
    kinds: [workstation]
    risk_source: Anyone nearby
    vulnerability: Open pairing
    threat: Eavesdropping
    likelihood: 2
    impact: 3
    rationale: Open-plan floors.
    owner: Operations
    automated_evidence: false
    controls: []
""", encoding="utf-8")
    extended = load_register(path)
    ids = [r["id"] for r in extended["risks"]]
    assert len(ids) == len(builtin["risks"]) + 1 and len(set(ids)) == len(ids)
    net = next(r for r in extended["risks"] if r["id"] == "RISK-NET-01")
    assert (net["likelihood"], net["controls"]) == (5, ["NET-LINE-001"])
    assert "RISK-CUS-01" in ids


def test_a_register_without_risks_must_extend(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("method: {reduction: 0.5}\nrisks: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="extends: builtin"):
        load_register(path)
    path.write_text("extends: builtin\nmethod: {reduction: 0.5}\nrisks: []\n", encoding="utf-8")
    register = load_register(path)
    assert register["config"]["reduction"] == 0.5 and len(register["risks"]) == len(load_register()["risks"])
