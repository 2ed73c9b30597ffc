"""Saved configurations checked offline (``--configs``): detection, asset naming, the absence
rule, controls a file cannot decide said once, baselines, and inventory ``file:`` assets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clihelp import run_cli
from helpers import CORPUS, FIXTURES

from controlcheck.collect import collect_inventory
from controlcheck.inventory import load_inventory
from controlcheck.parsers.detect import detect_platform

CONFIGS = CORPUS / "network" / "configs"

# every real config of the corpus, and the platform a reader would name for it
CORPUS_PLATFORMS = {
    "arista_eos/avd_campus-fabric_LEAF1A.cfg": "arista_eos",
    "cisco_asa/batfish_aaaAuthenticationAsa.cfg": "cisco_asa",
    "cisco_asa/ciscoconfparse_sample_01.asa": "cisco_asa",
    "cisco_asa/netutils_asa_full_sent.txt": "cisco_asa",
    "cisco_ios/batfish_as1border1.cfg": "cisco_ios",
    "cisco_ios/batfish_cisco_voice.cfg": "cisco_ios",
    "cisco_ios/batfish_ios-line.cfg": "cisco_ios",
    "cisco_ios/batfish_lhr-border-02.cfg": "cisco_ios",
    "cisco_ios/ciscoconfparse_sample_01.ios": "cisco_ios",
    "cisco_ios/napalm_csr1000v_show_running_config.txt": "cisco_ios",
    "cisco_ios/napalm_vagrant_initial.conf": "cisco_ios",
    "cisco_ios/netutils_ios_full_sent.txt": "cisco_ios",
    "fortinet_fortios/netutils_fortios_full_sent.txt": "fortios",
    "juniper_junos/netutils_junos_full_sent.txt": "juniper_junos",
    "paloalto_panos/netutils_panos_full_sent.txt": "paloalto_panos",
}


@pytest.mark.parametrize("name,platform", sorted(CORPUS_PLATFORMS.items()))
def test_every_corpus_config_is_recognised_by_its_content(name, platform):
    assert detect_platform((CONFIGS / name).read_text(errors="replace")) == platform


def test_rancid_header_decides_and_an_unknown_text_is_not_guessed():
    assert detect_platform("!RANCID-CONTENT-TYPE: arista\n!\nhostname x\n") == "arista_eos"
    assert detect_platform("#RANCID-CONTENT-TYPE: juniper\n# comment\n") == "juniper_junos"
    assert detect_platform("!RANCID-CONTENT-TYPE: cisco\n: Saved\nASA Version 9.8(1)\n") == "cisco_asa"
    assert detect_platform("!RANCID-CONTENT-TYPE: cisco\nhostname r1\n") == "cisco_ios"
    assert detect_platform("!RANCID-CONTENT-TYPE: mrv\nhostname r1\n") is None
    assert detect_platform("just some notes\nhostname? no.\n") is None


@pytest.fixture
def eos_repo(tmp_path, monkeypatch) -> Path:
    """A small config repository: the real EOS config, an unreadable README, a .git folder."""
    root = tmp_path / "repo"
    (root / "configs" / "dc1").mkdir(parents=True)
    shutil.copy(CONFIGS / "arista_eos" / "avd_campus-fabric_LEAF1A.cfg", root / "configs" / "dc1" / "leaf1a.cfg")
    (root / "configs" / "README.txt").write_text("backups of the DC switches\n")
    (root / "configs" / ".git").mkdir()
    (root / "configs" / ".git" / "config").write_text("[core]\n")
    monkeypatch.chdir(root)
    return root


def test_check_configs_gives_verdicts_with_file_and_line(eos_repo):
    code, _, err = run_cli("check", "--configs", "configs", "--format", "json", "-o", "results.json")
    results = json.loads((eos_repo / "results.json").read_text())
    # the README is reported once by name, .git is never read
    assert err.count("configs/README.txt") == 1 and ".git" not in err
    assert code == 1     # the EOS config fails real controls
    (asset,) = results["assets"]
    assert asset["id"] == "LEAF1A" and asset["kind"] == "switch" and asset["platform"] == "arista_eos"
    assert asset["config"]["path"] == "configs/dc1/leaf1a.cfg"
    by_control = {f["control_id"]: f for f in results["findings"]}
    ntp = by_control["NET-NTP-001"]
    assert ntp["status"] == "pass"
    (ev,) = ntp["evidence"]
    assert ev["file"] == "configs/dc1/leaf1a.cfg" and ev["line_numbers"] == [1070, 1071]
    assert by_control["NET-LOG-001"]["status"] == "fail"       # no 'logging host': absence is a fact
    assert by_control["NET-HTTP-001"]["status"] == "pass"      # eAPI on https only (line 39)
    assert by_control["NET-AUTH-003"]["status"] == "pass"      # admin has a sha512 secret
    # the OS release is not in an EOS config: said once, not an error per asset
    assert "NET-OS-001" not in by_control
    assert results["summary"]["unrecognised_files"] == ["configs/README.txt"]


def test_unrecognised_file_alone_exits_3(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("nothing here\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("check", "--configs", ".", "--format", "json", "-o", "r.json")
    assert code == 3 and "notes.txt: not a configuration of a known platform" in err


def test_inventory_names_kind_site_and_owner(eos_repo):
    (eos_repo / "inv.yaml").write_text(
        "assets:\n  - {id: LEAF1A, kind: switch, platform: arista_eos, address: 10.0.0.5, site: DC1, owner: IT}\n")
    run_cli("check", "--configs", "configs", "-i", "inv.yaml", "--format", "json", "-o", "r.json")
    (asset,) = json.loads((eos_repo / "r.json").read_text())["assets"]
    assert (asset["site"], asset["owner"], asset["address"]) == ("DC1", "IT", "10.0.0.5")


def test_live_only_controls_are_said_once_per_run(eos_repo):
    for i in range(3):
        shutil.copy(CONFIGS / "cisco_ios" / "netutils_ios_full_sent.txt", eos_repo / "configs" / f"r{i}.txt")
    code, _, err = run_cli("check", "--configs", "configs", "--format", "json", "-o", "r.json")
    assert err.count("NET-OS-001 not judged") == 1 and "NET-OS-001 not judged for 3 assets" in err
    results = json.loads((eos_repo / "r.json").read_text())
    assert not [f for f in results["findings"] if f["control_id"] == "NET-OS-001"]
    # three backups of one router keep three assets, told apart by their file
    ids = sorted(a["id"] for a in results["assets"])
    assert "LEAF1A" in ids and len(set(ids)) == 4


def test_baseline_reports_only_new_failures(eos_repo):
    run_cli("check", "--configs", "configs", "--format", "json", "-o", "before.json")
    code, _, err = run_cli("check", "--configs", "configs", "--baseline", "before.json", "--format", "json",
                           "-o", "after.json")
    after = json.loads((eos_repo / "after.json").read_text())
    assert code == 3          # nothing new fails; the README is still unrecognised
    assert not [f for f in after["findings"] if f["status"] in ("fail", "error")]
    assert after["baseline"]["known_failing"] > 0 and after["baseline"]["new_failing"] == 0
    # a change that breaks NTP is new
    cfg = eos_repo / "configs" / "dc1" / "leaf1a.cfg"
    cfg.write_text(cfg.read_text().replace("ntp server", "no ntp server"))
    code, _, _ = run_cli("check", "--configs", "configs", "--baseline", "before.json", "--format", "json",
                         "-o", "after.json")
    after = json.loads((eos_repo / "after.json").read_text())
    assert code == 1
    assert [f["control_id"] for f in after["findings"] if f["status"] == "fail"] == ["NET-NTP-001"]


def test_inventory_file_asset_is_collected_from_its_file(tmp_path):
    shutil.copy(CONFIGS / "cisco_ios" / "napalm_vagrant_initial.conf", tmp_path / "r1.conf")
    (tmp_path / "inv.yaml").write_text(
        "assets:\n  - {id: r1, kind: router, platform: cisco_ios, file: r1.conf}\n")
    result = collect_inventory(load_inventory(tmp_path / "inv.yaml"), tmp_path / "facts")
    (doc,) = result.documents
    assert not doc["errors"]
    assert doc["facts"]["network"]["enable"]["password_present"] is True
    (ev,) = doc["evidence"]
    assert ev["file"]["path"] == "r1.conf" and ev["source"] == "file:r1.conf"
    kept = (tmp_path / "facts" / ev["path"]).read_text()
    assert "vagrant" not in kept.split("hostname")[0] or "<removed>" in kept   # secrets never kept
    assert "enable password <removed>" in kept


def test_collect_configs_writes_one_document_per_file(eos_repo):
    code, _, err = run_cli("collect", "--configs", "configs", "-o", "facts")
    assert code == 3 and "README.txt" in err
    docs = sorted(p.name for p in (eos_repo / "facts").glob("*.json"))
    assert docs == ["LEAF1A.json"]
    doc = json.loads((eos_repo / "facts" / "LEAF1A.json").read_text())
    assert "system.os_version" in doc["not_observable"]
    assert doc["provenance"]["asset.kind"]["lines"][0].startswith("(default: a arista_eos configuration")


def test_sarif_marks_the_offending_line_and_validates(eos_repo):
    import jsonschema

    code, _, _ = run_cli("check", "--configs", "configs", "--format", "sarif", "-o", "r.sarif")
    doc = json.loads((eos_repo / "r.sarif").read_text())
    schema = json.loads((CORPUS / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    results = doc["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                           == "configs/dc1/leaf1a.cfg" for r in results)
    lines = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    # an absent setting is a whole-file finding (line 1); a present one points at its line
    assert lines["NET-LOG-001"] == 1
    text = (eos_repo / "configs" / "dc1" / "leaf1a.cfg").read_text().splitlines()
    assert text[lines["NET-LINE-002"] - 1].startswith("management") or lines["NET-LINE-002"] == 1


def test_junit_testcases_carry_file_and_line(eos_repo):
    from lxml import etree

    run_cli("check", "--configs", "configs", "--format", "junit", "-o", "r.xml")
    root = etree.parse(str(eos_repo / "r.xml")).getroot()
    cases = root.findall(".//testcase")
    assert cases and all(c.get("file") == "configs/dc1/leaf1a.cfg" and int(c.get("line")) >= 1 for c in cases)
    ntp = next(c for c in cases if c.get("name").startswith("NET-NTP-001"))
    assert ntp.get("line") == "1070"
    assert root.find("testsuite").get("file") == "configs/dc1/leaf1a.cfg"


def test_bad_input_is_one_line_and_exit_2(eos_repo):
    (eos_repo / "bad.json").write_text("{\n")
    for args, said in ((("--configs", "configs", "--platform", "nope"), "--platform 'nope' is not a network platform"),
                       (("--configs", "configs", "--baseline", "bad.json"), "bad.json:2: the baseline is not a JSON"),
                       (("--configs", "nowhere"), "nowhere: configs path does not exist"),
                       ((), "give either --facts or --configs")):
        code, _, err = run_cli("check", *args, "-o", "out.txt")
        assert code == 2 and said in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1


def test_binary_and_hostile_files_are_not_guessed(eos_repo):
    (eos_repo / "configs" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50)
    (eos_repo / "configs" / "laughs.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<config><devices><entry name="x"><deviceconfig><system><hostname>&b;</hostname></system>'
        '</deviceconfig></entry></devices></config>\n')
    code, _, err = run_cli("check", "--configs", "configs", "--format", "json", "-o", "r.json")
    results = json.loads((eos_repo / "r.json").read_text())
    assert "configs/photo.png" in results["summary"]["unrecognised_files"]
    # the XML is PAN-OS by its content, but its DOCTYPE is refused: nothing read from it
    pan = next(a for a in results["assets"] if a["platform"] == "paloalto_panos")
    assert pan["id"] == "laughs.xml" and "aaaaaaaaaa" not in json.dumps(results)
    # and a document it could not read is no empty, compliant config: its absences prove nothing
    assert any("DOCTYPE" in e["message"] or "not well formed" in e["message"] for e in pan["errors"])
    judged = [f for f in results["findings"] if f["asset_id"] == "laughs.xml"]
    assert judged and not [f for f in judged if f["status"] == "pass"]


def test_a_config_cut_short_is_not_judged_by_its_absences(eos_repo):
    full = (FIXTURES / "devices" / "fortios" / "fw-fgt-hq-01" / "show_full-configuration.txt").read_text()
    cut = full[:full.index("config system snmp user")] + "config system snmp user\n    edit \"nms-v3\"\n"
    (eos_repo / "configs" / "fgt.conf").write_text(cut)
    run_cli("check", "--configs", "configs", "--format", "json", "-o", "r.json")
    results = json.loads((eos_repo / "r.json").read_text())
    by = {f["control_id"]: f for f in results["findings"] if f["asset_id"] == "fw-fgt-hq-01"}
    # the syslog server sits after the cut: 'no remote syslog' would be a guess
    assert by["NET-LOG-001"]["status"] == "error" and by["NET-LOG-001"]["error_kind"] == "undetermined"
    assert by["FW-ADMIN-002"]["status"] == "pass"          # stated before the cut (line 8)


def test_parallel_parsing_gives_the_same_results_in_the_same_order(tmp_path, monkeypatch):
    root = tmp_path / "configs"
    root.mkdir()
    for i in range(10):   # enough files for the forked workers
        text = (FIXTURES / "devices" / "arista_eos" / "sw-eos-floor3-02" / "show_running-config.txt").read_text()
        (root / f"sw{i}.cfg").write_text(text.replace("hostname sw-eos-floor3-02", f"hostname sw-{i:02d}"))
    monkeypatch.chdir(tmp_path)
    outs = []
    for jobs in ("1", "2"):
        code, _, err = run_cli("check", "--configs", "configs", "--jobs", jobs, "--format", "json", "-o", f"r{jobs}.json")
        assert code == 1, err
        results = json.loads((tmp_path / f"r{jobs}.json").read_text())
        outs.append([(f["asset_id"], f["control_id"], f["status"], f["evidence"]) for f in results["findings"]])
    assert outs[0] == outs[1] and len({a for a, *_ in outs[0]}) == 10


def test_the_platforms_detection_names_are_the_ones_it_may_return():
    # the parsing workers import these parsers before they fork (configs.iter_config_documents)
    from controlcheck.parsers import detect
    from controlcheck.collectors.configfile import network_platform
    named = set(detect.RANCID_TYPES.values()) - {None}
    assert named <= set(detect.DETECTED)
    assert all(network_platform(p) is not None for p in detect.DETECTED)
